{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'int_measures__community_periods'}}}) }}

{#
    Records of communities that are not in the division master used for their period add to no
    area. Ingestion rejects unknown codes, so a row here means a period's master is missing and an
    earlier one stood in for it, or a community was retired within a quarter or year.
#}

with community_cells as (
    select distinct
        community_code,
        period
    from {{ ref('int_measures__community_periods') }}
),

hierarchy as (
    select
        period,
        area_code
    from {{ ref('int_areas__by_period') }}
    where area_level = 'community'
)

select
    community_cells.community_code,
    community_cells.period
from community_cells
left join hierarchy
    on community_cells.period = hierarchy.period
    and community_cells.community_code = hierarchy.area_code
where hierarchy.area_code is null
