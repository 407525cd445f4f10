{{ config(materialized='table') }}

{#
    One row per household of each public-security snapshot: the residents sharing a household number
    (户号) in a community. A household number split over two communities counts once in each.
#}

with residents as (
    select
        period,
        community_code,
        household_no,
        person_pid,
        is_floating,
        is_elderly
    from {{ ref('int_residents__linked') }}
),

households as (
    select
        period,
        community_code,
        household_no,
        count(distinct person_pid) as members,
        sum({{ count_if('is_floating') }}) as floating_members,
        sum({{ count_if('is_elderly') }}) as elderly_members
    from residents
    group by
        period,
        community_code,
        household_no
)

select
    period,
    community_code,
    household_no,
    members,
    floating_members,
    elderly_members
from households
