{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'int_communities__residents_counted'}}}) }}

{#
    Residents whose community is not in the division master used for their snapshot are left out of
    every indicator. Ingestion rejects unknown codes, so any row here means the division master of
    the snapshot month is missing and an earlier one stood in for it.
#}

with resident_communities as (
    select
        period as snapshot_period,
        community_code,
        count(*) as residents
    from {{ ref('int_residents__linked_insurance') }}
    group by
        period,
        community_code
),

counted_communities as (
    select
        snapshot_period,
        community_code
    from {{ ref('int_communities__residents_counted') }}
)

select
    resident_communities.snapshot_period,
    resident_communities.community_code,
    resident_communities.residents
from resident_communities
left join counted_communities
    on resident_communities.snapshot_period = counted_communities.snapshot_period
    and resident_communities.community_code = counted_communities.community_code
where counted_communities.community_code is null
