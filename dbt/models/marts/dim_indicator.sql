with indicator_definitions as (
    select
        indicator_code,
        name_zh,
        unit,
        formula_zh,
        direction,
        standard_value,
        standard_text
    from {{ ref('indicator_definitions') }}
)

select
    {{ dbt.cast('indicator_code', dbt.type_string()) }} as indicator_code,
    {{ dbt.cast('name_zh', dbt.type_string()) }} as name_zh,
    {{ dbt.cast('unit', dbt.type_string()) }} as unit,
    {{ dbt.cast('formula_zh', dbt.type_string()) }} as formula_zh,
    {{ dbt.cast('direction', dbt.type_string()) }} as direction,
    {{ dbt.cast('standard_value', type_double()) }} as standard_value,
    {{ dbt.cast('standard_text', dbt.type_string()) }} as standard_text
from indicator_definitions
