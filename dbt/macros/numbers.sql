{#
    IEEE double on every engine ('float' is single precision on some, DuckDB among them).
#}
{% macro type_double() -%}
    double precision
{%- endmacro %}

{#
    Ratio as a double; null when the denominator is zero instead of an error.
#}
{% macro safe_divide(numerator, denominator) -%}
    {{ dbt.cast(numerator, type_double()) }} / nullif({{ dbt.cast(denominator, type_double()) }}, 0)
{%- endmacro %}
