{{ config(meta={'dagster': {'ref': {'name': 'fct_indicator_values'}}}) }}

{#
    The marts show exactly what disclosure control lets through: a cell computed from its measures
    is withheld if and only if its numerator or denominator measure is (int_disclosure__suppressed_
    cells; other kinds of measure are never withheld), and shows those measures' values (to the
    rounding of published numbers). A quarter
    or year of an indicator built only from stocks repeats the indicator's cell of the last month
    of the period in which it exists, withheld or not alike.
#}

with indicators as (
    select
        indicators.indicator_code,
        indicators.numerator_measure,
        indicators.denominator_measure,
        numerators.time_aggregation = 'stock'
            and coalesce(denominators.time_aggregation, 'stock') = 'stock' as is_stock_only
    from {{ ref('indicator_definitions') }} as indicators
    inner join {{ ref('measure_definitions') }} as numerators
        on indicators.numerator_measure = numerators.measure_code
    left join {{ ref('measure_definitions') }} as denominators
        on indicators.denominator_measure = denominators.measure_code
),

published as (
    select
        published.indicator_code,
        published.area_code,
        published.period,
        calendar.period_grain,
        calendar.parent_period,
        calendar.period_year,
        published.value,
        published.numerator,
        published.denominator,
        published.suppressed,
        indicators.numerator_measure,
        indicators.denominator_measure,
        indicators.is_stock_only
    from {{ ref('fct_indicator_values') }} as published
    inner join indicators
        on published.indicator_code = indicators.indicator_code
    inner join {{ ref('int_periods__calendar') }} as calendar
        on published.period = calendar.period
),

measures as (
    select
        measure_code,
        area_code,
        period,
        measure_value
    from {{ ref('int_measures__by_area') }}
),

withheld as (
    select
        measure_code,
        area_code,
        period
    from {{ ref('int_disclosure__suppressed_cells') }}
    where is_suppressed
),

measured_mismatches as (
    select
        published.indicator_code,
        published.area_code,
        published.period,
        'measured cell disagrees with its measures' as problem
    from published
    left join measures as numerators
        on published.numerator_measure = numerators.measure_code
        and published.area_code = numerators.area_code
        and published.period = numerators.period
    left join measures as denominators
        on published.denominator_measure = denominators.measure_code
        and published.area_code = denominators.area_code
        and published.period = denominators.period
    left join withheld as numerator_withheld
        on published.numerator_measure = numerator_withheld.measure_code
        and published.area_code = numerator_withheld.area_code
        and published.period = numerator_withheld.period
    left join withheld as denominator_withheld
        on published.denominator_measure = denominator_withheld.measure_code
        and published.area_code = denominator_withheld.area_code
        and published.period = denominator_withheld.period
    where (published.period_grain = 'month' or not published.is_stock_only)
        and (
            published.suppressed <> (
                numerator_withheld.measure_code is not null or denominator_withheld.measure_code is not null
            )
            or (
                not published.suppressed
                and abs(published.numerator - numerators.measure_value) > 1e-6 * (1 + abs(numerators.measure_value))
            )
            or (
                not published.suppressed
                and abs(published.denominator - denominators.measure_value)
                    > 1e-6 * (1 + abs(denominators.measure_value))
            )
        )
),

stock_months as (
    select
        indicator_code,
        area_code,
        period,
        parent_period as quarter_period,
        {{ dbt.cast('period_year', dbt.type_string()) }} as year_period,
        value,
        numerator,
        denominator,
        suppressed
    from published
    where is_stock_only
        and period_grain = 'month'
),

last_stock_months as (
    select indicator_code, quarter_period as period, max(period) as month_period
    from stock_months
    group by indicator_code, quarter_period

    union all

    select indicator_code, year_period as period, max(period) as month_period
    from stock_months
    group by indicator_code, year_period
),

copy_mismatches as (
    select
        published.indicator_code,
        published.area_code,
        published.period,
        'period cell differs from its last month' as problem
    from published
    inner join last_stock_months
        on published.indicator_code = last_stock_months.indicator_code
        and published.period = last_stock_months.period
    left join stock_months
        on published.indicator_code = stock_months.indicator_code
        and published.area_code = stock_months.area_code
        and last_stock_months.month_period = stock_months.period
    where published.is_stock_only
        and published.period_grain <> 'month'
        and (
            stock_months.indicator_code is null
            or published.suppressed <> stock_months.suppressed
            or coalesce(published.numerator, -1) <> coalesce(stock_months.numerator, -1)
            or coalesce(published.denominator, -1) <> coalesce(stock_months.denominator, -1)
        )
)

select indicator_code, area_code, period, problem from measured_mismatches
union all
select indicator_code, area_code, period, problem from copy_mismatches
