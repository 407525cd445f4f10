{#
    Each community police room of each monthly snapshot against each community it serves, with its
    officers and video points shared out equally among those communities, so that they add up to the
    room's own numbers above community level. A room's communities are found by their 12-digit codes
    in its ';'-joined list (codes are fixed-length digits, so one cannot match inside another).
#}

with rooms as (
    select
        period,
        room_code,
        community_codes,
        officers,
        auxiliary_officers,
        cctv_points
    from {{ ref('stg_public_security__police_rooms') }}
),

communities as (
    select
        period,
        area_code as community_code
    from {{ ref('int_areas__by_period') }}
    where period_grain = 'month'
        and area_level = 'community'
),

room_communities as (
    select
        rooms.period,
        rooms.room_code,
        communities.community_code,
        rooms.officers,
        rooms.auxiliary_officers,
        rooms.cctv_points,
        count(*) over (partition by rooms.period, rooms.room_code) as communities_served
    from rooms
    inner join communities
        on rooms.period = communities.period
        and {{ dbt.position('communities.community_code', 'rooms.community_codes') }} > 0
)

select
    period,
    room_code,
    community_code,
    communities_served,
    {{ safe_divide('officers', 'communities_served') }} as officers_share,
    {{ safe_divide('auxiliary_officers', 'communities_served') }} as auxiliary_officers_share,
    {{ safe_divide('cctv_points', 'communities_served') }} as cctv_points_share
from room_communities
