{#
    Each community of each division-master period with the street, district and city it belongs to
    in that period, and the community's own profile (ca_community) of the same month where delivered.
    The division master is the list of communities: one missing from ca_community still counts.
#}

with communities as (
    select
        period,
        area_code as community_code,
        area_name as community_name,
        street_code,
        district_code,
        city_code,
        urban_rural_code
    from {{ ref('int_areas__resolved') }}
    where area_level = 'community'
),

community_profiles as (
    select
        period,
        community_code,
        community_type,
        households_reported
    from {{ ref('stg_civil_affairs__communities') }}
),

communities_profiled as (
    select
        communities.period,
        communities.community_code,
        communities.community_name,
        communities.street_code,
        communities.district_code,
        communities.city_code,
        communities.urban_rural_code,
        community_profiles.community_type,
        community_profiles.households_reported
    from communities
    left join community_profiles
        on communities.period = community_profiles.period
        and communities.community_code = community_profiles.community_code
)

select
    period,
    community_code,
    community_name,
    street_code,
    district_code,
    city_code,
    urban_rural_code,
    community_type,
    households_reported
from communities_profiled
