{#
    The published indicators: the seed indicator_definitions with the names of the measures its
    numerator and denominator count, and the nationwide standard or target it is read against (seed
    indicator_standards, empty scope, latest in force; cells take their own region's standard in
    fct_indicator_comparisons). standard_value is the standard's bound on the indicator's bad side
    (the upper end of 300-400 for households per worker), or the target when there is no standard.
#}

with indicator_definitions as (
    select
        indicator_code,
        name_zh,
        unit,
        formula_zh,
        direction,
        numerator_measure,
        denominator_measure,
        scale,
        is_share,
        domain_zh
    from {{ ref('indicator_definitions') }}
),

measure_definitions as (
    select
        measure_code,
        name_zh
    from {{ ref('measure_definitions') }}
),

nationwide_standards as (
    select
        indicator_code,
        standard_kind,
        standard_id,
        comparator,
        low_value,
        high_value,
        doc_title,
        quote_zh,
        row_number() over (
            partition by indicator_code, standard_kind
            order by effective_from desc
        ) as recency
    from {{ ref('indicator_standards') }}
    where scope_code is null
),

standards as (
    select
        indicator_code,
        standard_id,
        comparator,
        low_value,
        high_value,
        {{ dbt.concat(['doc_title', "'：'", 'quote_zh']) }} as standard_text
    from nationwide_standards
    where standard_kind = 'standard'
        and recency = 1
),

targets as (
    select
        indicator_code,
        standard_id,
        comparator,
        low_value,
        high_value,
        {{ dbt.concat(['doc_title', "'：'", 'quote_zh']) }} as target_text
    from nationwide_standards
    where standard_kind = 'target'
        and recency = 1
),

indicators_described as (
    select
        indicator_definitions.indicator_code,
        indicator_definitions.name_zh,
        indicator_definitions.unit,
        indicator_definitions.formula_zh,
        indicator_definitions.direction,
        coalesce(
            {{ standard_reference_value('standards.comparator', 'standards.low_value', 'standards.high_value', 'indicator_definitions.direction') }},
            {{ standard_reference_value('targets.comparator', 'targets.low_value', 'targets.high_value', 'indicator_definitions.direction') }}
        ) as standard_value,
        coalesce(standards.standard_text, targets.target_text) as standard_text,
        indicator_definitions.domain_zh,
        indicator_definitions.numerator_measure,
        numerators.name_zh as numerator_name_zh,
        indicator_definitions.denominator_measure,
        denominators.name_zh as denominator_name_zh,
        indicator_definitions.scale,
        indicator_definitions.is_share,
        standards.standard_id,
        standards.comparator as standard_comparator,
        standards.low_value as standard_low_value,
        standards.high_value as standard_high_value,
        targets.standard_id as target_id,
        {{ standard_reference_value('targets.comparator', 'targets.low_value', 'targets.high_value', 'indicator_definitions.direction') }}
            as target_value,
        targets.target_text
    from indicator_definitions
    inner join measure_definitions as numerators
        on indicator_definitions.numerator_measure = numerators.measure_code
    left join measure_definitions as denominators
        on indicator_definitions.denominator_measure = denominators.measure_code
    left join standards
        on indicator_definitions.indicator_code = standards.indicator_code
    left join targets
        on indicator_definitions.indicator_code = targets.indicator_code
)

select
    {{ dbt.cast('indicator_code', dbt.type_string()) }} as indicator_code,
    {{ dbt.cast('name_zh', dbt.type_string()) }} as name_zh,
    {{ dbt.cast('unit', dbt.type_string()) }} as unit,
    {{ dbt.cast('formula_zh', dbt.type_string()) }} as formula_zh,
    {{ dbt.cast('direction', dbt.type_string()) }} as direction,
    {{ dbt.cast('standard_value', type_double()) }} as standard_value,
    {{ dbt.cast('standard_text', dbt.type_string()) }} as standard_text,
    {{ dbt.cast('domain_zh', dbt.type_string()) }} as domain_zh,
    {{ dbt.cast('numerator_measure', dbt.type_string()) }} as numerator_measure,
    {{ dbt.cast('numerator_name_zh', dbt.type_string()) }} as numerator_name_zh,
    {{ dbt.cast('denominator_measure', dbt.type_string()) }} as denominator_measure,
    {{ dbt.cast('denominator_name_zh', dbt.type_string()) }} as denominator_name_zh,
    {{ dbt.cast('scale', type_double()) }} as scale,
    {{ dbt.cast('is_share', dbt.type_boolean()) }} as is_share,
    {{ dbt.cast('standard_id', dbt.type_string()) }} as standard_id,
    {{ dbt.cast('standard_comparator', dbt.type_string()) }} as standard_comparator,
    {{ dbt.cast('standard_low_value', type_double()) }} as standard_low_value,
    {{ dbt.cast('standard_high_value', type_double()) }} as standard_high_value,
    {{ dbt.cast('target_id', dbt.type_string()) }} as target_id,
    {{ dbt.cast('target_value', type_double()) }} as target_value,
    {{ dbt.cast('target_text', dbt.type_string()) }} as target_text
from indicators_described
