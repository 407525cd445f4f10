{#
    The monthly minimum wage in force in each district at the end of each month: the standard with
    the latest effective date on or before the month's last day, as known from the files delivered up
    to that month (a later file restating the same standard wins over an earlier one).
#}

with months as (
    select
        period,
        end_date
    from {{ ref('int_periods__calendar') }}
    where period_grain = 'month'
),

standards as (
    select
        period as file_period,
        district_code_6,
        effective_from,
        monthly_min_wage_yuan
    from {{ ref('stg_social_security__minimum_wages') }}
),

candidates as (
    select
        months.period,
        standards.district_code_6,
        standards.monthly_min_wage_yuan,
        row_number() over (
            partition by months.period, standards.district_code_6
            order by standards.effective_from desc, standards.file_period desc
        ) as recency
    from months
    inner join standards
        on standards.file_period <= months.period
        and standards.effective_from <= months.end_date
)

select
    period,
    district_code_6,
    monthly_min_wage_yuan
from candidates
where recency = 1
