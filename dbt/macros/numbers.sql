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

{#
    A number as published: rounded to var published_decimals, so that the order in which a parallel
    engine adds fractions up cannot change the published figure from one run to the next.
#}
{% macro published_number(expression) -%}
    round({{ dbt.cast(expression, type_double()) }}, {{ var('published_decimals') }})
{%- endmacro %}
