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
    The suppression log: one row per withheld indicator cell, saying why - which measure of the cell
    was withheld (its numerator or its denominator), whether by the primary rule or to protect
    another withheld cell, and in which round. It names cells only, never their values, so it can be
    published alongside the indicators. Like fct_indicator_values, a run with a window of months
    replaces only the periods of int_periods__publication_scope.
#}

with withheld_cells as (
    select
        indicator_code,
        area_code,
        area_level,
        period,
        period_grain,
        suppressed_measure,
        suppressed_role,
        suppression_kind,
        reason_code,
        pass_number
    from {{ ref('int_indicator_values__computed') }}
    where is_suppressed
    {%- if is_incremental() %}
        and period in (select period from {{ ref('int_periods__publication_scope') }})
    {%- endif %}
),

described as (
    select
        indicator_code,
        area_code,
        area_level,
        period,
        period_grain,
        suppressed_measure,
        suppressed_role,
        suppression_kind,
        reason_code,
        case reason_code
            when 'small_count' then '计数为1至{{ var("sdc_min_cell") - 1 }}，按小数值规则不予公布'
            when 'small_complement' then '分母与分子之差为1至{{ var("sdc_min_cell") - 1 }}，公布比率会暴露小数值'
            when 'protects_area' then '次级隐藏：否则可由上级合计减去其他下级推算出已隐藏的数值'
            when 'protects_time' then '次级隐藏：否则可由季度或年度合计减去其他时期推算出已隐藏的数值'
            when 'protects_breakdown' then '次级隐藏：否则可由合计减去其他分类推算出已隐藏的数值'
        end as reason_zh,
        pass_number
    from withheld_cells
)

select
    {{ dbt.cast('indicator_code', dbt.type_string()) }} as indicator_code,
    {{ dbt.cast('area_code', dbt.type_string()) }} as area_code,
    {{ dbt.cast('area_level', dbt.type_string()) }} as area_level,
    {{ dbt.cast('period', dbt.type_string()) }} as period,
    {{ dbt.cast('period_grain', dbt.type_string()) }} as period_grain,
    {{ dbt.cast('suppressed_measure', dbt.type_string()) }} as suppressed_measure,
    {{ dbt.cast('suppressed_role', dbt.type_string()) }} as suppressed_role,
    {{ dbt.cast('suppression_kind', dbt.type_string()) }} as suppression_kind,
    {{ dbt.cast('reason_code', dbt.type_string()) }} as reason_code,
    {{ dbt.cast('reason_zh', dbt.type_string()) }} as reason_zh,
    {{ dbt.cast('pass_number', dbt.type_int()) }} as pass_number
from described
