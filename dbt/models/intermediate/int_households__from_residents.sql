{{
    config(
        materialized=window_materialization(),
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{% if is_incremental() %}delete from {{ this }} where period >= '{{ snapshot_rebuild_from() }}'{% endif %}"
    )
}}

{#
    One row per household of each public-security snapshot: the residents sharing a household number
    (户号) in a community. A household number split over two communities counts once in each.
    A window run (macros/build_window.sql) recomputes only the snapshots from snapshot_rebuild_from()
    on and keeps the earlier ones, which no file of the window can change.
#}

with residents as (
    select
        period,
        community_code,
        household_no,
        person_pid,
        is_floating,
        is_elderly
    from {{ ref('int_residents__linked') }}
    {%- if is_incremental() %}
    where period >= '{{ snapshot_rebuild_from() }}'
    {%- endif %}
),

households as (
    select
        period,
        community_code,
        household_no,
        count(distinct person_pid) as members,
        sum({{ count_if('is_floating') }}) as floating_members,
        sum({{ count_if('is_elderly') }}) as elderly_members
    from residents
    group by
        period,
        community_code,
        household_no
)

select
    period,
    community_code,
    household_no,
    members,
    floating_members,
    elderly_members
from households
