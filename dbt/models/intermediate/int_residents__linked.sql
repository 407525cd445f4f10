{{
    config(
        materialized=window_materialization(),
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{% if is_incremental() %}delete from {{ this }} where period >= '{{ snapshot_rebuild_from() }}'{% endif %}"
    )
}}

{#
    Each resident of each public-security snapshot, with age and residence flags, linked on the
    pseudonym to the social-security snapshot of the same month. Both registers are quarterly
    snapshots as at the end of the period month, so a resident's enrolment is looked up in the same
    period only; in a month without a social-security delivery the insurance flags are empty.
    A window run (macros/build_window.sql) recomputes only the snapshots from snapshot_rebuild_from()
    on and keeps the earlier ones, which no file of the window can change.
#}

with residents as (
    select
        period,
        person_pid,
        person_birth_year,
        person_birth_month,
        person_sex,
        household_no,
        community_code,
        residence_kind
    from {{ ref('stg_public_security__residents') }}
    {%- if is_incremental() %}
    where period >= '{{ snapshot_rebuild_from() }}'
    {%- endif %}
),

insurance_snapshots as (
    select distinct
        period
    from {{ ref('stg_social_security__insurance_enrolments') }}
),

enrolments as (
    select
        period,
        person_pid,
        has_pension,
        has_medical
    from {{ ref('int_people__insurance_enrolments') }}
),

residents_linked as (
    select
        residents.period,
        residents.person_pid,
        residents.person_sex,
        residents.household_no,
        residents.community_code,
        residents.residence_kind,
        {{ age_at_period_end('residents.person_birth_year', 'residents.person_birth_month', 'residents.period') }}
            as age_at_period_end,
        insurance_snapshots.period is not null as has_insurance_snapshot,
        case
            when insurance_snapshots.period is null then null
            else coalesce(enrolments.has_pension, false)
        end as has_pension_enrolment,
        case
            when insurance_snapshots.period is null then null
            else coalesce(enrolments.has_medical, false)
        end as has_medical_enrolment
    from residents
    left join insurance_snapshots
        on residents.period = insurance_snapshots.period
    left join enrolments
        on residents.period = enrolments.period
        and residents.person_pid = enrolments.person_pid
)

select
    period,
    person_pid,
    person_sex,
    household_no,
    community_code,
    residence_kind,
    age_at_period_end,
    residence_kind = '流动人口' as is_floating,
    age_at_period_end >= 18 as is_adult,
    age_at_period_end >= 60 as is_elderly,
    has_insurance_snapshot,
    has_pension_enrolment,
    has_medical_enrolment
from residents_linked
