{#
    Each community's own civil-affairs profile (ca_community) of each month it was delivered, once per
    community and month, with the facility, funding and informatisation flags the indicators count.
#}

with profiles as (
    select
        period,
        community_code,
        community_name,
        community_type,
        households_reported,
        office_area_m2,
        office_tenure,
        has_service_hall,
        outdoor_area_m2,
        has_day_care,
        annual_funding_10k_yuan,
        collective_income_10k_yuan,
        party_org_level,
        is_one_shoulder,
        volunteers_registered,
        has_info_platform,
        data_shared_with,
        row_number() over (partition by period, community_code order by line_number) as row_in_month
    from {{ ref('stg_civil_affairs__communities') }}
)

select
    period,
    community_code,
    community_name,
    community_type,
    households_reported,
    office_area_m2,
    office_tenure,
    coalesce(office_tenure, '无') <> '无' and coalesce(office_area_m2, 0) > 0 as has_office,
    office_tenure in ('租赁', '借用') as is_rented_or_borrowed,
    coalesce(office_area_m2, 0) >= 300 as has_office_300_plus,
    has_service_hall,
    outdoor_area_m2,
    coalesce(outdoor_area_m2, 0) >= 1000 as has_outdoor_1000_plus,
    has_day_care,
    annual_funding_10k_yuan,
    collective_income_10k_yuan,
    collective_income_10k_yuan = 0 as has_zero_collective_income,
    party_org_level,
    is_one_shoulder,
    volunteers_registered,
    has_info_platform,
    {{ dbt.position("'公安'", "coalesce(data_shared_with, '')") }} > 0
        and {{ dbt.position("'民政'", "coalesce(data_shared_with, '')") }} > 0
        and {{ dbt.position("'人社'", "coalesce(data_shared_with, '')") }} > 0 as shares_with_all_three
from profiles
where row_in_month = 1
