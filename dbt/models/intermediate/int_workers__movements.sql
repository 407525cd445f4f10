{#
    Joiners and leavers of each community's workforce between the snapshot of a period and that of
    the period before, at each grain: month against the previous month, quarter against the previous
    quarter, year against the previous year. A period's snapshot is its last month with a roster. A
    worker who moves from one community to another leaves the first and joins the second; one who
    leaves and returns within the period counts neither way. Communities of the period's hierarchy
    without movements count with zeros; periods whose previous period has no roster are left out.
#}

with workers as (
    select distinct
        period,
        community_code,
        person_pid
    from {{ ref('int_workers__linked') }}
),

roster_months as (
    select distinct
        period as roster_month,
        {{ period_year('period') }} as roster_year,
        {{ quarter_number('period') }} as roster_quarter
    from workers
),

roster_month_periods as (
    select
        roster_month as period,
        roster_month
    from roster_months

    union all

    select
        {{ quarter_key('roster_year', 'roster_quarter') }} as period,
        roster_month
    from roster_months

    union all

    select
        {{ dbt.cast('roster_year', dbt.type_string()) }} as period,
        roster_month
    from roster_months
),

period_snapshots as (
    select
        period,
        max(roster_month) as snapshot_month
    from roster_month_periods
    group by period
),

period_pairs as (
    select
        calendar.period,
        calendar.period_grain,
        current_snapshot.snapshot_month,
        previous_snapshot.snapshot_month as previous_snapshot_month
    from {{ ref('int_periods__calendar') }} as calendar
    inner join period_snapshots as current_snapshot
        on calendar.period = current_snapshot.period
    inner join period_snapshots as previous_snapshot
        on calendar.previous_period = previous_snapshot.period
),

current_workers as (
    select
        period_pairs.period,
        period_pairs.period_grain,
        workers.community_code,
        workers.person_pid
    from period_pairs
    inner join workers
        on period_pairs.snapshot_month = workers.period
),

previous_workers as (
    select
        period_pairs.period,
        period_pairs.period_grain,
        workers.community_code,
        workers.person_pid
    from period_pairs
    inner join workers
        on period_pairs.previous_snapshot_month = workers.period
),

joiners as (
    select
        current_workers.period,
        current_workers.community_code,
        count(*) as worker_joiners
    from current_workers
    left join previous_workers
        on current_workers.period = previous_workers.period
        and current_workers.community_code = previous_workers.community_code
        and current_workers.person_pid = previous_workers.person_pid
    where previous_workers.person_pid is null
    group by
        current_workers.period,
        current_workers.community_code
),

leavers as (
    select
        previous_workers.period,
        previous_workers.community_code,
        count(*) as worker_leavers
    from previous_workers
    left join current_workers
        on previous_workers.period = current_workers.period
        and previous_workers.community_code = current_workers.community_code
        and previous_workers.person_pid = current_workers.person_pid
    where current_workers.person_pid is null
    group by
        previous_workers.period,
        previous_workers.community_code
),

previous_headcounts as (
    select
        period,
        community_code,
        count(*) as workers_previous
    from previous_workers
    group by
        period,
        community_code
),

communities as (
    select
        period_pairs.period,
        period_pairs.period_grain,
        areas.area_code as community_code
    from period_pairs
    inner join {{ ref('int_areas__by_period') }} as areas
        on period_pairs.period = areas.period
        and areas.area_level = 'community'
)

select
    communities.period,
    communities.period_grain,
    communities.community_code,
    coalesce(joiners.worker_joiners, 0) as worker_joiners,
    coalesce(leavers.worker_leavers, 0) as worker_leavers,
    coalesce(previous_headcounts.workers_previous, 0) as workers_previous
from communities
left join joiners
    on communities.period = joiners.period
    and communities.community_code = joiners.community_code
left join leavers
    on communities.period = leavers.period
    and communities.community_code = leavers.community_code
left join previous_headcounts
    on communities.period = previous_headcounts.period
    and communities.community_code = previous_headcounts.community_code
