with current_rows as (
    select *
    from {{ source('social_security', 'ss_insurance') }}
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
        insurance_type,
        status as enrolment_status,
        enrolled_date,
        employer_uscc
    from current_rows
)

select * from renamed
