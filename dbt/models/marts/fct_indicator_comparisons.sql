{#
    Each published indicator cell compared the ways the reports compare it (seed-reports §7.2), using
    published values only, so no comparison reveals a withheld cell:
      previous period       the month, quarter or year before (环比)
      same period last year  the same month, quarter or year a year earlier (同比)
        change     value - reference, in the indicator's unit
        change_pct (value - reference) / |reference| x 100
        change_pp  value - reference for rates in %, i.e. percentage points
      standard and target   the ones in force for the area's region on the period's last day
                            (int_standards__applicable): met or not, and how far outside it the value
                            lies (0 when met); attainment of a '>=' target in %
      siblings              rank among the areas with the same parent (the districts of the city, the
                            streets of a district...) by published value, 1 being the best in the
                            indicator's direction (the highest for neutral indicators)
#}

with published as (
    select
        indicator_code,
        area_code,
        area_level,
        period,
        value,
        unit,
        suppressed
    from {{ ref('fct_indicator_values') }}
),

cell_context as (
    select
        indicator_code,
        area_code,
        period,
        period_grain,
        parent_code
    from {{ ref('int_indicator_values__computed') }}
),

calendar as (
    select
        period,
        previous_period,
        same_period_last_year
    from {{ ref('int_periods__calendar') }}
),

indicators as (
    select
        indicator_code,
        direction
    from {{ ref('indicator_definitions') }}
),

applicable_standards as (
    select
        indicator_code,
        area_code,
        period,
        standard_id,
        standard_comparator,
        standard_low_value,
        standard_high_value,
        target_id,
        target_comparator,
        target_low_value,
        target_high_value,
        target_year
    from {{ ref('int_standards__applicable') }}
),

cells as (
    select
        published.indicator_code,
        published.area_code,
        published.area_level,
        cell_context.parent_code,
        published.period,
        cell_context.period_grain,
        published.value,
        published.unit,
        published.suppressed,
        indicators.direction,
        calendar.previous_period,
        calendar.same_period_last_year
    from published
    inner join cell_context
        on published.indicator_code = cell_context.indicator_code
        and published.area_code = cell_context.area_code
        and published.period = cell_context.period
    inner join calendar
        on published.period = calendar.period
    inner join indicators
        on published.indicator_code = indicators.indicator_code
),

ranked as (
    select
        indicator_code,
        area_code,
        period,
        rank() over (
            partition by indicator_code, period, area_level, parent_code
            order by case when direction = 'lower_is_better' then value else -value end
        ) as sibling_rank,
        count(*) over (partition by indicator_code, period, area_level, parent_code) as siblings_ranked
    from cells
    where value is not null
),

compared as (
    select
        cells.indicator_code,
        cells.area_code,
        cells.area_level,
        cells.parent_code,
        cells.period,
        cells.period_grain,
        cells.value,
        cells.unit,
        cells.suppressed,
        cells.previous_period,
        previous_cells.value as previous_value,
        cells.value - previous_cells.value as change_vs_previous,
        100 * {{ safe_divide('cells.value - previous_cells.value', 'abs(previous_cells.value)') }}
            as change_pct_vs_previous,
        case when cells.unit = '%' then cells.value - previous_cells.value end as change_pp_vs_previous,
        cells.same_period_last_year,
        last_year_cells.value as last_year_value,
        cells.value - last_year_cells.value as change_vs_last_year,
        100 * {{ safe_divide('cells.value - last_year_cells.value', 'abs(last_year_cells.value)') }}
            as change_pct_vs_last_year,
        case when cells.unit = '%' then cells.value - last_year_cells.value end as change_pp_vs_last_year,
        applicable_standards.standard_id,
        applicable_standards.standard_comparator,
        applicable_standards.standard_low_value,
        applicable_standards.standard_high_value,
        {{ meets_standard('cells.value', 'applicable_standards.standard_comparator',
            'applicable_standards.standard_low_value', 'applicable_standards.standard_high_value') }}
            as meets_standard,
        {{ standard_gap('cells.value', 'applicable_standards.standard_comparator',
            'applicable_standards.standard_low_value', 'applicable_standards.standard_high_value') }}
            as standard_gap,
        applicable_standards.target_id,
        applicable_standards.target_comparator,
        {{ standard_reference_value('applicable_standards.target_comparator', 'applicable_standards.target_low_value',
            'applicable_standards.target_high_value', 'cells.direction') }} as target_value,
        applicable_standards.target_year,
        {{ meets_standard('cells.value', 'applicable_standards.target_comparator',
            'applicable_standards.target_low_value', 'applicable_standards.target_high_value') }}
            as meets_target,
        {{ standard_gap('cells.value', 'applicable_standards.target_comparator',
            'applicable_standards.target_low_value', 'applicable_standards.target_high_value') }}
            as target_gap,
        case
            when applicable_standards.target_comparator = '>='
                then 100 * {{ safe_divide('cells.value', 'applicable_standards.target_low_value') }}
        end as target_attainment_pct,
        ranked.sibling_rank,
        ranked.siblings_ranked
    from cells
    left join published as previous_cells
        on cells.indicator_code = previous_cells.indicator_code
        and cells.area_code = previous_cells.area_code
        and cells.previous_period = previous_cells.period
    left join published as last_year_cells
        on cells.indicator_code = last_year_cells.indicator_code
        and cells.area_code = last_year_cells.area_code
        and cells.same_period_last_year = last_year_cells.period
    left join applicable_standards
        on cells.indicator_code = applicable_standards.indicator_code
        and cells.area_code = applicable_standards.area_code
        and cells.period = applicable_standards.period
    left join ranked
        on cells.indicator_code = ranked.indicator_code
        and cells.area_code = ranked.area_code
        and cells.period = ranked.period
)

select
    {{ dbt.cast('indicator_code', dbt.type_string()) }} as indicator_code,
    {{ dbt.cast('area_code', dbt.type_string()) }} as area_code,
    {{ dbt.cast('area_level', dbt.type_string()) }} as area_level,
    {{ dbt.cast('parent_code', dbt.type_string()) }} as parent_code,
    {{ dbt.cast('period', dbt.type_string()) }} as period,
    {{ dbt.cast('period_grain', dbt.type_string()) }} as period_grain,
    {{ dbt.cast('value', type_double()) }} as value,
    {{ dbt.cast('unit', dbt.type_string()) }} as unit,
    {{ dbt.cast('suppressed', dbt.type_boolean()) }} as suppressed,
    {{ dbt.cast('previous_period', dbt.type_string()) }} as previous_period,
    {{ dbt.cast('previous_value', type_double()) }} as previous_value,
    {{ dbt.cast('change_vs_previous', type_double()) }} as change_vs_previous,
    {{ dbt.cast('change_pct_vs_previous', type_double()) }} as change_pct_vs_previous,
    {{ dbt.cast('change_pp_vs_previous', type_double()) }} as change_pp_vs_previous,
    {{ dbt.cast('same_period_last_year', dbt.type_string()) }} as same_period_last_year,
    {{ dbt.cast('last_year_value', type_double()) }} as last_year_value,
    {{ dbt.cast('change_vs_last_year', type_double()) }} as change_vs_last_year,
    {{ dbt.cast('change_pct_vs_last_year', type_double()) }} as change_pct_vs_last_year,
    {{ dbt.cast('change_pp_vs_last_year', type_double()) }} as change_pp_vs_last_year,
    {{ dbt.cast('standard_id', dbt.type_string()) }} as standard_id,
    {{ dbt.cast('standard_comparator', dbt.type_string()) }} as standard_comparator,
    {{ dbt.cast('standard_low_value', type_double()) }} as standard_low_value,
    {{ dbt.cast('standard_high_value', type_double()) }} as standard_high_value,
    {{ dbt.cast('meets_standard', dbt.type_boolean()) }} as meets_standard,
    {{ dbt.cast('standard_gap', type_double()) }} as standard_gap,
    {{ dbt.cast('target_id', dbt.type_string()) }} as target_id,
    {{ dbt.cast('target_comparator', dbt.type_string()) }} as target_comparator,
    {{ dbt.cast('target_value', type_double()) }} as target_value,
    {{ dbt.cast('target_year', dbt.type_int()) }} as target_year,
    {{ dbt.cast('meets_target', dbt.type_boolean()) }} as meets_target,
    {{ dbt.cast('target_gap', type_double()) }} as target_gap,
    {{ dbt.cast('target_attainment_pct', type_double()) }} as target_attainment_pct,
    {{ dbt.cast('sibling_rank', dbt.type_int()) }} as sibling_rank,
    {{ dbt.cast('siblings_ranked', dbt.type_int()) }} as siblings_ranked
from compared
