{{ config(meta={'dagster': {'ref': {'name': 'fct_indicator_values'}}}) }}

{#
    Independent check of the published marts against the primary rule: no shown cell may rest on a
    protected count (var sdc_protected_kinds) of 1 to sdc_min_cell - 1, in its numerator or its
    denominator, nor be a protected share whose remainder (denominator - numerator) is that small.
#}

with published_cells as (
    select
        indicator_code,
        area_code,
        period,
        numerator,
        denominator
    from {{ ref('fct_indicator_values') }}
    where not suppressed
),

indicator_kinds as (
    select
        indicators.indicator_code,
        indicators.is_share,
        numerators.count_kind in {{ sdc_protected_kinds() }} as numerator_protected,
        coalesce(denominators.count_kind in {{ sdc_protected_kinds() }}, false) as denominator_protected
    from {{ ref('indicator_definitions') }} as indicators
    inner join {{ ref('measure_definitions') }} as numerators
        on indicators.numerator_measure = numerators.measure_code
    left join {{ ref('measure_definitions') }} as denominators
        on indicators.denominator_measure = denominators.measure_code
)

select
    published_cells.indicator_code,
    published_cells.area_code,
    published_cells.period,
    published_cells.numerator,
    published_cells.denominator
from published_cells
inner join indicator_kinds
    on published_cells.indicator_code = indicator_kinds.indicator_code
where (indicator_kinds.numerator_protected and {{ sdc_is_small('published_cells.numerator') }})
    or (indicator_kinds.denominator_protected and {{ sdc_is_small('published_cells.denominator') }})
    or (
        indicator_kinds.is_share
        and indicator_kinds.numerator_protected
        and indicator_kinds.denominator_protected
        and {{ sdc_is_small('published_cells.denominator - published_cells.numerator') }}
    )
