{{ config(meta={'dagster': {'ref': {'name': 'int_disclosure__suppressed_cells'}}}) }}

{#
    Secondary disclosure control, checked against the rule rather than the groups the suppression
    model built for itself. Wherever a total equals the sum of its parts - an area and the areas
    directly under it (hierarchy of the period), a quarter and its months or a year and its quarters
    (events, by the calendar), a quarter or year and the month it is taken from (counts at period
    end), a count and its breakdown (seed parent_measure) - exactly one withheld member could be
    recomputed from the others. Any such group of protected measure cells fails the build.
    assert_published_cells_follow_their_measures checks that the marts show exactly what is not
    withheld here.
#}

with measure_cells as (
    select
        measure_code,
        area_code,
        period,
        is_suppressed
    from {{ ref('int_disclosure__suppressed_cells') }}
),

measures as (
    select
        measure_code,
        time_aggregation,
        parent_measure
    from {{ ref('measure_definitions') }}
),

hierarchy as (
    select
        period,
        area_code,
        parent_code
    from {{ ref('int_areas__by_period') }}
),

calendar as (
    select
        period,
        parent_period
    from {{ ref('int_periods__calendar') }}
),

stock_sources as (
    select distinct
        measure_code,
        period,
        source_period
    from {{ ref('int_measures__by_area') }}
    where period_grain <> 'month'
        and source_period is not null
),

links as (
    select
        'area' as group_kind,
        parents.measure_code,
        parents.area_code,
        parents.period,
        parents.is_suppressed as parent_suppressed,
        children.is_suppressed as child_suppressed
    from measure_cells as children
    inner join hierarchy
        on children.period = hierarchy.period
        and children.area_code = hierarchy.area_code
    inner join measure_cells as parents
        on children.measure_code = parents.measure_code
        and children.period = parents.period
        and hierarchy.parent_code = parents.area_code

    union all

    select
        'time' as group_kind,
        parents.measure_code,
        parents.area_code,
        parents.period,
        parents.is_suppressed as parent_suppressed,
        children.is_suppressed as child_suppressed
    from measure_cells as children
    inner join measures
        on children.measure_code = measures.measure_code
        and measures.time_aggregation = 'flow'
    inner join calendar
        on children.period = calendar.period
    inner join measure_cells as parents
        on children.measure_code = parents.measure_code
        and children.area_code = parents.area_code
        and calendar.parent_period = parents.period

    union all

    select
        'time' as group_kind,
        parents.measure_code,
        parents.area_code,
        parents.period,
        parents.is_suppressed as parent_suppressed,
        children.is_suppressed as child_suppressed
    from measure_cells as parents
    inner join stock_sources
        on parents.measure_code = stock_sources.measure_code
        and parents.period = stock_sources.period
    inner join measure_cells as children
        on parents.measure_code = children.measure_code
        and parents.area_code = children.area_code
        and stock_sources.source_period = children.period

    union all

    select
        'breakdown' as group_kind,
        parents.measure_code,
        parents.area_code,
        parents.period,
        parents.is_suppressed as parent_suppressed,
        children.is_suppressed as child_suppressed
    from measure_cells as children
    inner join measures
        on children.measure_code = measures.measure_code
    inner join measure_cells as parents
        on measures.parent_measure = parents.measure_code
        and children.area_code = parents.area_code
        and children.period = parents.period
),

groups as (
    select
        group_kind,
        measure_code,
        area_code,
        period,
        max({{ count_if('parent_suppressed') }}) + sum({{ count_if('child_suppressed') }}) as withheld_members,
        count(*) + 1 as members
    from links
    group by
        group_kind,
        measure_code,
        area_code,
        period
)

select
    group_kind,
    measure_code,
    area_code,
    period,
    withheld_members,
    members
from groups
where withheld_members = 1
