{{ config(materialized='table') }}

{#
    The additive relations among protected measure cells that an outsider can use to recompute a
    withheld cell from published ones: in each group the parent cell equals the sum of its children,
    so a group with exactly one withheld member gives that member away. One row per group member.
      area       an area and the areas directly under it, same measure and period
      time       a quarter and its months, a year and its quarters (flows: sums); a quarter or a year
                 and the month it is taken from (stocks: equal)
      breakdown  a measure and the measures that break it down (measure seed, parent_measure), same
                 area and period
#}

with cells as (
    select
        cell_id,
        measure_code,
        area_code,
        parent_code,
        period,
        period_grain,
        source_period
    from {{ ref('int_disclosure__measure_cells') }}
),

measure_definitions as (
    select
        measure_code,
        time_aggregation,
        parent_measure
    from {{ ref('measure_definitions') }}
),

calendar as (
    select
        period,
        parent_period
    from {{ ref('int_periods__calendar') }}
),

area_links as (
    select
        parent_cells.cell_id as parent_cell_id,
        child_cells.cell_id as child_cell_id
    from cells as child_cells
    inner join cells as parent_cells
        on child_cells.measure_code = parent_cells.measure_code
        and child_cells.period = parent_cells.period
        and child_cells.parent_code = parent_cells.area_code
),

flow_time_links as (
    select
        parent_cells.cell_id as parent_cell_id,
        child_cells.cell_id as child_cell_id
    from cells as child_cells
    inner join measure_definitions
        on child_cells.measure_code = measure_definitions.measure_code
        and measure_definitions.time_aggregation = 'flow'
    inner join calendar
        on child_cells.period = calendar.period
    inner join cells as parent_cells
        on child_cells.measure_code = parent_cells.measure_code
        and child_cells.area_code = parent_cells.area_code
        and calendar.parent_period = parent_cells.period
),

stock_time_links as (
    select
        parent_cells.cell_id as parent_cell_id,
        child_cells.cell_id as child_cell_id
    from cells as parent_cells
    inner join measure_definitions
        on parent_cells.measure_code = measure_definitions.measure_code
        and measure_definitions.time_aggregation = 'stock'
    inner join cells as child_cells
        on parent_cells.measure_code = child_cells.measure_code
        and parent_cells.area_code = child_cells.area_code
        and parent_cells.source_period = child_cells.period
    where parent_cells.period_grain <> 'month'
),

breakdown_links as (
    select
        parent_cells.cell_id as parent_cell_id,
        child_cells.cell_id as child_cell_id
    from cells as child_cells
    inner join measure_definitions
        on child_cells.measure_code = measure_definitions.measure_code
    inner join cells as parent_cells
        on measure_definitions.parent_measure = parent_cells.measure_code
        and child_cells.area_code = parent_cells.area_code
        and child_cells.period = parent_cells.period
),

links as (
    select 'area' as group_kind, parent_cell_id, child_cell_id from area_links
    union all
    select 'time' as group_kind, parent_cell_id, child_cell_id from flow_time_links
    union all
    select 'time' as group_kind, parent_cell_id, child_cell_id from stock_time_links
    union all
    select 'breakdown' as group_kind, parent_cell_id, child_cell_id from breakdown_links
),

members as (
    select distinct
        {{ dbt.concat(['group_kind', "'|'", 'parent_cell_id']) }} as group_id,
        group_kind,
        parent_cell_id as cell_id,
        'parent' as member_role
    from links

    union all

    select
        {{ dbt.concat(['group_kind', "'|'", 'parent_cell_id']) }} as group_id,
        group_kind,
        child_cell_id as cell_id,
        'child' as member_role
    from links
)

select
    group_id,
    group_kind,
    cell_id,
    member_role
from members
