{#
    One row per person and social-security snapshot: whether the person is contributing to a basic
    pension scheme (城镇职工养老 or 城乡居民养老) and to a basic medical scheme (职工医疗 or 居民医疗).
    Only enrolments with status 参保缴费 count; suspended and ended ones do not.
#}

with enrolments as (
    select
        period,
        person_pid,
        insurance_type,
        enrolment_status
    from {{ ref('stg_social_security__insurance_enrolments') }}
),

people as (
    select
        period,
        person_pid,
        max({{ count_if("insurance_type in ('城镇职工养老', '城乡居民养老') and enrolment_status = '参保缴费'") }})
            as pension_flag,
        max({{ count_if("insurance_type in ('职工医疗', '居民医疗') and enrolment_status = '参保缴费'") }})
            as medical_flag
    from enrolments
    group by
        period,
        person_pid
)

select
    period,
    person_pid,
    pension_flag = 1 as has_pension,
    medical_flag = 1 as has_medical
from people
