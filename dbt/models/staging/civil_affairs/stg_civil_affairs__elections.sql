with current_rows as (
    select *
    from {{ source('civil_affairs', 'ca_election') }}
    where {{ is_current_file('file_id') }}
),

renamed as (
    select
        file_id,
        period,
        line_number,
        community_code,
        election_date,
        method as election_method,
        registered_voters,
        ballots_cast,
        valid_ballots,
        seats
    from current_rows
)

select * from renamed
