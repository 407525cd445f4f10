with current_rows as (
    select *
    from {{ source('civil_affairs', 'ca_social_org') }}
    where {{ is_current_file('file_id') }}
),

renamed as (
    select
        file_id,
        period,
        line_number,
        uscc,
        filing_no,
        org_name as organisation_name,
        community_code,
        registration_kind,
        field as service_field,
        established_date,
        status as organisation_status,
        active_last_year as is_active_last_year
    from current_rows
)

select * from renamed
