{{ config(meta={'dagster': {'ref': {'name': 'int_measures__by_area'}}}) }}

{#
    Every street, district and city measure is the sum of the areas directly under it, in the
    hierarchy of its period: what secondary disclosure control and the comparisons among siblings
    rely on.
#}

with measures as (
    select
        measure_code,
        area_code,
        parent_code,
        period,
        measure_value
    from {{ ref('int_measures__by_area') }}
),

child_sums as (
    select
        measure_code,
        parent_code as area_code,
        period,
        sum(measure_value) as children_total
    from measures
    where parent_code is not null
    group by
        measure_code,
        parent_code,
        period
)

select
    measures.measure_code,
    measures.area_code,
    measures.period,
    measures.measure_value,
    child_sums.children_total
from measures
inner join child_sums
    on measures.measure_code = child_sums.measure_code
    and measures.area_code = child_sums.area_code
    and measures.period = child_sums.period
where abs(coalesce(measures.measure_value, 0) - coalesce(child_sums.children_total, 0))
    > 1e-6 * (1 + abs(coalesce(measures.measure_value, 0)))
