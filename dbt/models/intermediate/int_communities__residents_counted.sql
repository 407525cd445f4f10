{#
    Resident counts of every community for each public-security snapshot. The communities and their
    street, district and city are those of the division master of the snapshot month, or of the
    latest earlier month when that month's master is missing. A community without residents in the
    snapshot counts with zeros, so it still counts as a community above it.
#}

with snapshot_periods as (
    select
        period as snapshot_period,
        {{ dbt.bool_or('has_insurance_snapshot') }} as has_insurance_snapshot
    from {{ ref('int_residents__linked_insurance') }}
    group by period
),

division_periods as (
    select distinct
        period as division_period
    from {{ ref('int_communities__profile') }}
),

snapshot_division_periods as (
    select
        snapshot_periods.snapshot_period,
        snapshot_periods.has_insurance_snapshot,
        max(division_periods.division_period) as division_period
    from snapshot_periods
    inner join division_periods
        on division_periods.division_period <= snapshot_periods.snapshot_period
    group by
        snapshot_periods.snapshot_period,
        snapshot_periods.has_insurance_snapshot
),

snapshot_communities as (
    select
        snapshot_division_periods.snapshot_period,
        snapshot_division_periods.division_period,
        snapshot_division_periods.has_insurance_snapshot,
        communities.community_code,
        communities.street_code,
        communities.district_code,
        communities.city_code
    from snapshot_division_periods
    inner join {{ ref('int_communities__profile') }} as communities
        on snapshot_division_periods.division_period = communities.period
),

resident_counts as (
    select
        period as snapshot_period,
        community_code,
        count(distinct household_no) as households,
        count(distinct person_pid) as residents,
        count(distinct case when is_floating then person_pid end) as floating_residents,
        count(distinct case when is_adult then person_pid end) as adult_residents,
        count(distinct case when is_adult and has_pension_enrolment then person_pid end)
            as adults_with_pension
    from {{ ref('int_residents__linked_insurance') }}
    group by
        period,
        community_code
),

communities_counted as (
    select
        snapshot_communities.snapshot_period,
        snapshot_communities.division_period,
        snapshot_communities.has_insurance_snapshot,
        snapshot_communities.community_code,
        snapshot_communities.street_code,
        snapshot_communities.district_code,
        snapshot_communities.city_code,
        coalesce(resident_counts.households, 0) as households,
        coalesce(resident_counts.residents, 0) as residents,
        coalesce(resident_counts.floating_residents, 0) as floating_residents,
        coalesce(resident_counts.adult_residents, 0) as adult_residents,
        coalesce(resident_counts.adults_with_pension, 0) as adults_with_pension
    from snapshot_communities
    left join resident_counts
        on snapshot_communities.snapshot_period = resident_counts.snapshot_period
        and snapshot_communities.community_code = resident_counts.community_code
)

select
    snapshot_period,
    division_period,
    has_insurance_snapshot,
    community_code,
    street_code,
    district_code,
    city_code,
    households,
    residents,
    floating_residents,
    adult_residents,
    adults_with_pension
from communities_counted
