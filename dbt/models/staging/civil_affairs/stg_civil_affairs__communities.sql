with current_rows as (
    select *
    from {{ source('civil_affairs', 'ca_community') }}
    where {{ is_current_file('file_id') }}
),

renamed as (
    select
        file_id,
        period,
        line_number,
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
        one_shoulder as is_one_shoulder,
        volunteers_registered,
        has_info_platform,
        data_shared_with
    from current_rows
)

select * from renamed
