{#
    Primary disclosure control of a published cell (QUALITY.md).

    A cell is suppressed when its numerator counts 1 to sdc_min_cell - 1 units (a count of 0 may be
    shown), or when its denominator is under sdc_min_cell and counts people, so that a rate over a
    handful of residents cannot reveal them. check_denominator is a SQL boolean expression: false for
    denominators that are not counts of people, such as the number of communities.
#}
{% macro sdc_is_suppressed(numerator, denominator, check_denominator='true') -%}
    (
        ({{ numerator }} > 0 and {{ numerator }} < {{ var('sdc_min_cell') }})
        or ({{ check_denominator }} and {{ denominator }} < {{ var('sdc_min_cell') }})
    )
{%- endmacro %}

{#
    The published form of a column: null in a suppressed cell, so nothing of it leaks.
#}
{% macro sdc_masked(column, suppressed) -%}
    case when {{ suppressed }} then null else {{ column }} end
{%- endmacro %}
