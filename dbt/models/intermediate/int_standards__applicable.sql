{#
    The standard and the target that apply to each indicator cell (seed indicator_standards): those
    of the indicator whose region scope contains the area (scope_code is a prefix of its division
    code; empty scope is nationwide) and which are in force on the period's last day. The most
    specific scope wins, then the latest effective date. One row per cell with a standard or a target.
#}

with cells as (
    select
        indicator_values.indicator_code,
        indicator_values.area_code,
        indicator_values.period,
        calendar.end_date
    from {{ ref('int_indicator_values__computed') }} as indicator_values
    inner join {{ ref('int_periods__calendar') }} as calendar
        on indicator_values.period = calendar.period
),

standards as (
    select
        standard_id,
        indicator_code,
        standard_kind,
        comparator,
        low_value,
        high_value,
        coalesce(scope_code, '') as scope_code,
        effective_from,
        effective_to,
        target_year,
        doc_title,
        quote_zh
    from {{ ref('indicator_standards') }}
),

candidates as (
    select
        cells.indicator_code,
        cells.area_code,
        cells.period,
        standards.standard_kind,
        standards.standard_id,
        standards.comparator,
        standards.low_value,
        standards.high_value,
        standards.target_year,
        row_number() over (
            partition by cells.indicator_code, cells.area_code, cells.period, standards.standard_kind
            order by {{ dbt.length('standards.scope_code') }} desc, standards.effective_from desc
        ) as preference
    from cells
    inner join standards
        on cells.indicator_code = standards.indicator_code
        and cells.area_code like {{ dbt.concat(['standards.scope_code', "'%'"]) }}
        and standards.effective_from <= cells.end_date
        and (standards.effective_to is null or standards.effective_to >= cells.end_date)
),

standard_choices as (
    select
        indicator_code,
        area_code,
        period,
        standard_id,
        comparator,
        low_value,
        high_value
    from candidates
    where preference = 1
        and standard_kind = 'standard'
),

target_choices as (
    select
        indicator_code,
        area_code,
        period,
        standard_id,
        comparator,
        low_value,
        high_value,
        target_year
    from candidates
    where preference = 1
        and standard_kind = 'target'
)

select
    coalesce(standard_choices.indicator_code, target_choices.indicator_code) as indicator_code,
    coalesce(standard_choices.area_code, target_choices.area_code) as area_code,
    coalesce(standard_choices.period, target_choices.period) as period,
    standard_choices.standard_id,
    standard_choices.comparator as standard_comparator,
    standard_choices.low_value as standard_low_value,
    standard_choices.high_value as standard_high_value,
    target_choices.standard_id as target_id,
    target_choices.comparator as target_comparator,
    target_choices.low_value as target_low_value,
    target_choices.high_value as target_high_value,
    target_choices.target_year
from standard_choices
full outer join target_choices
    on standard_choices.indicator_code = target_choices.indicator_code
    and standard_choices.area_code = target_choices.area_code
    and standard_choices.period = target_choices.period
