{{ config(meta={'dagster': {'ref': {'name': 'fct_indicator_values'}}}) }}

{#
    Independent check of the published marts against the disclosure rule: no unsuppressed cell may
    rest on a count of 1 to sdc_min_cell - 1 people, in its numerator or, where the denominator
    counts people, in its denominator.
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

indicator_definitions as (
    select
        indicator_code,
        suppress_small_denominator
    from {{ ref('indicator_definitions') }}
)

select
    published_cells.indicator_code,
    published_cells.area_code,
    published_cells.period,
    published_cells.numerator,
    published_cells.denominator
from published_cells
inner join indicator_definitions
    on published_cells.indicator_code = indicator_definitions.indicator_code
where (published_cells.numerator > 0 and published_cells.numerator < {{ var('sdc_min_cell') }})
    or (
        indicator_definitions.suppress_small_denominator
        and published_cells.denominator < {{ var('sdc_min_cell') }}
    )
