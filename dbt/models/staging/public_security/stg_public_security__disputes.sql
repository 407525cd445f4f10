with current_rows as (
    select *
    from {{ source('public_security', 'ps_dispute') }}
    where {{ is_current_file('file_id') }}
),

renamed as (
    select
        file_id,
        period,
        line_number,
        dispute_no,
        community_code,
        accepted_date,
        category as dispute_category,
        status as dispute_status,
        closed_date
    from current_rows
)

select * from renamed
