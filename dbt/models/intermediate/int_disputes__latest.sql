{#
    Each dispute (ps_dispute) once, as in its latest delivery: an event is sent in the file of its month and
    may be sent again in a later month's file, corrected or with a new status, which then wins. Rows of
    superseded files are already gone (staging keeps current files only). The event belongs to the
    month of its accepted_date, whichever file brought it.
#}

with deliveries as (
    select
        period as delivered_period,
        dispute_no,
        community_code,
        accepted_date,
        dispute_category,
        dispute_status,
        closed_date,
        row_number() over (
            partition by dispute_no
            order by period desc, line_number desc
        ) as recency
    from {{ ref('stg_public_security__disputes') }}
)

select
    dispute_no,
    community_code,
    accepted_date,
    dispute_category,
    dispute_status,
    closed_date,
    {{ month_of_date('accepted_date') }} as event_month,
    delivered_period
from deliveries
where recency = 1
