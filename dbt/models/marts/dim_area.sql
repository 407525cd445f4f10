{#
    One row per division code ever delivered, described as in the latest division master that lists
    it: a code retired from the master still resolves, with the names and parents it last had.
#}

with areas as (
    select
        period,
        area_code,
        area_name,
        area_level,
        parent_code,
        street_code,
        district_code,
        city_code
    from {{ ref('int_areas__resolved') }}
),

area_periods as (
    select
        area_code,
        min(period) as first_period,
        max(period) as last_period
    from areas
    group by area_code
),

latest_areas as (
    select
        areas.area_code,
        areas.area_name,
        areas.area_level,
        areas.parent_code,
        areas.street_code,
        areas.district_code,
        areas.city_code,
        area_periods.first_period,
        area_periods.last_period
    from areas
    inner join area_periods
        on areas.area_code = area_periods.area_code
        and areas.period = area_periods.last_period
)

select
    {{ dbt.cast('area_code', dbt.type_string()) }} as area_code,
    {{ dbt.cast('area_name', dbt.type_string()) }} as area_name,
    {{ dbt.cast('area_level', dbt.type_string()) }} as area_level,
    {{ dbt.cast('parent_code', dbt.type_string()) }} as parent_code,
    {{ dbt.cast('street_code', dbt.type_string()) }} as street_code,
    {{ dbt.cast('district_code', dbt.type_string()) }} as district_code,
    {{ dbt.cast('city_code', dbt.type_string()) }} as city_code,
    {{ dbt.cast('first_period', dbt.type_string()) }} as first_period,
    {{ dbt.cast('last_period', dbt.type_string()) }} as last_period
from latest_areas
