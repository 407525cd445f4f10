{{
    config(
        materialized=window_materialization(),
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{% if is_incremental() %}delete from {{ this }} where period >= '{{ snapshot_rebuild_from() }}'{% endif %}"
    )
}}

{#
    Each community worker of each monthly roster, once per community (a person holding several posts
    in one community is one worker there; one serving two communities counts in each), with age,
    education, qualification and pay, linked to the district minimum wage in force and, on the
    pseudonym, to the social-security snapshot of the same month (empty when there is none).
    A window run (macros/build_window.sql) recomputes only the snapshots from snapshot_rebuild_from()
    on and keeps the earlier ones, which no file of the window can change.
#}

with roster as (
    select
        period,
        community_code,
        person_pid,
        person_birth_year,
        person_birth_month,
        coalesce(gender, person_sex) as gender,
        positions,
        hire_type,
        education,
        social_work_certificate,
        hire_date,
        monthly_pay_yuan,
        is_emergency_trained,
        row_number() over (
            partition by period, community_code, person_pid
            order by line_number
        ) as row_in_community
    from {{ ref('stg_civil_affairs__workers') }}
    {%- if is_incremental() %}
    where period >= '{{ snapshot_rebuild_from() }}'
    {%- endif %}
),

workers as (
    select
        period,
        community_code,
        person_pid,
        person_birth_year,
        person_birth_month,
        gender,
        positions,
        hire_type,
        education,
        social_work_certificate,
        hire_date,
        monthly_pay_yuan,
        is_emergency_trained
    from roster
    where row_in_community = 1
),

minimum_wages as (
    select
        period,
        district_code_6,
        monthly_min_wage_yuan
    from {{ ref('int_minimum_wages__in_force') }}
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
        has_pension
    from {{ ref('int_people__insurance_enrolments') }}
),

workers_linked as (
    select
        workers.period,
        workers.community_code,
        workers.person_pid,
        workers.gender,
        workers.positions,
        workers.hire_type,
        workers.education,
        workers.social_work_certificate,
        workers.hire_date,
        workers.monthly_pay_yuan,
        workers.is_emergency_trained,
        {{ age_at_period_end('workers.person_birth_year', 'workers.person_birth_month', 'workers.period') }}
            as age_at_period_end,
        minimum_wages.monthly_min_wage_yuan,
        insurance_snapshots.period is not null as has_insurance_snapshot,
        case
            when insurance_snapshots.period is null then null
            else coalesce(enrolments.has_pension, false)
        end as has_pension_enrolment
    from workers
    left join minimum_wages
        on workers.period = minimum_wages.period
        and substr(workers.community_code, 1, 6) = minimum_wages.district_code_6
    left join insurance_snapshots
        on workers.period = insurance_snapshots.period
    left join enrolments
        on workers.period = enrolments.period
        and workers.person_pid = enrolments.person_pid
)

select
    period,
    community_code,
    person_pid,
    gender,
    positions,
    hire_type,
    education,
    social_work_certificate,
    hire_date,
    monthly_pay_yuan,
    is_emergency_trained,
    age_at_period_end,
    education in ('高中(中专)', '大专', '本科', '研究生') as is_senior_high_plus,
    education in ('大专', '本科', '研究生') as is_junior_college_plus,
    social_work_certificate in ('助理社会工作师', '社会工作师', '高级社会工作师') as is_certified,
    monthly_min_wage_yuan,
    {{ safe_divide('monthly_pay_yuan', 'monthly_min_wage_yuan') }} as pay_to_minimum_wage,
    has_insurance_snapshot,
    has_pension_enrolment
from workers_linked
