{#
    Periods are 'YYYY-MM' strings: the month an extract describes. Snapshots are as at the last day
    of that month.
#}
{% macro period_year(period) -%}
    {{ dbt.safe_cast(dbt.split_part(period, "'-'", 1), dbt.type_int()) }}
{%- endmacro %}

{% macro period_month(period) -%}
    {{ dbt.safe_cast(dbt.split_part(period, "'-'", 2), dbt.type_int()) }}
{%- endmacro %}

{#
    Age in completed years on the last day of the period month. Only the birth year and month are
    kept after pseudonymisation; a birthday in the period month has passed by its last day.
#}
{% macro age_at_period_end(birth_year, birth_month, period) -%}
    {%- set months_at_period_end = period_year(period) ~ ' * 12 + ' ~ period_month(period) -%}
    {%- set months_at_birth = birth_year ~ ' * 12 + ' ~ birth_month -%}
    {{ dbt.cast(
        'floor(((' ~ months_at_period_end ~ ') - (' ~ months_at_birth ~ ')) / 12.0)',
        dbt.type_int()
    ) }}
{%- endmacro %}
