{#
    Community-workforce measures of every community, per month (long form). Each group exists in the
    months its sources were delivered and counts every community of the month's hierarchy:
      ca_worker months          head counts by sex, age, education, qualification and training; sums
                                of ages, pay and pay-to-minimum-wage ratios; communities with
                                workers and with nobody trained
      ... with ss_insurance     workers_with_pension
      ... with ps_resident      communities over var households_per_worker_ceiling households per
                                worker, and the staffing gap against that ceiling
    Joiners and leavers are measured between snapshots in int_workers__movements.
#}

{%- set ceiling = var('households_per_worker_ceiling') %}

with communities as (
    select
        period,
        area_code as community_code
    from {{ ref('int_areas__by_period') }}
    where period_grain = 'month'
        and area_level = 'community'
),

roster_months as (
    select distinct
        period
    from {{ ref('stg_civil_affairs__workers') }}
),

insurance_months as (
    select distinct
        period
    from {{ ref('stg_social_security__insurance_enrolments') }}
),

resident_months as (
    select distinct
        period
    from {{ ref('stg_public_security__residents') }}
),

worker_counts as (
    select
        period,
        community_code,
        count(*) as workers,
        sum({{ count_if("gender = '女'") }}) as workers_female,
        sum({{ count_if('age_at_period_end >= 40') }}) as workers_aged_40_plus,
        sum({{ count_if('is_senior_high_plus') }}) as workers_senior_high_plus,
        sum({{ count_if('is_junior_college_plus') }}) as workers_junior_college_plus,
        sum({{ count_if('is_certified') }}) as workers_certified,
        sum({{ count_if('is_emergency_trained') }}) as workers_emergency_trained,
        sum(age_at_period_end) as worker_age_sum,
        sum(monthly_pay_yuan) as worker_monthly_pay_sum,
        sum({{ count_if('pay_to_minimum_wage is not null') }}) as workers_with_minimum_wage,
        sum(pay_to_minimum_wage) as worker_pay_to_minimum_wage_sum,
        sum({{ count_if('has_pension_enrolment') }}) as workers_with_pension
    from {{ ref('int_workers__linked') }}
    group by
        period,
        community_code
),

household_counts as (
    select
        period,
        community_code,
        count(*) as households
    from {{ ref('int_households__from_residents') }}
    group by
        period,
        community_code
),

roster_wide as (
    select
        communities.period,
        communities.community_code,
        coalesce(worker_counts.workers, 0) as workers,
        coalesce(worker_counts.workers_female, 0) as workers_female,
        coalesce(worker_counts.workers_aged_40_plus, 0) as workers_aged_40_plus,
        coalesce(worker_counts.workers_senior_high_plus, 0) as workers_senior_high_plus,
        coalesce(worker_counts.workers_junior_college_plus, 0) as workers_junior_college_plus,
        coalesce(worker_counts.workers_certified, 0) as workers_certified,
        coalesce(worker_counts.workers_emergency_trained, 0) as workers_emergency_trained,
        coalesce(worker_counts.worker_age_sum, 0) as worker_age_sum,
        coalesce(worker_counts.worker_monthly_pay_sum, 0) as worker_monthly_pay_sum,
        coalesce(worker_counts.workers_with_minimum_wage, 0) as workers_with_minimum_wage,
        coalesce(worker_counts.worker_pay_to_minimum_wage_sum, 0) as worker_pay_to_minimum_wage_sum,
        {{ count_if('coalesce(worker_counts.workers, 0) > 0') }} as communities_with_workers,
        {{ count_if('coalesce(worker_counts.workers, 0) > 0 and worker_counts.workers_emergency_trained = 0') }}
            as communities_without_emergency_training
    from communities
    inner join roster_months
        on communities.period = roster_months.period
    left join worker_counts
        on communities.period = worker_counts.period
        and communities.community_code = worker_counts.community_code
),

insured_wide as (
    select
        communities.period,
        communities.community_code,
        coalesce(worker_counts.workers_with_pension, 0) as workers_with_pension
    from communities
    inner join roster_months
        on communities.period = roster_months.period
    inner join insurance_months
        on communities.period = insurance_months.period
    left join worker_counts
        on communities.period = worker_counts.period
        and communities.community_code = worker_counts.community_code
),

staffing as (
    select
        roster_wide.period,
        roster_wide.community_code,
        roster_wide.workers,
        coalesce(household_counts.households, 0) as households
    from roster_wide
    inner join resident_months
        on roster_wide.period = resident_months.period
    left join household_counts
        on roster_wide.period = household_counts.period
        and roster_wide.community_code = household_counts.community_code
),

staffing_wide as (
    select
        period,
        community_code,
        {{ count_if('households > ' ~ ceiling ~ ' * workers') }} as communities_over_400_households_per_worker,
        case
            when ceil(households / {{ ceiling }}.0) > workers then ceil(households / {{ ceiling }}.0) - workers
            else 0
        end as staffing_gap_posts
    from staffing
),

measures as (
    {{ unpivot_measures('roster_wide', ['period', 'community_code'], [
        'workers', 'workers_female', 'workers_aged_40_plus', 'workers_senior_high_plus',
        'workers_junior_college_plus', 'workers_certified', 'workers_emergency_trained', 'worker_age_sum',
        'worker_monthly_pay_sum', 'workers_with_minimum_wage', 'worker_pay_to_minimum_wage_sum',
        'communities_with_workers', 'communities_without_emergency_training'
    ]) }}

    union all

    {{ unpivot_measures('insured_wide', ['period', 'community_code'], ['workers_with_pension']) }}

    union all

    {{ unpivot_measures('staffing_wide', ['period', 'community_code'],
        ['communities_over_400_households_per_worker', 'staffing_gap_posts']) }}
)

select
    period,
    community_code,
    measure_code,
    measure_value
from measures
