{{ config(meta={'dagster': {'ref': {'name': 'fct_indicator_values'}}}) }}

{#
    Every shown value is scale x numerator / denominator (scale x numerator for a count), as the
    seed indicator_definitions says (to the rounding of published numbers), and every share lies
    between 0 and 100 %.
#}

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
where abs(value - expected_value) > 1e-6 * (1 + abs(expected_value))
    or (is_share and (value < 0 or value > 100))
