{{ config(materialized='table') }}

{#
    Every measure of every community for every period it can be stated for, month, quarter and year.
    How a measure carries over from months to longer periods is in the measure seed:
      stock  as at the period's end: the value in the last month of the period in which the measure
             exists (source_period), normally the period's last month
      flow   events of the period: the sum over its months
      pair   movements between the snapshot of a period and that of the period before, measured at
             each grain directly (int_workers__movements)
#}

with monthly_measures as (
    select period, community_code, measure_code, measure_value from {{ ref('int_measures__population') }}
    union all
    select period, community_code, measure_code, measure_value from {{ ref('int_measures__workforce') }}
    union all
    select period, community_code, measure_code, measure_value from {{ ref('int_measures__facilities') }}
    union all
    select period, community_code, measure_code, measure_value from {{ ref('int_measures__participation') }}
    union all
    select period, community_code, measure_code, measure_value from {{ ref('int_measures__public_safety') }}
    union all
    select period, community_code, measure_code, measure_value from {{ ref('int_measures__social_security') }}
),

measure_definitions as (
    select
        measure_code,
        time_aggregation
    from {{ ref('measure_definitions') }}
),

months as (
    select
        period,
        parent_period as quarter_period,
        {{ dbt.cast('period_year', dbt.type_string()) }} as year_period
    from {{ ref('int_periods__calendar') }}
    where period_grain = 'month'
),

monthly_cells as (
    select
        monthly_measures.measure_code,
        measure_definitions.time_aggregation,
        monthly_measures.community_code,
        monthly_measures.period as month_period,
        months.quarter_period,
        months.year_period,
        monthly_measures.measure_value
    from monthly_measures
    inner join measure_definitions
        on monthly_measures.measure_code = measure_definitions.measure_code
    inner join months
        on monthly_measures.period = months.period
),

month_memberships as (
    select distinct
        measure_code,
        time_aggregation,
        month_period,
        quarter_period as period,
        'quarter' as period_grain
    from monthly_cells

    union all

    select distinct
        measure_code,
        time_aggregation,
        month_period,
        year_period as period,
        'year' as period_grain
    from monthly_cells
),

stock_sources as (
    select
        measure_code,
        period,
        period_grain,
        max(month_period) as source_period
    from month_memberships
    where time_aggregation = 'stock'
    group by
        measure_code,
        period,
        period_grain
),

stock_cells as (
    select
        monthly_cells.measure_code,
        monthly_cells.community_code,
        stock_sources.period,
        stock_sources.period_grain,
        stock_sources.source_period,
        monthly_cells.measure_value
    from stock_sources
    inner join monthly_cells
        on stock_sources.measure_code = monthly_cells.measure_code
        and stock_sources.source_period = monthly_cells.month_period
),

flow_cells as (
    select
        monthly_cells.measure_code,
        monthly_cells.community_code,
        month_memberships.period,
        month_memberships.period_grain,
        {{ dbt.cast('null', dbt.type_string()) }} as source_period,
        sum(monthly_cells.measure_value) as measure_value
    from month_memberships
    inner join monthly_cells
        on month_memberships.measure_code = monthly_cells.measure_code
        and month_memberships.month_period = monthly_cells.month_period
    where month_memberships.time_aggregation = 'flow'
    group by
        monthly_cells.measure_code,
        monthly_cells.community_code,
        month_memberships.period,
        month_memberships.period_grain
),

movements as (
    select
        period,
        period_grain,
        community_code,
        worker_joiners,
        worker_leavers,
        workers_previous
    from {{ ref('int_workers__movements') }}
),

movement_cells as (
    {{ unpivot_measures('movements', ['period', 'period_grain', 'community_code'],
        ['worker_joiners', 'worker_leavers', 'workers_previous']) }}
),

cells as (
    select
        measure_code,
        community_code,
        month_period as period,
        'month' as period_grain,
        month_period as source_period,
        measure_value
    from monthly_cells

    union all

    select
        measure_code,
        community_code,
        period,
        period_grain,
        source_period,
        measure_value
    from stock_cells

    union all

    select
        measure_code,
        community_code,
        period,
        period_grain,
        source_period,
        measure_value
    from flow_cells

    union all

    select
        measure_code,
        community_code,
        period,
        period_grain,
        {{ dbt.cast('null', dbt.type_string()) }} as source_period,
        measure_value
    from movement_cells
)

select
    measure_code,
    community_code,
    period,
    period_grain,
    source_period,
    measure_value
from cells
