{#
    The window of months a run rebuilds, 'YYYY-MM' (empty: every period). The vars period_from /
    period_to take precedence (`dbt build --vars ...` by hand); the Dagster assets set the environment
    variables GOVWH_PERIOD_FROM / GOVWH_PERIOD_TO instead, because dbt discards its saved parse when the
    command-line vars change but re-parses only the files that read an environment variable whose value
    changed - a window run then skips the full parse.
#}
{% macro build_period_from() -%}
    {{- return(var('period_from') or env_var('GOVWH_PERIOD_FROM', '')) -}}
{%- endmacro %}

{% macro build_period_to() -%}
    {{- return(var('period_to') or env_var('GOVWH_PERIOD_TO', '')) -}}
{%- endmacro %}

{#- True when the run rebuilds a window of months rather than every period. -#}
{% macro has_build_window() -%}
    {{- return((build_period_from() or build_period_to()) | length > 0) -}}
{%- endmacro %}

{#
    Materialisation of a model kept per period: incremental in a window run (it replaces the window's
    periods and keeps the rest), a table rebuilt whole otherwise - so a full build is exactly a build
    from scratch.
#}
{% macro window_materialization() -%}
    {{- return('incremental' if has_build_window() else 'table') -}}
{%- endmacro %}

{#
    The first month a window run can change in models whose rows belong to the month of their
    snapshot (rosters, registers, enrolments): the window's first month, every later month included -
    a minimum wage restated in one month stays in force in the next. Empty without a window.
#}
{% macro snapshot_rebuild_from() -%}
    {{- return(build_period_from() or '') -}}
{%- endmacro %}
