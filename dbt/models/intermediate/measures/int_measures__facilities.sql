{#
    Facility, funding, self-governance and informatisation measures from the communities' own
    profiles (ca_community), per month it was delivered (long form). Every community of the month's
    hierarchy counts; one without a profile that month adds nothing but is not a profiled community.
#}

with communities as (
    select
        period,
        area_code as community_code
    from {{ ref('int_areas__by_period') }}
    where period_grain = 'month'
        and area_level = 'community'
),

profile_months as (
    select distinct
        period
    from {{ ref('int_communities__profile') }}
),

profiles as (
    select
        period,
        community_code,
        has_office,
        is_rented_or_borrowed,
        has_service_hall,
        has_office_300_plus,
        has_outdoor_1000_plus,
        has_day_care,
        has_zero_collective_income,
        is_one_shoulder,
        has_info_platform,
        shares_with_all_three,
        office_area_m2,
        annual_funding_10k_yuan,
        volunteers_registered
    from {{ ref('int_communities__profile') }}
),

facilities_wide as (
    select
        communities.period,
        communities.community_code,
        {{ count_if('profiles.community_code is not null') }} as communities_profiled,
        {{ count_if('profiles.has_office') }} as communities_with_office,
        {{ count_if('profiles.has_office and profiles.is_rented_or_borrowed') }} as communities_rented_or_borrowed,
        {{ count_if('profiles.has_service_hall') }} as communities_with_service_hall,
        {{ count_if('profiles.has_office_300_plus') }} as communities_office_300_plus,
        {{ count_if('profiles.has_outdoor_1000_plus') }} as communities_outdoor_1000_plus,
        {{ count_if('profiles.has_day_care') }} as communities_with_day_care,
        {{ count_if('profiles.has_zero_collective_income') }} as communities_zero_collective_income,
        {{ count_if('profiles.is_one_shoulder') }} as communities_one_shoulder,
        {{ count_if('profiles.has_info_platform') }} as communities_with_platform,
        {{ count_if('profiles.shares_with_all_three') }} as communities_sharing_all_three,
        case when profiles.has_office then profiles.office_area_m2 else 0 end as office_area_m2_sum,
        coalesce(profiles.annual_funding_10k_yuan, 0) as funding_10k_yuan_sum,
        coalesce(profiles.volunteers_registered, 0) as volunteers_registered
    from communities
    inner join profile_months
        on communities.period = profile_months.period
    left join profiles
        on communities.period = profiles.period
        and communities.community_code = profiles.community_code
),

measures as (
    {{ unpivot_measures('facilities_wide', ['period', 'community_code'], [
        'communities_profiled', 'communities_with_office', 'communities_rented_or_borrowed',
        'communities_with_service_hall', 'communities_office_300_plus', 'communities_outdoor_1000_plus',
        'communities_with_day_care', 'communities_zero_collective_income', 'communities_one_shoulder',
        'communities_with_platform', 'communities_sharing_all_three', 'office_area_m2_sum',
        'funding_10k_yuan_sum', 'volunteers_registered'
    ]) }}
)

select
    period,
    community_code,
    measure_code,
    measure_value
from measures
