{#
    Social-organisation and election measures of every community, per month (long form):
      ca_social_org months   operating organisations, those active in the last year, and whether the
                             community has fewer than 3 (every community of the hierarchy counts)
      ca_election months     voters, ballots and valid ballots of each community's latest election,
                             communities with an election on record and those that elected directly
#}

with communities as (
    select
        period,
        area_code as community_code
    from {{ ref('int_areas__by_period') }}
    where period_grain = 'month'
        and area_level = 'community'
),

register_months as (
    select distinct
        period
    from {{ ref('stg_civil_affairs__social_organisations') }}
),

election_months as (
    select distinct
        period
    from {{ ref('stg_civil_affairs__elections') }}
),

organisation_counts as (
    select
        period,
        community_code,
        sum({{ count_if('is_operating') }}) as organisations,
        sum({{ count_if('is_operating and is_active_last_year') }}) as organisations_active
    from {{ ref('int_organisations__deduplicated') }}
    group by
        period,
        community_code
),

elections as (
    select
        period,
        community_code,
        election_method,
        registered_voters,
        ballots_cast,
        valid_ballots,
        row_number() over (
            partition by period, community_code
            order by election_date desc, line_number desc
        ) as recency
    from {{ ref('stg_civil_affairs__elections') }}
),

organisations_wide as (
    select
        communities.period,
        communities.community_code,
        coalesce(organisation_counts.organisations, 0) as organisations,
        coalesce(organisation_counts.organisations_active, 0) as organisations_active,
        {{ count_if('coalesce(organisation_counts.organisations, 0) < 3') }} as communities_under_3_organisations
    from communities
    inner join register_months
        on communities.period = register_months.period
    left join organisation_counts
        on communities.period = organisation_counts.period
        and communities.community_code = organisation_counts.community_code
),

elections_wide as (
    select
        communities.period,
        communities.community_code,
        coalesce(elections.registered_voters, 0) as registered_voters,
        coalesce(elections.ballots_cast, 0) as ballots_cast,
        coalesce(elections.valid_ballots, 0) as valid_ballots,
        {{ count_if('elections.community_code is not null') }} as communities_with_election,
        {{ count_if("elections.election_method = '直接选举'") }} as communities_direct_election
    from communities
    inner join election_months
        on communities.period = election_months.period
    left join elections
        on communities.period = elections.period
        and communities.community_code = elections.community_code
        and elections.recency = 1
),

measures as (
    {{ unpivot_measures('organisations_wide', ['period', 'community_code'],
        ['organisations', 'organisations_active', 'communities_under_3_organisations']) }}

    union all

    {{ unpivot_measures('elections_wide', ['period', 'community_code'], [
        'registered_voters', 'ballots_cast', 'valid_ballots', 'communities_with_election',
        'communities_direct_election'
    ]) }}
)

select
    period,
    community_code,
    measure_code,
    measure_value
from measures
