{#
    Public-safety measures of every community, per month (long form):
      disputes and cases       events of the month (the month of acceptance or occurrence, each event
                               as in its latest delivery), in every month a file was delivered or an
                               event dated; zero where a community had none
      ps_released_person months  persons under resettlement and support, resettled, with a support
                               worker, visited recently; with ca_assistance, those heading a 低保 case
      ps_police_room months    community police officers and video points (shared rooms shared out),
                               and whether a room serves the community
#}

with communities as (
    select
        period,
        area_code as community_code
    from {{ ref('int_areas__by_period') }}
    where period_grain = 'month'
        and area_level = 'community'
),

disputes as (
    select
        event_month,
        community_code,
        dispute_status
    from {{ ref('int_disputes__latest') }}
),

cases as (
    select
        event_month,
        community_code,
        case_class,
        case_type
    from {{ ref('int_cases__latest') }}
),

dispute_months as (
    select period from {{ ref('stg_public_security__disputes') }}
    union
    select event_month as period from disputes
),

case_months as (
    select period from {{ ref('stg_public_security__cases') }}
    union
    select event_month as period from cases
),

register_months as (
    select distinct
        period
    from {{ ref('stg_public_security__released_persons') }}
),

assistance_months as (
    select distinct
        period
    from {{ ref('stg_civil_affairs__assistance_cases') }}
),

police_months as (
    select distinct
        period
    from {{ ref('stg_public_security__police_rooms') }}
),

dispute_counts as (
    select
        event_month as period,
        community_code,
        count(*) as disputes,
        sum({{ count_if("dispute_status = '调解成功'") }}) as disputes_mediated
    from disputes
    group by
        event_month,
        community_code
),

case_counts as (
    select
        event_month as period,
        community_code,
        count(*) as cases_total,
        sum({{ count_if("case_class = '刑事'") }}) as cases_criminal,
        sum({{ count_if("case_class = '治安'") }}) as cases_public_order,
        sum({{ count_if("case_type in ('盗窃', '入室盗窃', '电动车盗窃')") }}) as cases_theft
    from cases
    group by
        event_month,
        community_code
),

released_counts as (
    select
        period,
        community_code,
        count(*) as released_persons,
        sum({{ count_if('is_resettled') }}) as released_resettled,
        sum({{ count_if('is_support_assigned') }}) as released_support_assigned,
        sum({{ count_if('is_visited_recently') }}) as released_visited_90_days,
        sum({{ count_if('is_on_allowance') }}) as released_on_allowance
    from {{ ref('int_released_persons__linked') }}
    group by
        period,
        community_code
),

police_counts as (
    select
        period,
        community_code,
        sum(officers_share) as police_officers,
        sum(cctv_points_share) as cctv_points
    from {{ ref('int_police_rooms__by_community') }}
    group by
        period,
        community_code
),

disputes_wide as (
    select
        communities.period,
        communities.community_code,
        coalesce(dispute_counts.disputes, 0) as disputes,
        coalesce(dispute_counts.disputes_mediated, 0) as disputes_mediated
    from communities
    inner join dispute_months
        on communities.period = dispute_months.period
    left join dispute_counts
        on communities.period = dispute_counts.period
        and communities.community_code = dispute_counts.community_code
),

cases_wide as (
    select
        communities.period,
        communities.community_code,
        coalesce(case_counts.cases_total, 0) as cases_total,
        coalesce(case_counts.cases_criminal, 0) as cases_criminal,
        coalesce(case_counts.cases_public_order, 0) as cases_public_order,
        coalesce(case_counts.cases_theft, 0) as cases_theft
    from communities
    inner join case_months
        on communities.period = case_months.period
    left join case_counts
        on communities.period = case_counts.period
        and communities.community_code = case_counts.community_code
),

released_wide as (
    select
        communities.period,
        communities.community_code,
        coalesce(released_counts.released_persons, 0) as released_persons,
        coalesce(released_counts.released_resettled, 0) as released_resettled,
        coalesce(released_counts.released_support_assigned, 0) as released_support_assigned,
        coalesce(released_counts.released_visited_90_days, 0) as released_visited_90_days
    from communities
    inner join register_months
        on communities.period = register_months.period
    left join released_counts
        on communities.period = released_counts.period
        and communities.community_code = released_counts.community_code
),

released_assisted_wide as (
    select
        communities.period,
        communities.community_code,
        coalesce(released_counts.released_on_allowance, 0) as released_on_allowance
    from communities
    inner join register_months
        on communities.period = register_months.period
    inner join assistance_months
        on communities.period = assistance_months.period
    left join released_counts
        on communities.period = released_counts.period
        and communities.community_code = released_counts.community_code
),

police_wide as (
    select
        communities.period,
        communities.community_code,
        coalesce(police_counts.police_officers, 0) as police_officers,
        coalesce(police_counts.cctv_points, 0) as cctv_points,
        {{ count_if('police_counts.community_code is not null') }} as communities_with_police_room
    from communities
    inner join police_months
        on communities.period = police_months.period
    left join police_counts
        on communities.period = police_counts.period
        and communities.community_code = police_counts.community_code
),

measures as (
    {{ unpivot_measures('disputes_wide', ['period', 'community_code'], ['disputes', 'disputes_mediated']) }}

    union all

    {{ unpivot_measures('cases_wide', ['period', 'community_code'],
        ['cases_total', 'cases_criminal', 'cases_public_order', 'cases_theft']) }}

    union all

    {{ unpivot_measures('released_wide', ['period', 'community_code'], [
        'released_persons', 'released_resettled', 'released_support_assigned', 'released_visited_90_days'
    ]) }}

    union all

    {{ unpivot_measures('released_assisted_wide', ['period', 'community_code'], ['released_on_allowance']) }}

    union all

    {{ unpivot_measures('police_wide', ['period', 'community_code'],
        ['police_officers', 'cctv_points', 'communities_with_police_room']) }}
)

select
    period,
    community_code,
    measure_code,
    measure_value
from measures
