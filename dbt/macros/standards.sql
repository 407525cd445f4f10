{#
    Reading a value against a standard or target of seed indicator_standards: comparator '>=' (at
    least low_value), '<=' (at most high_value) or 'between' (low_value to high_value inclusive).
#}
{% macro meets_standard(value, comparator, low_value, high_value) -%}
    case
        when {{ value }} is null or {{ comparator }} is null then null
        when {{ comparator }} = '>=' then {{ value }} >= {{ low_value }}
        when {{ comparator }} = '<=' then {{ value }} <= {{ high_value }}
        when {{ comparator }} = 'between' then {{ value }} >= {{ low_value }} and {{ value }} <= {{ high_value }}
    end
{%- endmacro %}

{#- How far the value lies outside the standard, in the indicator's unit; 0 when it is met. -#}
{% macro standard_gap(value, comparator, low_value, high_value) -%}
    case
        when {{ value }} is null or {{ comparator }} is null then null
        when {{ comparator }} in ('>=', 'between') and {{ value }} < {{ low_value }} then {{ low_value }} - {{ value }}
        when {{ comparator }} in ('<=', 'between') and {{ value }} > {{ high_value }} then {{ value }} - {{ high_value }}
        else 0
    end
{%- endmacro %}

{#- The bound a report quotes: the one a value falls foul of in the indicator's bad direction. -#}
{% macro standard_reference_value(comparator, low_value, high_value, direction) -%}
    case
        when {{ comparator }} = '>=' then {{ low_value }}
        when {{ comparator }} = '<=' then {{ high_value }}
        when {{ direction }} = 'lower_is_better' then {{ high_value }}
        else {{ low_value }}
    end
{%- endmacro %}
