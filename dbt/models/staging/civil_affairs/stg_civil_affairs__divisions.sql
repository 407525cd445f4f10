with current_rows as (
    select *
    from {{ source('civil_affairs', 'ca_division') }}
    where {{ is_current_file('file_id') }}
),

renamed as (
    select
        file_id,
        period,
        line_number,
        division_code,
        name as division_name,
        level as division_level_zh,
        parent_code,
        urban_rural as urban_rural_code
    from current_rows
)

select * from renamed
