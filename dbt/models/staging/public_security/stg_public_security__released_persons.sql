with current_rows as (
    select *
    from {{ source('public_security', 'ps_released_person') }}
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
        community_code,
        release_date,
        resettled as is_resettled,
        support_assigned as is_support_assigned,
        last_visit_date
    from current_rows
)

select * from renamed
