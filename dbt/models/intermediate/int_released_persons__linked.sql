{#
    Each released person under resettlement and support in each monthly register, once, with whether
    the latest follow-up visit lies within var followup_visit_days of the month's last day, and linked
    on the pseudonym to the minimum-living-allowance cases of the same month in which the person is
    the head of household (only heads are known to civil affairs by ID).
#}

with released_persons as (
    select
        period,
        person_pid,
        community_code,
        release_date,
        is_resettled,
        is_support_assigned,
        last_visit_date,
        row_number() over (partition by period, person_pid order by line_number) as row_in_month
    from {{ ref('stg_public_security__released_persons') }}
),

month_ends as (
    select
        period,
        end_date
    from {{ ref('int_periods__calendar') }}
    where period_grain = 'month'
),

allowance_heads as (
    select distinct
        period,
        head_pid
    from {{ ref('stg_civil_affairs__assistance_cases') }}
    where assistance_type in ('城市低保', '农村低保')
        and head_pid is not null
)

select
    released_persons.period,
    released_persons.person_pid,
    released_persons.community_code,
    released_persons.release_date,
    coalesce(released_persons.is_resettled, false) as is_resettled,
    coalesce(released_persons.is_support_assigned, false) as is_support_assigned,
    released_persons.last_visit_date,
    coalesce(
        released_persons.last_visit_date
            > {{ dbt.dateadd('day', -var('followup_visit_days'), 'month_ends.end_date') }},
        false
    ) as is_visited_recently,
    allowance_heads.head_pid is not null as is_on_allowance
from released_persons
inner join month_ends
    on released_persons.period = month_ends.period
left join allowance_heads
    on released_persons.period = allowance_heads.period
    and released_persons.person_pid = allowance_heads.head_pid
where released_persons.row_in_month = 1
