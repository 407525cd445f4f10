{#
    Fails for every row whose column lies outside [min_value, max_value] (bounds optional; exclusive
    when inclusive is false). Nulls pass: pair with not_null where they must not occur.
#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}

{%- set lower_op = '>=' if inclusive else '>' -%}
{%- set upper_op = '<=' if inclusive else '<' -%}

with checked_values as (
    select
        {{ column_name }} as checked_value
    from {{ model }}
    where {{ column_name }} is not null
)

select
    checked_value
from checked_values
where not (
    1 = 1
    {%- if min_value is not none %}
    and checked_value {{ lower_op }} {{ min_value }}
    {%- endif %}
    {%- if max_value is not none %}
    and checked_value {{ upper_op }} {{ max_value }}
    {%- endif %}
)

{% endtest %}
