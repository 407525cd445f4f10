{#
    Periods are strings: 'YYYY-MM' for a month, 'YYYYQn' for a quarter, 'YYYY' for a year. Extracts
    describe a month; snapshots are as at its last day. Month and quarter arithmetic goes through an
    integer index (months or quarters since year 0) so that previous periods and the same period of
    the previous year are plain subtraction on every engine.
#}
{% macro period_year(period) -%}
    {{ dbt.safe_cast(dbt.split_part(period, "'-'", 1), dbt.type_int()) }}
{%- endmacro %}

{% macro period_month(period) -%}
    {{ dbt.safe_cast(dbt.split_part(period, "'-'", 2), dbt.type_int()) }}
{%- endmacro %}

{#- Two digits, zero-padded, from an integer expression. -#}
{% macro two_digits(integer_expression) -%}
    {{ dbt.right(dbt.concat(["'0'", dbt.cast(integer_expression, dbt.type_string())]), "2") }}
{%- endmacro %}

{#- 'YYYY-MM' of a date. -#}
{% macro month_of_date(date_expression) -%}
    {{ dbt.concat([
        dbt.cast('extract(year from ' ~ date_expression ~ ')', dbt.type_string()),
        "'-'",
        two_digits('extract(month from ' ~ date_expression ~ ')')
    ]) }}
{%- endmacro %}

{#- Months since the start of year 0 of a 'YYYY-MM' period, and back. -#}
{% macro month_index(period) -%}
    ({{ period_year(period) }} * 12 + {{ period_month(period) }} - 1)
{%- endmacro %}

{% macro month_from_index(index_expression) -%}
    {{ dbt.concat([
        dbt.cast(dbt.cast('floor((' ~ index_expression ~ ') / 12.0)', dbt.type_int()), dbt.type_string()),
        "'-'",
        two_digits('(' ~ index_expression ~ ') - 12 * ' ~ dbt.cast('floor((' ~ index_expression ~ ') / 12.0)', dbt.type_int()) ~ ' + 1')
    ]) }}
{%- endmacro %}

{#- Quarter number (1-4) of a 'YYYY-MM' period. -#}
{% macro quarter_number(period) -%}
    {{ dbt.cast('floor((' ~ period_month(period) ~ ' - 1) / 3.0)', dbt.type_int()) }} + 1
{%- endmacro %}

{#- 'YYYYQn' from integer year and quarter expressions. -#}
{% macro quarter_key(year_expression, quarter_expression) -%}
    {{ dbt.concat([
        dbt.cast(year_expression, dbt.type_string()),
        "'Q'",
        dbt.cast(quarter_expression, dbt.type_string())
    ]) }}
{%- endmacro %}

{#- Last day of a 'YYYY-MM' period, as a date. -#}
{% macro month_end_date(period) -%}
    {{ dbt.last_day(dbt.cast(dbt.concat([period, "'-01'"]), 'date'), 'month') }}
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
