{#
    The periods a run publishes. Without a window (macros/build_window.sql: none set) that is
    every period. With one - the months of a Dagster partition range - it is every period from the first
    year the window's files can have changed: the window's own year, or earlier where an event in
    one of its files (current or superseded) is dated earlier, as a re-sent dispute, case or
    unemployment registration restates the month it belongs to. Later periods are always included:
    a month's roster is the previous snapshot of the next month, a minimum wage stays in force until
    restated, a stock of registrations runs on. Whole years are republished because a quarter or
    year, and the suppression of the months within it, depend on all of its months.
#}

{%- set period_from = build_period_from() %}
{%- set period_to = build_period_to() %}

with calendar as (
    select
        period,
        period_year
    from {{ ref('int_periods__calendar') }}
)

{%- if period_from or period_to %},

window_files as (
    select
        file_id
    from {{ source('audit', 'load_ledger') }}
    where period is not null
        {%- if period_from %}
        and period >= '{{ period_from }}'
        {%- endif %}
        {%- if period_to %}
        and period <= '{{ period_to }}'
        {%- endif %}
),

event_dates as (
    select accepted_date as event_date
    from {{ source('public_security', 'ps_dispute') }}
    where file_id in (select file_id from window_files)

    union all

    select occurred_date as event_date
    from {{ source('public_security', 'ps_case') }}
    where file_id in (select file_id from window_files)

    union all

    select registered_date as event_date
    from {{ source('social_security', 'ss_unemployment') }}
    where file_id in (select file_id from window_files)
),

first_years as (
    select {{ period_year("'" ~ (period_from or period_to) ~ "'") }} as first_year

    union all

    select extract(year from event_date) as first_year
    from event_dates
    where event_date is not null
),

scope_start as (
    select
        min(first_year) as first_year
    from first_years
)

select
    calendar.period
from calendar
inner join scope_start
    on calendar.period_year >= scope_start.first_year

{%- else %}

select
    period
from calendar

{%- endif %}
