{#
    Long form of a wide model of community measures: one row per key and measure column, with the
    column name as measure_code and the value as a double. Every measure model hands its columns to
    the area roll-up this way, so adding a measure is adding a column and a row of the measure seed.
#}
{% macro unpivot_measures(relation, key_columns, measure_columns) -%}
    {%- for measure in measure_columns %}
    select
        {%- for key in key_columns %}
        {{ key }},
        {%- endfor %}
        '{{ measure }}' as measure_code,
        {{ dbt.cast(measure, type_double()) }} as measure_value
    from {{ relation }}
    {%- if not loop.last %}

    union all
    {% endif %}
    {%- endfor %}
{%- endmacro %}

{#- 1 when the boolean expression holds, else 0: a flag counted by sum(). -#}
{% macro count_if(condition) -%}
    case when {{ condition }} then 1 else 0 end
{%- endmacro %}
