with current_rows as (
    select *
    from {{ source('public_security', 'ps_police_room') }}
    where {{ is_current_file('file_id') }}
),

renamed as (
    select
        file_id,
        period,
        line_number,
        room_code,
        community_code as community_codes,
        officers,
        auxiliary_officers,
        cctv_points
    from current_rows
)

select * from renamed
