{#
    Population and pension-coverage indicators at community, street, district and city grain, before
    disclosure control.

    Periods: every public-security snapshot month ('YYYY-MM'), and each year ('YYYY') as its last
    snapshot available for the indicator (normally December). Higher grains add up their
    communities' counts, so a household or resident counts in the community where it is registered.

    A05  households per community: households / communities (at community grain, denominator 1).
    A08  floating-population share: floating residents / residents x 100.
    J11  pension coverage of adult residents: adults with a contributing basic pension enrolment in
         the same snapshot / adults x 100; only for snapshots with a social-security delivery.
#}

{%- set area_levels = ['community', 'street', 'district', 'city'] %}

with community_counts as (
    select
        snapshot_period,
        has_insurance_snapshot,
        community_code,
        street_code,
        district_code,
        city_code,
        households,
        residents,
        floating_residents,
        adult_residents,
        adults_with_pension
    from {{ ref('int_communities__residents_counted') }}
),

area_members as (
    {%- for area_level in area_levels %}
    select
        snapshot_period,
        has_insurance_snapshot,
        '{{ area_level }}' as area_level,
        {{ area_level }}_code as area_code,
        community_code,
        households,
        residents,
        floating_residents,
        adult_residents,
        adults_with_pension
    from community_counts
    where {{ area_level }}_code is not null
    {%- if not loop.last %}

    union all
    {% endif %}
    {%- endfor %}
),

area_totals as (
    select
        snapshot_period,
        has_insurance_snapshot,
        area_level,
        area_code,
        count(distinct community_code) as communities,
        sum(households) as households,
        sum(residents) as residents,
        sum(floating_residents) as floating_residents,
        sum(adult_residents) as adult_residents,
        sum(adults_with_pension) as adults_with_pension
    from area_members
    group by
        snapshot_period,
        has_insurance_snapshot,
        area_level,
        area_code
),

snapshot_values as (
    select
        'A05' as indicator_code,
        snapshot_period,
        area_level,
        area_code,
        households as numerator,
        communities as denominator,
        {{ safe_divide('households', 'communities') }} as value
    from area_totals

    union all

    select
        'A08' as indicator_code,
        snapshot_period,
        area_level,
        area_code,
        floating_residents as numerator,
        residents as denominator,
        100 * {{ safe_divide('floating_residents', 'residents') }} as value
    from area_totals

    union all

    select
        'J11' as indicator_code,
        snapshot_period,
        area_level,
        area_code,
        adults_with_pension as numerator,
        adult_residents as denominator,
        100 * {{ safe_divide('adults_with_pension', 'adult_residents') }} as value
    from area_totals
    where has_insurance_snapshot
),

year_end_snapshots as (
    select
        indicator_code,
        {{ dbt.split_part('snapshot_period', "'-'", 1) }} as period_year,
        max(snapshot_period) as snapshot_period
    from snapshot_values
    group by
        indicator_code,
        {{ dbt.split_part('snapshot_period', "'-'", 1) }}
),

values_by_period as (
    select
        indicator_code,
        area_code,
        area_level,
        snapshot_period as period,
        'month' as period_grain,
        snapshot_period,
        numerator,
        denominator,
        value
    from snapshot_values

    union all

    select
        snapshot_values.indicator_code,
        snapshot_values.area_code,
        snapshot_values.area_level,
        year_end_snapshots.period_year as period,
        'year' as period_grain,
        snapshot_values.snapshot_period,
        snapshot_values.numerator,
        snapshot_values.denominator,
        snapshot_values.value
    from snapshot_values
    inner join year_end_snapshots
        on snapshot_values.indicator_code = year_end_snapshots.indicator_code
        and snapshot_values.snapshot_period = year_end_snapshots.snapshot_period
)

select
    indicator_code,
    area_code,
    area_level,
    period,
    period_grain,
    snapshot_period,
    numerator,
    denominator,
    value
from values_by_period
