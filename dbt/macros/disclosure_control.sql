{#
    Disclosure control (QUALITY.md): the kinds of counts that are protected, as a SQL list literal
    from var sdc_protected_kinds, and the primary rule for one count.
#}
{% macro sdc_protected_kinds() -%}
    (
        {%- for kind in var('sdc_protected_kinds') -%}
            '{{ kind }}'{{ ', ' if not loop.last }}
        {%- endfor -%}
    )
{%- endmacro %}

{#- A count that may not be published: 1 to sdc_min_cell - 1 (0 may be shown). -#}
{% macro sdc_is_small(count_expression) -%}
    ({{ count_expression }} > 0 and {{ count_expression }} < {{ var('sdc_min_cell') }})
{%- endmacro %}

{#- The identifier of a measure or indicator cell, for joins across the disclosure models. -#}
{% macro sdc_cell_id(code, area_code, period) -%}
    {{ dbt.concat([code, "'|'", area_code, "'|'", period]) }}
{%- endmacro %}

{#- The published form of a column: null in a suppressed cell, so nothing of it leaks. -#}
{% macro sdc_masked(column, suppressed) -%}
    case when {{ suppressed }} then null else {{ column }} end
{%- endmacro %}
