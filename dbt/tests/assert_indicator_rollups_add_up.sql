{{ config(meta={'dagster': {'ref': {'name': 'int_indicator_values__computed'}}}) }}

{#
    Every street, district and city value must rest on the sum of its communities' numerators and
    denominators (A05's denominator is a count of communities, which adds up the same way).
#}

with community_values as (
    select
        indicator_code,
        snapshot_period,
        area_code as community_code,
        numerator,
        denominator
    from {{ ref('int_indicator_values__computed') }}
    where area_level = 'community'
        and period_grain = 'month'
),

community_areas as (
    select
        snapshot_period,
        community_code,
        street_code,
        district_code,
        city_code
    from {{ ref('int_communities__residents_counted') }}
),

higher_values as (
    select
        indicator_code,
        snapshot_period,
        area_level,
        area_code,
        numerator,
        denominator
    from {{ ref('int_indicator_values__computed') }}
    where area_level <> 'community'
        and period_grain = 'month'
),

community_sums as (
    select
        higher_values.indicator_code,
        higher_values.snapshot_period,
        higher_values.area_code,
        higher_values.numerator,
        higher_values.denominator,
        sum(community_values.numerator) as community_numerators,
        sum(community_values.denominator) as community_denominators
    from higher_values
    inner join community_areas
        on higher_values.snapshot_period = community_areas.snapshot_period
        and higher_values.area_code = case higher_values.area_level
            when 'street' then community_areas.street_code
            when 'district' then community_areas.district_code
            when 'city' then community_areas.city_code
        end
    inner join community_values
        on community_areas.snapshot_period = community_values.snapshot_period
        and community_areas.community_code = community_values.community_code
        and higher_values.indicator_code = community_values.indicator_code
    group by
        higher_values.indicator_code,
        higher_values.snapshot_period,
        higher_values.area_code,
        higher_values.numerator,
        higher_values.denominator
)

select
    indicator_code,
    snapshot_period,
    area_code,
    numerator,
    community_numerators,
    denominator,
    community_denominators
from community_sums
where numerator <> community_numerators
    or denominator <> community_denominators
