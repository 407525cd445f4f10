{#
    The published indicator values: one row per indicator, area and period, after primary disclosure
    control (macro sdc_is_suppressed). A suppressed cell publishes neither its value nor its
    numerator and denominator, so nothing of it can be recomputed.
#}

with indicator_values as (
    select
        indicator_code,
        area_code,
        area_level,
        period,
        numerator,
        denominator,
        value
    from {{ ref('int_indicator_values__computed') }}
),

indicator_definitions as (
    select
        indicator_code,
        unit,
        suppress_small_denominator
    from {{ ref('indicator_definitions') }}
),

values_disclosure_checked as (
    select
        indicator_values.indicator_code,
        indicator_values.area_code,
        indicator_values.area_level,
        indicator_values.period,
        indicator_values.numerator,
        indicator_values.denominator,
        indicator_values.value,
        indicator_definitions.unit,
        {{ sdc_is_suppressed(
            'indicator_values.numerator',
            'indicator_values.denominator',
            'indicator_definitions.suppress_small_denominator'
        ) }} as suppressed
    from indicator_values
    inner join indicator_definitions
        on indicator_values.indicator_code = indicator_definitions.indicator_code
)

select
    {{ dbt.cast('indicator_code', dbt.type_string()) }} as indicator_code,
    {{ dbt.cast('area_code', dbt.type_string()) }} as area_code,
    {{ dbt.cast('area_level', dbt.type_string()) }} as area_level,
    {{ dbt.cast('period', dbt.type_string()) }} as period,
    {{ dbt.cast(sdc_masked('value', 'suppressed'), type_double()) }} as value,
    {{ dbt.cast(sdc_masked('numerator', 'suppressed'), type_double()) }} as numerator,
    {{ dbt.cast(sdc_masked('denominator', 'suppressed'), type_double()) }} as denominator,
    {{ dbt.cast('unit', dbt.type_string()) }} as unit,
    {{ dbt.cast('suppressed', dbt.type_boolean()) }} as suppressed
from values_disclosure_checked
