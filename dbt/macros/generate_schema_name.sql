{#
    Models land in the schema named by their folder's +schema (staging, intermediate, marts) as is,
    not prefixed with the target schema, so every consumer finds marts.fct_indicator_values by a
    fixed name.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
