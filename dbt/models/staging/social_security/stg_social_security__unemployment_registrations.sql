with current_rows as (
    select *
    from {{ source('social_security', 'ss_unemployment') }}
    where {{ is_current_file('file_id') }}
),

renamed as (
    select
        file_id,
        period,
        line_number,
        registration_no,
        person_pid,
        person_birth_year,
        person_birth_month,
        person_sex,
        person_area_code,
        community_code,
        registered_date,
        reemployed_date,
        channel as reemployment_channel
    from current_rows
)

select * from renamed
