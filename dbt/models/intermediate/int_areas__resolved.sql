{#
    Every division of every division-master period, with its English level and the codes of the
    street, district and city it lies in. Codes are resolved by walking up to three parents within
    the same period, so an area's ancestors are those of the month being described.
#}

with divisions as (
    select
        period,
        division_code as area_code,
        division_name as area_name,
        case division_level_zh
            when '市' then 'city'
            when '区' then 'district'
            when '街道' then 'street'
            when '社区' then 'community'
        end as area_level,
        parent_code,
        urban_rural_code
    from {{ ref('stg_civil_affairs__divisions') }}
),

divisions_with_ancestors as (
    select
        area.period,
        area.area_code,
        area.area_name,
        area.area_level,
        area.parent_code,
        area.urban_rural_code,
        case
            when area.area_level = 'street' then area.area_code
            when parent.area_level = 'street' then parent.area_code
        end as street_code,
        case
            when area.area_level = 'district' then area.area_code
            when parent.area_level = 'district' then parent.area_code
            when grandparent.area_level = 'district' then grandparent.area_code
        end as district_code,
        case
            when area.area_level = 'city' then area.area_code
            when parent.area_level = 'city' then parent.area_code
            when grandparent.area_level = 'city' then grandparent.area_code
            when great_grandparent.area_level = 'city' then great_grandparent.area_code
        end as city_code
    from divisions as area
    left join divisions as parent
        on area.period = parent.period
        and area.parent_code = parent.area_code
    left join divisions as grandparent
        on parent.period = grandparent.period
        and parent.parent_code = grandparent.area_code
    left join divisions as great_grandparent
        on grandparent.period = great_grandparent.period
        and grandparent.parent_code = great_grandparent.area_code
)

select
    period,
    area_code,
    area_name,
    area_level,
    parent_code,
    street_code,
    district_code,
    city_code,
    urban_rural_code
from divisions_with_ancestors
