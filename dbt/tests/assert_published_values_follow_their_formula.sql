{{ config(meta={'dagster': {'ref': {'name': 'fct_indicator_values'}}}) }}

{#
    Every shown value is scale x numerator / denominator (scale x numerator for a count), as the
    seed indicator_definitions says, and every share lies between 0 and 100 %. The value is computed
    before rounding, the published numerator and denominator are rounded to var published_decimals, so
    the check allows the error that rounding carries into the quotient: half a unit in the last place
    of each, times d(n/d)/dn = 1/d and d(n/d)/dd = n/d^2. That matters where a denominator is a small
    fraction (a police officer shared by six communities counts 0.166667 in each).
#}

{% set half_unit = '%.12f' | format(0.5 * 10 ** (-var('published_decimals'))) %}

with published_cells as (
    select
        indicator_code,
        area_code,
        period,
        value,
        numerator,
        denominator
    from {{ ref('fct_indicator_values') }}
    where not suppressed
        and value is not null
),

indicators as (
    select
        indicator_code,
        denominator_measure,
        scale,
        is_share
    from {{ ref('indicator_definitions') }}
),

recomputed as (
    select
        published_cells.indicator_code,
        published_cells.area_code,
        published_cells.period,
        published_cells.value,
        case
            when indicators.denominator_measure is null then indicators.scale * published_cells.numerator
            else indicators.scale * published_cells.numerator / published_cells.denominator
        end as expected_value,
        case
            when indicators.denominator_measure is null then abs(indicators.scale) * {{ half_unit }}
            else abs(indicators.scale) * {{ half_unit }}
                * (1 / abs(published_cells.denominator)
                   + abs(published_cells.numerator) / (published_cells.denominator * published_cells.denominator))
        end as rounding_error,
        indicators.is_share
    from published_cells
    inner join indicators
        on published_cells.indicator_code = indicators.indicator_code
)

select
    indicator_code,
    area_code,
    period,
    value,
    expected_value
from recomputed
where abs(value - expected_value) > rounding_error + 1e-6 * (1 + abs(expected_value))
    or (is_share and (value < 0 or value > 100))
