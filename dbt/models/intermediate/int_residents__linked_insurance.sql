{#
    Each resident of each public-security snapshot, linked on the pseudonym to the social-security
    snapshot of the same month. Both registers are quarterly snapshots as at the end of the period
    month, so a resident's enrolment is looked up in the same period only.
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
),

insurance_snapshots as (
    select distinct
        period
    from {{ ref('stg_social_security__insurance_enrolments') }}
),

-- Basic pension insurance is either of the two schemes, counted while contributions are being paid.
pension_contributors as (
    select distinct
        period,
        person_pid
    from {{ ref('stg_social_security__insurance_enrolments') }}
    where insurance_type in ('城镇职工养老', '城乡居民养老')
        and enrolment_status = '参保缴费'
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
        pension_contributors.person_pid is not null as has_pension_enrolment
    from residents
    left join insurance_snapshots
        on residents.period = insurance_snapshots.period
    left join pension_contributors
        on residents.period = pension_contributors.period
        and residents.person_pid = pension_contributors.person_pid
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
    has_insurance_snapshot,
    has_pension_enrolment
from residents_linked
