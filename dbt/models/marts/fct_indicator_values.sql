{{
    config(
        materialized=window_materialization(),
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{% if is_incremental() %}delete from {{ this }} where period in (select period from {{ ref('int_periods__publication_scope') }}){% endif %}"
    )
}}

-- depends_on: {{ ref('int_periods__publication_scope') }}

{#
    The published indicator values: one row per indicator, area and period, after disclosure control
    (int_disclosure__suppressed_cells). A withheld cell publishes neither its value nor its numerator
    and denominator. A count has no denominator. Numbers are rounded to var published_decimals.

    A run with a window of months (macros/build_window.sql, from a Dagster partition range)
    replaces only the periods of int_periods__publication_scope and keeps the others; without one the
    table is rebuilt whole.
#}

with indicator_values as (
    select
        indicator_code,
        area_code,
        area_level,
        period,
        numerator,
        denominator,
        value,
        is_suppressed
    from {{ ref('int_indicator_values__computed') }}
    {%- if is_incremental() %}
    where period in (select period from {{ ref('int_periods__publication_scope') }})
    {%- endif %}
),

indicator_definitions as (
    select
        indicator_code,
        unit
    from {{ ref('indicator_definitions') }}
),

published as (
    select
        indicator_values.indicator_code,
        indicator_values.area_code,
        indicator_values.area_level,
        indicator_values.period,
        {{ sdc_masked('indicator_values.value', 'indicator_values.is_suppressed') }} as value,
        {{ sdc_masked('indicator_values.numerator', 'indicator_values.is_suppressed') }} as numerator,
        {{ sdc_masked('indicator_values.denominator', 'indicator_values.is_suppressed') }} as denominator,
        indicator_definitions.unit,
        indicator_values.is_suppressed as suppressed
    from indicator_values
    inner join indicator_definitions
        on indicator_values.indicator_code = indicator_definitions.indicator_code
)

select
    {{ dbt.cast('indicator_code', dbt.type_string()) }} as indicator_code,
    {{ dbt.cast('area_code', dbt.type_string()) }} as area_code,
    {{ dbt.cast('area_level', dbt.type_string()) }} as area_level,
    {{ dbt.cast('period', dbt.type_string()) }} as period,
    {{ published_number('value') }} as value,
    {{ published_number('numerator') }} as numerator,
    {{ published_number('denominator') }} as denominator,
    {{ dbt.cast('unit', dbt.type_string()) }} as unit,
    {{ dbt.cast('suppressed', dbt.type_boolean()) }} as suppressed
from published
