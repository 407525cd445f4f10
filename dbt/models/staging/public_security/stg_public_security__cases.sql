with current_rows as (
    select *
    from {{ source('public_security', 'ps_case') }}
    where {{ is_current_file('file_id') }}
),

renamed as (
    select
        file_id,
        period,
        line_number,
        case_no,
        community_code,
        occurred_date,
        case_class,
        case_type
    from current_rows
)

select * from renamed
