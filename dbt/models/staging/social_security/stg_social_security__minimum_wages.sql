with current_rows as (
    select *
    from {{ source('social_security', 'ss_min_wage') }}
    where {{ is_current_file('file_id') }}
),

renamed as (
    select
        file_id,
        period,
        line_number,
        district_code as district_code_6,
        effective_from,
        {{ dbt.cast('monthly_min_wage_yuan', type_double()) }} as monthly_min_wage_yuan
    from current_rows
)

select * from renamed
