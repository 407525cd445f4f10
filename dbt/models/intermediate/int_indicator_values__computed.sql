{{ config(materialized='table') }}

{#
    Every indicator of the seed indicator_definitions at community, street, district and city grain
    for every month, quarter and year its measures exist in, before publication:
        value = scale x numerator / denominator     (a rate or an average)
        value = scale x numerator                   (a count: no denominator measure)
    Numerator and denominator are measures of the same area and period (int_measures__by_area); the
    value is empty when the denominator is 0.

    Quarters and years: an indicator built only from stocks (counts as at a day) is the indicator's
    cell of the last month of the period in which it exists, for every area alike (so pension
    coverage of 2024 is that of the last month with both a population and an insurance snapshot).
    Any other indicator - events, or events over a stock such as cases per 1,000 residents - is
    computed from its measures for the period.

    A cell is withheld when either of its measures is (int_disclosure__suppressed_cells); the reason
    is the numerator's, else the denominator's. A quarter or year copied from a month keeps the
    month's decision.
#}

with indicators as (
    select
        indicators.indicator_code,
        indicators.numerator_measure,
        indicators.denominator_measure,
        indicators.scale,
        numerators.time_aggregation = 'stock'
            and coalesce(denominators.time_aggregation, 'stock') = 'stock' as is_stock_only
    from {{ ref('indicator_definitions') }} as indicators
    inner join {{ ref('measure_definitions') }} as numerators
        on indicators.numerator_measure = numerators.measure_code
    left join {{ ref('measure_definitions') }} as denominators
        on indicators.denominator_measure = denominators.measure_code
),

measures as (
    select
        measure_code,
        area_code,
        area_level,
        parent_code,
        period,
        period_grain,
        measure_value
    from {{ ref('int_measures__by_area') }}
),

suppressed_cells as (
    select
        measure_code,
        area_code,
        period,
        suppression_kind,
        reason_code,
        pass_number
    from {{ ref('int_disclosure__suppressed_cells') }}
    where is_suppressed
),

measured_cells as (
    select
        indicators.indicator_code,
        indicators.is_stock_only,
        numerators.area_code,
        numerators.area_level,
        numerators.parent_code,
        numerators.period,
        numerators.period_grain,
        numerators.measure_value as numerator,
        denominators.measure_value as denominator,
        case
            when indicators.denominator_measure is null then indicators.scale * numerators.measure_value
            else indicators.scale * {{ safe_divide('numerators.measure_value', 'denominators.measure_value') }}
        end as value,
        indicators.numerator_measure,
        indicators.denominator_measure
    from indicators
    inner join measures as numerators
        on indicators.numerator_measure = numerators.measure_code
    left join measures as denominators
        on indicators.denominator_measure = denominators.measure_code
        and numerators.area_code = denominators.area_code
        and numerators.period = denominators.period
    where indicators.denominator_measure is null
        or denominators.measure_code is not null
),

measured_cells_checked as (
    select
        measured_cells.indicator_code,
        measured_cells.is_stock_only,
        measured_cells.area_code,
        measured_cells.area_level,
        measured_cells.parent_code,
        measured_cells.period,
        measured_cells.period_grain,
        measured_cells.numerator,
        measured_cells.denominator,
        measured_cells.value,
        numerator_suppression.measure_code is not null
            or denominator_suppression.measure_code is not null as is_suppressed,
        case
            when numerator_suppression.measure_code is not null then measured_cells.numerator_measure
            when denominator_suppression.measure_code is not null then measured_cells.denominator_measure
        end as suppressed_measure,
        case
            when numerator_suppression.measure_code is not null then 'numerator'
            when denominator_suppression.measure_code is not null then 'denominator'
        end as suppressed_role,
        coalesce(numerator_suppression.suppression_kind, denominator_suppression.suppression_kind)
            as suppression_kind,
        coalesce(numerator_suppression.reason_code, denominator_suppression.reason_code) as reason_code,
        coalesce(numerator_suppression.pass_number, denominator_suppression.pass_number) as pass_number
    from measured_cells
    left join suppressed_cells as numerator_suppression
        on measured_cells.numerator_measure = numerator_suppression.measure_code
        and measured_cells.area_code = numerator_suppression.area_code
        and measured_cells.period = numerator_suppression.period
    left join suppressed_cells as denominator_suppression
        on measured_cells.denominator_measure = denominator_suppression.measure_code
        and measured_cells.area_code = denominator_suppression.area_code
        and measured_cells.period = denominator_suppression.period
),

month_cells as (
    select
        indicator_code,
        is_stock_only,
        area_code,
        area_level,
        parent_code,
        period,
        numerator,
        denominator,
        value,
        is_suppressed,
        suppressed_measure,
        suppressed_role,
        suppression_kind,
        reason_code,
        pass_number
    from measured_cells_checked
    where period_grain = 'month'
),

calendar_months as (
    select
        period as month_period,
        parent_period as quarter_period,
        {{ dbt.cast('period_year', dbt.type_string()) }} as year_period
    from {{ ref('int_periods__calendar') }}
    where period_grain = 'month'
),

stock_only_months as (
    select distinct
        month_cells.indicator_code,
        calendar_months.month_period,
        calendar_months.quarter_period,
        calendar_months.year_period
    from month_cells
    inner join calendar_months
        on month_cells.period = calendar_months.month_period
    where month_cells.is_stock_only
),

stock_only_sources as (
    select
        indicator_code,
        quarter_period as period,
        'quarter' as period_grain,
        max(month_period) as source_period
    from stock_only_months
    group by
        indicator_code,
        quarter_period

    union all

    select
        indicator_code,
        year_period as period,
        'year' as period_grain,
        max(month_period) as source_period
    from stock_only_months
    group by
        indicator_code,
        year_period
),

stock_only_period_cells as (
    select
        month_cells.indicator_code,
        month_cells.area_code,
        month_cells.area_level,
        month_cells.parent_code,
        stock_only_sources.period,
        stock_only_sources.period_grain,
        month_cells.numerator,
        month_cells.denominator,
        month_cells.value,
        month_cells.is_suppressed,
        month_cells.suppressed_measure,
        month_cells.suppressed_role,
        month_cells.suppression_kind,
        month_cells.reason_code,
        month_cells.pass_number
    from stock_only_sources
    inner join month_cells
        on stock_only_sources.indicator_code = month_cells.indicator_code
        and stock_only_sources.source_period = month_cells.period
),

indicator_cells as (
    select
        indicator_code,
        area_code,
        area_level,
        parent_code,
        period,
        period_grain,
        numerator,
        denominator,
        value,
        is_suppressed,
        suppressed_measure,
        suppressed_role,
        suppression_kind,
        reason_code,
        pass_number
    from measured_cells_checked
    where period_grain = 'month'
        or not is_stock_only

    union all

    select
        indicator_code,
        area_code,
        area_level,
        parent_code,
        period,
        period_grain,
        numerator,
        denominator,
        value,
        is_suppressed,
        suppressed_measure,
        suppressed_role,
        suppression_kind,
        reason_code,
        pass_number
    from stock_only_period_cells
)

select
    indicator_code,
    area_code,
    area_level,
    parent_code,
    period,
    period_grain,
    numerator,
    denominator,
    value,
    is_suppressed,
    suppressed_measure,
    suppressed_role,
    suppression_kind,
    reason_code,
    pass_number
from indicator_cells
