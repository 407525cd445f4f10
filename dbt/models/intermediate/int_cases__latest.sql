{#
    Each case (ps_case) once, as in its latest delivery: an event is sent in the file of its month and
    may be sent again in a later month's file, corrected or with a new status, which then wins. Rows of
    superseded files are already gone (staging keeps current files only). The event belongs to the
    month of its occurred_date, whichever file brought it.
#}

with deliveries as (
    select
        period as delivered_period,
        case_no,
        community_code,
        occurred_date,
        case_class,
        case_type,
        row_number() over (
            partition by case_no
            order by period desc, line_number desc
        ) as recency
    from {{ ref('stg_public_security__cases') }}
)

select
    case_no,
    community_code,
    occurred_date,
    case_class,
    case_type,
    {{ month_of_date('occurred_date') }} as event_month,
    delivered_period
from deliveries
where recency = 1
