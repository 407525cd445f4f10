{#
    The area hierarchy each period is aggregated along: the division master of the period's last
    month, or of the latest earlier month when that month's master is missing (a quarter of a year
    still in progress, a month whose master has not arrived). One row per period and area.
#}

with calendar as (
    select
        period,
        period_grain,
        end_month
    from {{ ref('int_periods__calendar') }}
),

division_periods as (
    select distinct
        period as division_period
    from {{ ref('int_areas__resolved') }}
),

period_divisions as (
    select
        calendar.period,
        calendar.period_grain,
        max(division_periods.division_period) as division_period
    from calendar
    inner join division_periods
        on division_periods.division_period <= calendar.end_month
    group by
        calendar.period,
        calendar.period_grain
),

areas as (
    select
        period_divisions.period,
        period_divisions.period_grain,
        period_divisions.division_period,
        areas.area_code,
        areas.area_name,
        areas.area_level,
        areas.parent_code,
        areas.street_code,
        areas.district_code,
        areas.city_code,
        areas.urban_rural_code
    from period_divisions
    inner join {{ ref('int_areas__resolved') }} as areas
        on period_divisions.division_period = areas.period
)

select
    period,
    period_grain,
    division_period,
    area_code,
    area_name,
    area_level,
    parent_code,
    street_code,
    district_code,
    city_code,
    urban_rural_code
from areas
