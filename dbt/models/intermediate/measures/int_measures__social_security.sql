{#
    Employment and social-assistance measures of every community, per month (long form):
      ss_unemployment months   registered_unemployed: registered by the month's end and not
                               re-employed by then (each registration as in its latest delivery);
                               unemployment_registrations and unemployment_reemployed: registrations
                               of the month, and those of them re-employed by the latest delivery
      ca_assistance months     allowance_recipients: persons covered by 城市低保 and 农村低保 cases
#}

with communities as (
    select
        period,
        area_code as community_code
    from {{ ref('int_areas__by_period') }}
    where period_grain = 'month'
        and area_level = 'community'
),

month_ends as (
    select
        period,
        end_date
    from {{ ref('int_periods__calendar') }}
    where period_grain = 'month'
),

registrations as (
    select
        registration_no,
        community_code,
        registered_date,
        reemployed_date,
        event_month
    from {{ ref('int_unemployment__latest') }}
),

unemployment_months as (
    select period from {{ ref('stg_social_security__unemployment_registrations') }}
    union
    select event_month as period from registrations
),

assistance_months as (
    select distinct
        period
    from {{ ref('stg_civil_affairs__assistance_cases') }}
),

unemployed_at_month_end as (
    select
        month_ends.period,
        registrations.community_code,
        count(*) as registered_unemployed
    from month_ends
    inner join registrations
        on registrations.registered_date <= month_ends.end_date
        and (registrations.reemployed_date is null or registrations.reemployed_date > month_ends.end_date)
    group by
        month_ends.period,
        registrations.community_code
),

registrations_of_month as (
    select
        event_month as period,
        community_code,
        count(*) as unemployment_registrations,
        sum({{ count_if('reemployed_date is not null') }}) as unemployment_reemployed
    from registrations
    group by
        event_month,
        community_code
),

allowance_counts as (
    select
        period,
        community_code,
        sum(household_size) as allowance_recipients
    from {{ ref('stg_civil_affairs__assistance_cases') }}
    where assistance_type in ('城市低保', '农村低保')
    group by
        period,
        community_code
),

unemployment_wide as (
    select
        communities.period,
        communities.community_code,
        coalesce(unemployed_at_month_end.registered_unemployed, 0) as registered_unemployed,
        coalesce(registrations_of_month.unemployment_registrations, 0) as unemployment_registrations,
        coalesce(registrations_of_month.unemployment_reemployed, 0) as unemployment_reemployed
    from communities
    inner join unemployment_months
        on communities.period = unemployment_months.period
    left join unemployed_at_month_end
        on communities.period = unemployed_at_month_end.period
        and communities.community_code = unemployed_at_month_end.community_code
    left join registrations_of_month
        on communities.period = registrations_of_month.period
        and communities.community_code = registrations_of_month.community_code
),

assistance_wide as (
    select
        communities.period,
        communities.community_code,
        coalesce(allowance_counts.allowance_recipients, 0) as allowance_recipients
    from communities
    inner join assistance_months
        on communities.period = assistance_months.period
    left join allowance_counts
        on communities.period = allowance_counts.period
        and communities.community_code = allowance_counts.community_code
),

measures as (
    {{ unpivot_measures('unemployment_wide', ['period', 'community_code'],
        ['registered_unemployed', 'unemployment_registrations', 'unemployment_reemployed']) }}

    union all

    {{ unpivot_measures('assistance_wide', ['period', 'community_code'], ['allowance_recipients']) }}
)

select
    period,
    community_code,
    measure_code,
    measure_value
from measures
