{#
    The standards and plan targets indicators are read against (seed indicator_standards), each with
    its region scope, the dates it is in force and the document it comes from, for reports to quote.
#}

with standards as (
    select
        standard_id,
        indicator_code,
        standard_kind,
        comparator,
        low_value,
        high_value,
        scope_code,
        scope_name_zh,
        effective_from,
        effective_to,
        target_year,
        doc_title,
        quote_zh
    from {{ ref('indicator_standards') }}
)

select
    {{ dbt.cast('standard_id', dbt.type_string()) }} as standard_id,
    {{ dbt.cast('indicator_code', dbt.type_string()) }} as indicator_code,
    {{ dbt.cast('standard_kind', dbt.type_string()) }} as standard_kind,
    {{ dbt.cast('comparator', dbt.type_string()) }} as comparator,
    {{ dbt.cast('low_value', type_double()) }} as low_value,
    {{ dbt.cast('high_value', type_double()) }} as high_value,
    {{ dbt.cast("coalesce(scope_code, '')", dbt.type_string()) }} as scope_code,
    {{ dbt.cast('scope_name_zh', dbt.type_string()) }} as scope_name_zh,
    {{ dbt.cast('effective_from', 'date') }} as effective_from,
    {{ dbt.cast('effective_to', 'date') }} as effective_to,
    {{ dbt.cast('target_year', dbt.type_int()) }} as target_year,
    {{ dbt.cast('doc_title', dbt.type_string()) }} as doc_title,
    {{ dbt.cast('quote_zh', dbt.type_string()) }} as quote_zh
from standards
