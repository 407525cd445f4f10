with current_rows as (
    select *
    from {{ source('civil_affairs', 'ca_assistance') }}
    where {{ is_current_file('file_id') }}
),

renamed as (
    select
        file_id,
        period,
        line_number,
        case_id,
        head_pid,
        head_birth_year,
        head_birth_month,
        head_sex,
        head_area_code,
        community_code,
        assistance_type,
        household_size,
        {{ dbt.cast('monthly_amount_yuan', type_double()) }} as monthly_amount_yuan,
        start_date
    from current_rows
)

select * from renamed
