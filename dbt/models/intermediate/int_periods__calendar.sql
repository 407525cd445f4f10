{#
    Every period the warehouse can publish: each month of a current file in the load ledger, and the
    quarters and years those months fall in. For each period: its grain, its last month and last day,
    the period before it, the same period a year earlier, and the period it rolls up into.
#}

with ledger_months as (
    select distinct
        period
    from {{ source('audit', 'load_ledger') }}
    where status in (
        {%- for status in var('current_file_statuses') -%}
            '{{ status }}'{{ ', ' if not loop.last }}
        {%- endfor -%}
    )
        and period is not null
),

months as (
    select
        period,
        {{ period_year('period') }} as period_year,
        {{ quarter_number('period') }} as period_quarter,
        {{ month_index('period') }} as month_index
    from ledger_months
),

quarters as (
    select distinct
        period_year,
        period_quarter
    from months
),

years as (
    select distinct
        period_year
    from months
),

periods as (
    select
        period,
        'month' as period_grain,
        period_year,
        period as end_month,
        {{ month_from_index('month_index - 1') }} as previous_period,
        {{ month_from_index('month_index - 12') }} as same_period_last_year,
        {{ quarter_key('period_year', 'period_quarter') }} as parent_period
    from months

    union all

    select
        {{ quarter_key('period_year', 'period_quarter') }} as period,
        'quarter' as period_grain,
        period_year,
        {{ month_from_index('period_year * 12 + period_quarter * 3 - 1') }} as end_month,
        case
            when period_quarter = 1 then {{ quarter_key('period_year - 1', '4') }}
            else {{ quarter_key('period_year', 'period_quarter - 1') }}
        end as previous_period,
        {{ quarter_key('period_year - 1', 'period_quarter') }} as same_period_last_year,
        {{ dbt.cast('period_year', dbt.type_string()) }} as parent_period
    from quarters

    union all

    select
        {{ dbt.cast('period_year', dbt.type_string()) }} as period,
        'year' as period_grain,
        period_year,
        {{ dbt.concat([dbt.cast('period_year', dbt.type_string()), "'-12'"]) }} as end_month,
        {{ dbt.cast('period_year - 1', dbt.type_string()) }} as previous_period,
        {{ dbt.cast('period_year - 1', dbt.type_string()) }} as same_period_last_year,
        {{ dbt.cast('null', dbt.type_string()) }} as parent_period
    from years
)

select
    period,
    period_grain,
    period_year,
    end_month,
    {{ month_end_date('end_month') }} as end_date,
    previous_period,
    same_period_last_year,
    parent_period
from periods
