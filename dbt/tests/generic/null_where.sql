{#
    Fails for every row that meets the condition but has a value in the column: a column that must
    be empty in such rows (for example the numerator of a suppressed cell).
#}
{% test null_where(model, column_name, condition) %}

select
    {{ column_name }} as leaked_value
from {{ model }}
where ({{ condition }})
    and {{ column_name }} is not null

{% endtest %}
