{{ config(materialized='table') }}

{#
    Primary and secondary suppression of the protected measure cells.

    Primary: int_disclosure__measure_cells (small counts, small complements of shares).
    Secondary: a group of int_disclosure__cell_groups (a parent equal to the sum of its children)
    with exactly one withheld member gives that member away, so one more member is withheld: the
    smallest non-zero child still shown (a child, so that totals stay published where possible), or
    the parent when no child is left. Each round looks at every group at once; a cell withheld to
    protect one group can expose another (a street withheld to protect a community exposes its
    district), so rounds repeat var sdc_secondary_passes times. The singular test
    assert_no_suppressed_cell_is_recoverable fails the build if cells are still exposed after them.
#}

{%- set passes = var('sdc_secondary_passes') | int %}

with cells as (
    select
        cell_id,
        measure_code,
        area_code,
        area_level,
        parent_code,
        period,
        period_grain,
        measure_value,
        primary_reason
    from {{ ref('int_disclosure__measure_cells') }}
),

cell_groups as (
    select
        group_id,
        group_kind,
        cell_id,
        member_role
    from {{ ref('int_disclosure__cell_groups') }}
),

state_0 as (
    select
        cell_id,
        primary_reason is not null as is_suppressed,
        case when primary_reason is not null then 'primary' end as suppression_kind,
        primary_reason as reason_code,
        case when primary_reason is not null then 0 end as pass_number
    from cells
),

{%- for pass in range(1, passes + 1) %}

exposed_groups_{{ pass }} as (
    select
        cell_groups.group_id
    from cell_groups
    inner join state_{{ pass - 1 }} as state
        on cell_groups.cell_id = state.cell_id
    group by cell_groups.group_id
    having sum({{ count_if('state.is_suppressed') }}) = 1
),

candidates_{{ pass }} as (
    select
        cell_groups.group_kind,
        cell_groups.cell_id,
        row_number() over (
            partition by cell_groups.group_id
            order by
                case when cell_groups.member_role = 'child' then 0 else 1 end,
                case when cells.measure_value = 0 then 1 else 0 end,
                cells.measure_value,
                cell_groups.cell_id
        ) as preference
    from cell_groups
    inner join exposed_groups_{{ pass }} as exposed_groups
        on cell_groups.group_id = exposed_groups.group_id
    inner join state_{{ pass - 1 }} as state
        on cell_groups.cell_id = state.cell_id
    inner join cells
        on cell_groups.cell_id = cells.cell_id
    where not state.is_suppressed
),

picks_{{ pass }} as (
    select
        cell_id,
        min(group_kind) as group_kind
    from candidates_{{ pass }}
    where preference = 1
    group by cell_id
),

state_{{ pass }} as (
    select
        state.cell_id,
        state.is_suppressed or picks.cell_id is not null as is_suppressed,
        case
            when state.is_suppressed then state.suppression_kind
            when picks.cell_id is not null then 'secondary'
        end as suppression_kind,
        case
            when state.is_suppressed then state.reason_code
            when picks.cell_id is not null then {{ dbt.concat(["'protects_'", 'picks.group_kind']) }}
        end as reason_code,
        case
            when state.is_suppressed then state.pass_number
            when picks.cell_id is not null then {{ pass }}
        end as pass_number
    from state_{{ pass - 1 }} as state
    left join picks_{{ pass }} as picks
        on state.cell_id = picks.cell_id
),
{%- endfor %}

final_state as (
    select
        cell_id,
        is_suppressed,
        suppression_kind,
        reason_code,
        pass_number
    from state_{{ passes }}
)

select
    cells.cell_id,
    cells.measure_code,
    cells.area_code,
    cells.area_level,
    cells.parent_code,
    cells.period,
    cells.period_grain,
    cells.measure_value,
    final_state.is_suppressed,
    final_state.suppression_kind,
    final_state.reason_code,
    final_state.pass_number
from cells
inner join final_state
    on cells.cell_id = final_state.cell_id
