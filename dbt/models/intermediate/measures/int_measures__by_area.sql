{{ config(materialized='table') }}

{#
    Every measure of every area at community, street, district and city grain for every period: the
    sum of its communities' values, in the area hierarchy of that period (int_areas__by_period). Each
    area carries its parent in that hierarchy, for the comparisons among siblings and for secondary
    disclosure control. A community missing from its period's hierarchy adds to no area (test
    assert_measured_communities_are_in_the_hierarchy warns of it).
#}

{%- set area_levels = ['community', 'street', 'district', 'city'] %}

with community_cells as (
    select
        measure_code,
        community_code,
        period,
        period_grain,
        source_period,
        measure_value
    from {{ ref('int_measures__community_periods') }}
),

areas as (
    select
        period,
        area_code,
        area_level,
        parent_code,
        street_code,
        district_code,
        city_code
    from {{ ref('int_areas__by_period') }}
),

community_ancestors as (
    select
        community_cells.measure_code,
        community_cells.period,
        community_cells.period_grain,
        community_cells.source_period,
        community_cells.measure_value,
        areas.area_code as community_code,
        areas.street_code,
        areas.district_code,
        areas.city_code
    from community_cells
    inner join areas
        on community_cells.period = areas.period
        and community_cells.community_code = areas.area_code
        and areas.area_level = 'community'
),

area_members as (
    {%- for area_level in area_levels %}
    select
        measure_code,
        period,
        period_grain,
        source_period,
        {{ area_level }}_code as area_code,
        measure_value
    from community_ancestors
    where {{ area_level }}_code is not null
    {%- if not loop.last %}

    union all
    {% endif %}
    {%- endfor %}
),

area_totals as (
    select
        measure_code,
        period,
        period_grain,
        source_period,
        area_code,
        sum(measure_value) as measure_value
    from area_members
    group by
        measure_code,
        period,
        period_grain,
        source_period,
        area_code
)

select
    area_totals.measure_code,
    area_totals.area_code,
    areas.area_level,
    areas.parent_code,
    area_totals.period,
    area_totals.period_grain,
    area_totals.source_period,
    area_totals.measure_value
from area_totals
inner join areas
    on area_totals.period = areas.period
    and area_totals.area_code = areas.area_code
