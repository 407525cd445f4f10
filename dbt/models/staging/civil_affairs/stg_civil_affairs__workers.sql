with current_rows as (
    select *
    from {{ source('civil_affairs', 'ca_worker') }}
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
        gender,
        community_code,
        position as positions,
        hire_type,
        education,
        sw_cert as social_work_certificate,
        hire_date,
        {{ dbt.cast('monthly_pay_yuan', type_double()) }} as monthly_pay_yuan,
        emergency_trained as is_emergency_trained
    from current_rows
)

select * from renamed
