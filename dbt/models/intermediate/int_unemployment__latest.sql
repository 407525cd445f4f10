{#
    Each unemployment registration (ss_unemployment) once, as in its latest delivery: an event is sent in the file of its month and
    may be sent again in a later month's file, corrected or with a new status, which then wins. Rows of
    superseded files are already gone (staging keeps current files only). The event belongs to the
    month of its registered_date, whichever file brought it.
#}

with deliveries as (
    select
        period as delivered_period,
        registration_no,
        person_pid,
        community_code,
        registered_date,
        reemployed_date,
        reemployment_channel,
        row_number() over (
            partition by registration_no
            order by period desc, line_number desc
        ) as recency
    from {{ ref('stg_social_security__unemployment_registrations') }}
)

select
    registration_no,
    person_pid,
    community_code,
    registered_date,
    reemployed_date,
    reemployment_channel,
    {{ month_of_date('registered_date') }} as event_month,
    delivered_period
from deliveries
where recency = 1
