{{ config(meta={'dagster': {'ref': {'name': 'fct_suppression_log'}}}) }}

{#
    Every withheld cell of fct_indicator_values has exactly one row in the suppression log, and the
    log names no cell that is shown.
#}

with withheld_cells as (
    select
        indicator_code,
        area_code,
        period
    from {{ ref('fct_indicator_values') }}
    where suppressed
),

log_rows as (
    select
        indicator_code,
        area_code,
        period
    from {{ ref('fct_suppression_log') }}
)

select
    coalesce(withheld_cells.indicator_code, log_rows.indicator_code) as indicator_code,
    coalesce(withheld_cells.area_code, log_rows.area_code) as area_code,
    coalesce(withheld_cells.period, log_rows.period) as period,
    withheld_cells.indicator_code is null as logged_but_shown,
    log_rows.indicator_code is null as withheld_but_not_logged
from withheld_cells
full outer join log_rows
    on withheld_cells.indicator_code = log_rows.indicator_code
    and withheld_cells.area_code = log_rows.area_code
    and withheld_cells.period = log_rows.period
where withheld_cells.indicator_code is null
    or log_rows.indicator_code is null
