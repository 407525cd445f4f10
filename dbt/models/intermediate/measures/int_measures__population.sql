{#
    Population measures of every community, per month (long form: one row per measure). Each group
    of measures exists in the months its sources were delivered and counts every community of the
    month's hierarchy, with zeros where a community has nobody:
      every month          communities
      ps_resident months   residents, households, floating_residents, elderly_residents, adult_residents
      ... with ss_insurance   adults_with_pension, adults_with_medical
      ... with ca_community   household_count_gap (|households reported by CA - households counted by PS|)
#}

with communities as (
    select
        period,
        area_code as community_code
    from {{ ref('int_areas__by_period') }}
    where period_grain = 'month'
        and area_level = 'community'
),

resident_months as (
    select distinct
        period
    from {{ ref('stg_public_security__residents') }}
),

insurance_months as (
    select distinct
        period
    from {{ ref('stg_social_security__insurance_enrolments') }}
),

profile_months as (
    select distinct
        period
    from {{ ref('int_communities__profile') }}
),

household_counts as (
    select
        period,
        community_code,
        count(*) as households,
        sum(members) as residents,
        sum(floating_members) as floating_residents,
        sum(elderly_members) as elderly_residents
    from {{ ref('int_households__from_residents') }}
    group by
        period,
        community_code
),

adult_counts as (
    select
        period,
        community_code,
        sum({{ count_if('is_adult') }}) as adult_residents,
        sum({{ count_if('is_adult and has_pension_enrolment') }}) as adults_with_pension,
        sum({{ count_if('is_adult and has_medical_enrolment') }}) as adults_with_medical
    from {{ ref('int_residents__linked') }}
    group by
        period,
        community_code
),

profiles as (
    select
        period,
        community_code,
        households_reported
    from {{ ref('int_communities__profile') }}
),

division_wide as (
    select
        period,
        community_code,
        1 as communities
    from communities
),

resident_wide as (
    select
        communities.period,
        communities.community_code,
        coalesce(household_counts.residents, 0) as residents,
        coalesce(household_counts.households, 0) as households,
        coalesce(household_counts.floating_residents, 0) as floating_residents,
        coalesce(household_counts.elderly_residents, 0) as elderly_residents,
        coalesce(adult_counts.adult_residents, 0) as adult_residents
    from communities
    inner join resident_months
        on communities.period = resident_months.period
    left join household_counts
        on communities.period = household_counts.period
        and communities.community_code = household_counts.community_code
    left join adult_counts
        on communities.period = adult_counts.period
        and communities.community_code = adult_counts.community_code
),

insured_wide as (
    select
        communities.period,
        communities.community_code,
        coalesce(adult_counts.adults_with_pension, 0) as adults_with_pension,
        coalesce(adult_counts.adults_with_medical, 0) as adults_with_medical
    from communities
    inner join resident_months
        on communities.period = resident_months.period
    inner join insurance_months
        on communities.period = insurance_months.period
    left join adult_counts
        on communities.period = adult_counts.period
        and communities.community_code = adult_counts.community_code
),

reconciliation_wide as (
    select
        resident_wide.period,
        resident_wide.community_code,
        abs(profiles.households_reported - resident_wide.households) as household_count_gap
    from resident_wide
    inner join profile_months
        on resident_wide.period = profile_months.period
    left join profiles
        on resident_wide.period = profiles.period
        and resident_wide.community_code = profiles.community_code
),

measures as (
    {{ unpivot_measures('division_wide', ['period', 'community_code'], ['communities']) }}

    union all

    {{ unpivot_measures('resident_wide', ['period', 'community_code'],
        ['residents', 'households', 'floating_residents', 'elderly_residents', 'adult_residents']) }}

    union all

    {{ unpivot_measures('insured_wide', ['period', 'community_code'], ['adults_with_pension', 'adults_with_medical']) }}

    union all

    {{ unpivot_measures('reconciliation_wide', ['period', 'community_code'], ['household_count_gap']) }}
)

select
    period,
    community_code,
    measure_code,
    measure_value
from measures
