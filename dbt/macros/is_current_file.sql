{#
    True for rows of files that are the current truth for their table and period. A corrected file
    supersedes an earlier one; the earlier file's rows stay in raw.* for the record, but its ledger
    status is no longer current, so staging models filter them out with this predicate.
#}
{% macro is_current_file(file_id_column='file_id') -%}
    {{ file_id_column }} in (
        select load_ledger.file_id
        from {{ source('audit', 'load_ledger') }} as load_ledger
        where load_ledger.status in (
            {%- for status in var('current_file_statuses') -%}
                '{{ status }}'{{ ', ' if not loop.last }}
            {%- endfor -%}
        )
    )
{%- endmacro %}
