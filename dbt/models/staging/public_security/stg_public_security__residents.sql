with current_rows as (
    select *
    from {{ source('public_security', 'ps_resident') }}
    where {{ is_current_file('file_id') }}
),

renamed as (
    select
        file_id,
        period,
        line_number,
        person_pid,
        person_birth_year,
        person_birth_month,
        person_sex,
        person_area_code,
        household_no,
        community_code,
        residence_kind,
        registered_date
    from current_rows
)

select * from renamed
