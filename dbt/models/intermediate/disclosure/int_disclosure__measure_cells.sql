{{ config(materialized='table') }}

{#
    Every cell of a protected measure (count_kind in var sdc_protected_kinds: persons, households,
    events) with its primary disclosure decision:
      small_count       the count is 1 to sdc_min_cell - 1
      small_complement  the measure is the numerator of a share whose denominator is protected too,
                        and denominator - numerator is 1 to sdc_min_cell - 1 (publishing both would
                        give away the small remainder, e.g. 5 residents without a pension)
    Measures of other kinds (communities, organisations, amounts) are never suppressed.
#}

with measure_definitions as (
    select
        measure_code,
        count_kind
    from {{ ref('measure_definitions') }}
    where count_kind in {{ sdc_protected_kinds() }}
),

measures as (
    select
        by_area.measure_code,
        by_area.area_code,
        by_area.area_level,
        by_area.parent_code,
        by_area.period,
        by_area.period_grain,
        by_area.source_period,
        by_area.measure_value
    from {{ ref('int_measures__by_area') }} as by_area
    inner join measure_definitions
        on by_area.measure_code = measure_definitions.measure_code
),

protected_shares as (
    select distinct
        indicators.numerator_measure,
        indicators.denominator_measure
    from {{ ref('indicator_definitions') }} as indicators
    inner join measure_definitions as numerators
        on indicators.numerator_measure = numerators.measure_code
    inner join measure_definitions as denominators
        on indicators.denominator_measure = denominators.measure_code
    where indicators.is_share
),

small_complements as (
    select distinct
        numerators.measure_code,
        numerators.area_code,
        numerators.period
    from protected_shares
    inner join measures as numerators
        on protected_shares.numerator_measure = numerators.measure_code
    inner join measures as denominators
        on protected_shares.denominator_measure = denominators.measure_code
        and numerators.area_code = denominators.area_code
        and numerators.period = denominators.period
    where {{ sdc_is_small('denominators.measure_value - numerators.measure_value') }}
)

select
    {{ sdc_cell_id('measures.measure_code', 'measures.area_code', 'measures.period') }} as cell_id,
    measures.measure_code,
    measures.area_code,
    measures.area_level,
    measures.parent_code,
    measures.period,
    measures.period_grain,
    measures.source_period,
    measures.measure_value,
    case
        when {{ sdc_is_small('measures.measure_value') }} then 'small_count'
        when small_complements.measure_code is not null then 'small_complement'
    end as primary_reason
from measures
left join small_complements
    on measures.measure_code = small_complements.measure_code
    and measures.area_code = small_complements.area_code
    and measures.period = small_complements.period
