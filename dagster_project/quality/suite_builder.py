"""Writes one GX expectation suite per contract table to expectations/<table>.json.

    python -m dagster_project.quality.suite_builder

The suites are derived from sources/contract.yaml and then reviewed and committed like code. A test
rebuilds them and compares with the committed files, so a contract change cannot leave a suite behind.

Severity policy: what would make downstream numbers wrong without anyone noticing (schema drift, an
empty partition, duplicate or missing keys, malformed join codes, a pseudonym that is not one) is an
error and blocks the models. Value sets, ranges, dates and conditional requirements are warnings:
ingestion already rejects such rows, so a failure here points at a defect to investigate, not at data
that must be held back.

Table-level rules come on top: the row count against the previous delivery of the same table (an error
for snapshots, where a halved extract means lost data; a warning for monthly events, which swing), and
cross-department reconciliations (warnings: a disagreement between departments is a finding for the
auditor and the reports, not a reason to hold the data back). A reconciliation is an
UnexpectedRowsExpectation whose SQL reads the other department's latest current delivery at or before
the batch's period; it returns nothing while that department has delivered nothing to compare with.
Every such query joins, so GX substitutes `{batch}` as a bare subquery the query aliases itself (GX
adds its own alias to `{batch}` in queries without a join).

The contract's `sex_matches_id` check is deliberately absent: a mismatch is legitimate (sex can change
while the ID stays), and ingestion already records each one in audit.row_warnings.
"""

import argparse
import json
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dagster_project.lib.contract import ID_DERIVED_COLUMNS, Column, Contract, Table, load_contract
from dagster_project.lib.paths import EXPECTATIONS_DIR
from dagster_project.lib.pseudonym import PID_HEX_CHARS
from dagster_project.lib.warehouse import CURRENT_STATUSES
from dagster_project.quality.gx_compat import import_gx
from dagster_project.quality.suites import (
    CHECK_KEY,
    ERROR,
    GX_SEVERITY,
    PERIOD_END,
    PERIOD_YEAR,
    PREVIOUS_ROWS_MAX,
    PREVIOUS_ROWS_MIN,
    ROW_COUNT_CHANGE_KEY,
    WARNING,
    RowCountChange,
    Severity,
    suite_path,
)

if TYPE_CHECKING:
    from great_expectations.core.expectation_suite import ExpectationSuite
    from great_expectations.expectations import Expectation

# No extract holds a date before 1900; the floor catches mistyped years such as 0202 or 1026.
DATE_FLOOR = date(1900, 1, 1)
# Nobody alive was born earlier; ingestion flags implausible ages (over 120) row by row.
BIRTH_YEAR_FLOOR = 1890
SEXES = ("男", "女")

PID_PATTERN = f"^[0-9a-f]{{{PID_HEX_CHARS}}}$"
AREA_CODE_PATTERN = "^[0-9]{6}$"
# GB 32100: 18 characters from the digits and the upper-case letters except I, O, S, V and Z.
USCC_BODY = "[0-9A-HJ-NPQRTUWXY]{18}"
CODE_BODIES = {"division": "[0-9]{12}", "district": "[0-9]{6}", "uscc": USCC_BODY}
# Codes other tables join on: a malformed one silently drops its rows from every aggregate.
JOIN_CODE_TYPES = frozenset({"division", "district"})

# A snapshot is the whole population as at the month end: a fifth fewer rows than last time is lost
# data, half as many again a duplicated or merged file. Events follow the month's activity, so they
# only warn, with room for seasons and for the noise of small counts.
SNAPSHOT_ROW_COUNT_CHANGE = RowCountChange(min_ratio=0.8, max_ratio=1.5)
EVENTS_ROW_COUNT_CHANGE = RowCountChange(min_ratio=0.6, max_ratio=1.8, noise_sigmas=3.0)
ROW_COUNT_CHANGE_OVERRIDES = {
    # Every standard ever set stays in the table: a new citywide standard adds a row per district.
    "ss_min_wage": RowCountChange(min_ratio=0.8, max_ratio=None),
}

# Civil affairs' self-reported households against the distinct 户号 of the public-security register:
# the register lags moves by weeks, so small communities get an absolute allowance.
HOUSEHOLDS_RELATIVE_TOLERANCE = 0.10
HOUSEHOLDS_ABSOLUTE_TOLERANCE = 5
# Enrolments paid by an employer: the schemes an employer code belongs on.
EMPLOYEE_SCHEMES = ("城镇职工养老", "职工医疗", "失业", "工伤")
ACTIVE_ENROLMENT = "参保缴费"
# GB 32100: the first character is the registering authority, 5 for civil affairs (which registers
# residents' committees); characters 3–8 are the registering county.
CIVIL_AFFAIRS_AUTHORITY = "5"


def _expect(
    kind: str, severity: Severity, notes: str, meta: dict[str, Any] | None = None, **kwargs: Any
) -> "Expectation":
    expectation_class = getattr(import_gx().expectations, kind)
    return expectation_class(
        **kwargs,
        severity=GX_SEVERITY[severity],
        meta={"severity": severity, "notes": notes, **(meta or {})},
    )


# Groups are non-capturing, so a pattern means the same to DuckDB's RE2 and to Python's re.
def _joined_pattern(body: str, separator: str) -> str:
    """A regex for one or more `body` items joined by `separator`."""
    sep = re.escape(separator)
    return f"^{body}(?:{sep}{body})*$"


def _one_of(values: Sequence[str]) -> str:
    return "(?:" + "|".join(re.escape(v) for v in values) + ")"


def _stored_name(column: Column) -> str:
    """The raw.<table> column that stands for a contract column (a resident ID is kept as its pseudonym)."""
    return column.storage_columns()[0][0]


def _table_shape(table: Table) -> Iterator["Expectation"]:
    yield _expect(
        "ExpectTableColumnsToMatchSet",
        ERROR,
        f"raw.{table.name} must hold exactly the contract's storage columns (lineage, canonical columns, "
        "ID pseudonyms and their derived attributes); any other set means ingestion and the contract "
        "have drifted apart, and names and phones must never be among them.",
        column_set=[name for name, _ in table.storage_columns()],
        exact_match=True,
    )
    # A quiet month may have no events at all; a sudden empty one is caught against the previous month.
    if table.kind != "events":
        yield _expect(
            "ExpectTableRowCountToBeBetween",
            ERROR,
            "A loaded partition without current rows means the load lost them or the ledger marks an empty "
            "file as current; indicators built on it would silently drop the whole table for the period.",
            min_value=1,
        )
    for lineage in ("file_id", "line_number"):
        yield _expect(
            "ExpectColumnValuesToNotBeNull",
            ERROR,
            "Every stored row must point back to its file and line, or an auditor cannot trace it.",
            column=lineage,
        )
    yield _expect(
        "ExpectCompoundColumnsToBeUnique",
        ERROR,
        "A line of a delivered file must be stored once; a second copy would be counted twice.",
        column_list=["file_id", "line_number"],
    )


def _key(table: Table) -> Iterator["Expectation"]:
    columns = [_stored_name(table.column(name)) for name in table.key]
    pseudonyms = [
        f"{_stored_name(c)} stands for {c.name}" for c in map(table.column, table.key) if c.is_resident_id
    ]
    notes = (
        f"{' + '.join(table.key)} identifies one {table.title_zh} record per period; a duplicate would be "
        "counted twice in every indicator." + (f" ({'; '.join(pseudonyms)}.)" if pseudonyms else "")
    )
    if len(columns) == 1:
        yield _expect("ExpectColumnValuesToBeUnique", ERROR, notes, column=columns[0])
    else:
        yield _expect("ExpectCompoundColumnsToBeUnique", ERROR, notes, column_list=columns)


# Business keys that the record number alone does not protect: rows that each pass ingestion and
# whose numbers differ, yet describe the same thing twice.
NATURAL_KEYS: dict[str, tuple[tuple[str, ...], str]] = {
    "ca_assistance": (
        ("head_id_number", "assistance_type"),
        "A household head holds at most one case of each assistance type: the same household under a "
        "second case number is the same benefit paid twice (重复救助), and every count of households "
        "on assistance would include it twice.",
    ),
}


def _natural_key(table: Table) -> Iterator["Expectation"]:
    if table.name not in NATURAL_KEYS:
        return
    names, notes = NATURAL_KEYS[table.name]
    yield _expect(
        "ExpectCompoundColumnsToBeUnique",
        ERROR,
        notes,
        column_list=[_stored_name(table.column(name)) for name in names],
        ignore_row_if="any_value_is_missing",
    )


def _presence(table: Table, column: Column) -> Iterator["Expectation"]:
    stored = _stored_name(column)
    import_gx()
    from great_expectations.expectations.row_conditions import Column as ConditionColumn

    if not column.nullable and not column.required_when:
        severity: Severity
        if column.name in table.key:
            severity = ERROR
            notes = f"{column.header} is part of the key: a record without it cannot be identified."
        elif column.type in JOIN_CODE_TYPES:
            severity = ERROR
            notes = (
                f"{column.header} places the record in the division tree: without it every area "
                "indicator loses the row."
            )
        else:
            severity = WARNING
            notes = (
                f"The contract requires {column.header}; ingestion rejects rows without it, so an empty "
                "value here means a row slipped through."
            )
        yield _expect("ExpectColumnValuesToNotBeNull", severity, notes, column=stored)
    for other, values in column.required_when.items():
        yield _expect(
            "ExpectColumnValuesToNotBeNull",
            WARNING,
            f"{column.header} is required when {table.column(other).header} is {'/'.join(values)}.",
            column=stored,
            row_condition=ConditionColumn(other).is_in(list(values)),
        )
    for other, values in column.empty_when.items():
        yield _expect(
            "ExpectColumnValuesToBeNull",
            WARNING,
            f"{column.header} must be empty when {table.column(other).header} is {'/'.join(values)}.",
            column=stored,
            row_condition=ConditionColumn(other).is_in(list(values)),
        )


def _resident_id(column: Column) -> Iterator["Expectation"]:
    stored = {suffix: name for (suffix, _), (name, _) in zip(ID_DERIVED_COLUMNS, column.storage_columns())}
    yield _expect(
        "ExpectColumnValuesToMatchRegex",
        ERROR,
        f"{stored['pid']} must be a {PID_HEX_CHARS}-character lower-case hex HMAC pseudonym of "
        f"{column.header}; anything else is a clear or mangled ID (a privacy breach) or a broken "
        "pseudonymisation step, and would not link across departments.",
        column=stored["pid"],
        regex=PID_PATTERN,
    )
    yield _expect(
        "ExpectColumnValuesToBeBetween",
        WARNING,
        f"Birth year taken from {column.header}: not after the period's year (future birth dates are "
        f"rejected) and not before {BIRTH_YEAR_FLOOR}.",
        column=stored["birth_year"],
        min_value=BIRTH_YEAR_FLOOR,
        max_value={"$PARAMETER": PERIOD_YEAR},
    )
    yield _expect(
        "ExpectColumnValuesToBeBetween",
        WARNING,
        f"Birth month taken from {column.header}: a calendar month.",
        column=stored["birth_month"],
        min_value=1,
        max_value=12,
    )
    yield _expect(
        "ExpectColumnValuesToBeInSet",
        WARNING,
        f"Sex taken from the parity of the 17th character of {column.header}, in the words of 性别.",
        column=stored["sex"],
        value_set=list(SEXES),
    )
    yield _expect(
        "ExpectColumnValuesToMatchRegex",
        WARNING,
        f"Address code: the first six digits of {column.header} (county of household registration).",
        column=stored["area_code"],
        regex=AREA_CODE_PATTERN,
    )


def _code(table: Table, column: Column) -> "Expectation":
    body = CODE_BODIES[column.type]
    joins = column.type in JOIN_CODE_TYPES
    several = f" (several joined by '{column.multi}')" if column.multi else ""
    consequence = (
        "a malformed code cannot join the division master, so every indicator would lose the row."
        if joins
        else "a malformed code cannot identify the organisation."
    )
    return _expect(
        "ExpectColumnValuesToMatchRegex",
        ERROR if joins or column.name in table.key else WARNING,
        f"{column.header} must be a well-formed code{several}; {consequence}",
        column=column.name,
        regex=_joined_pattern(body, column.multi) if column.multi else f"^{body}$",
    )


def _range(column: Column) -> "Expectation":
    bounds = []
    if column.min is not None:
        bounds.append(f"at least {column.min:g}")
    if column.max is not None:
        bounds.append(f"at most {column.max:g}")
    return _expect(
        "ExpectColumnValuesToBeBetween",
        WARNING,
        f"{column.header} is {' and '.join(bounds)} per the contract; ingestion rejects values outside.",
        column=column.name,
        min_value=column.min,
        max_value=column.max,
    )


def _date(column: Column) -> "Expectation":
    floor = f"{column.header} is not before {DATE_FLOOR.year}"
    if column.in_period:
        notes = (
            f"{floor} and not after the end of the period month: it dates an event of that month, or an "
            "earlier event re-sent because its status changed."
        )
    elif column.not_after_period_end:
        notes = (
            f"{floor} and not after the end of the period month: an extract as at the month end cannot hold "
            "later dates."
        )
    else:
        notes = f"{floor}."
    return _expect(
        "ExpectColumnValuesToBeBetween",
        WARNING,
        notes,
        column=column.name,
        min_value=DATE_FLOOR.isoformat(),
        max_value={"$PARAMETER": PERIOD_END} if column.in_period or column.not_after_period_end else None,
    )


def _values(table: Table, column: Column) -> Iterator["Expectation"]:
    if column.is_resident_id:
        yield from _resident_id(column)
    elif column.type in CODE_BODIES:
        yield _code(table, column)
    elif column.type == "enum" and column.multi:
        yield _expect(
            "ExpectColumnValuesToMatchRegex",
            WARNING,
            f"{column.header} holds one or more of the contract's values joined by '{column.multi}' "
            f"(for example {column.multi.join(column.values[:2])}); ingestion rejects anything else.",
            column=column.name,
            regex=_joined_pattern(_one_of(column.values), column.multi),
        )
    elif column.type == "enum":
        yield _expect(
            "ExpectColumnValuesToBeInSet",
            WARNING,
            f"{column.header} takes one of the contract's values; ingestion rejects others, so an unknown "
            "value means ingestion and the contract disagree.",
            column=column.name,
            value_set=list(column.values),
        )
    elif column.type == "list":
        yield _expect(
            "ExpectColumnValuesToMatchRegex",
            WARNING,
            f"{column.header} lists the contract's values joined by ';' (an empty list is stored as no "
            "value).",
            column=column.name,
            regex=_joined_pattern(_one_of(column.values), ";"),
        )
    elif column.type in ("int", "decimal") and (column.min is not None or column.max is not None):
        yield _range(column)
    elif column.type == "date":
        yield _date(column)


def _row_checks(table: Table) -> Iterator["Expectation"]:
    for check in table.checks:
        if check.kind == "sex_matches_id":
            continue
        if check.other is None:
            raise ValueError(f"{table.name}: check {check.kind} on {check.column} names no other column")
        column, other = table.column(check.column), table.column(check.other)
        if check.kind == "not_greater":
            larger, smaller, rule = other, column, f"{column.header} may not exceed {other.header}"
        elif check.kind == "not_before":
            larger, smaller, rule = column, other, f"{column.header} may not be before {other.header}"
        else:
            raise ValueError(f"{table.name}: no expectation for contract check kind {check.kind!r}")
        yield _expect(
            "ExpectColumnPairValuesAToBeGreaterThanB",
            WARNING,
            f"{rule}; ingestion rejects rows that break it, so a failure means one slipped through.",
            column_A=larger.name,
            column_B=smaller.name,
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        )


def _row_count_change(table: Table) -> "Expectation":
    events = table.kind == "events"
    policy = ROW_COUNT_CHANGE_OVERRIDES.get(
        table.name, EVENTS_ROW_COUNT_CHANGE if events else SNAPSHOT_ROW_COUNT_CHANGE
    )
    allowed = (
        f"Between {policy.min_ratio:.0%} and {policy.max_ratio:.0%}"
        if policy.max_ratio is not None
        else f"At least {policy.min_ratio:.0%}"
    )
    noise = (
        f" (or {policy.noise_sigmas:g} standard deviations of a random count, where that is wider)"
        if policy.noise_sigmas
        else ""
    )
    if events:
        meaning = (
            "events follow the month's activity, so a swing beyond that is recorded for the auditor, not blocked"
        )
    elif policy.max_ratio is None:
        meaning = "the table only grows, so fewer rows mean a truncated or halved extract"
    else:
        meaning = (
            "a snapshot holds the whole population, so anything else is a truncated, halved or duplicated "
            "extract, not a change in the city"
        )
    return _expect(
        "ExpectTableRowCountToBeBetween",
        WARNING if events else ERROR,
        f"{allowed} of the rows of the previous current delivery of {table.name}{noise}; {meaning}. "
        "The first delivery has nothing to compare with and passes.",
        meta={CHECK_KEY: "vs_previous_delivery", ROW_COUNT_CHANGE_KEY: policy.as_meta()},
        min_value={"$PARAMETER": PREVIOUS_ROWS_MIN},
        max_value={"$PARAMETER": PREVIOUS_ROWS_MAX},
    )


def _sql_list(values: Sequence[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _latest_delivery(contract: Contract, table: str, columns: Sequence[str]) -> str:
    """SQL for `columns` of the current rows of `table` in its latest delivery up to the batch's period."""
    stored = {name for name, _ in contract.tables[table].storage_columns()}
    missing = [c for c in columns if c not in stored]
    if missing:
        raise ValueError(f"raw.{table} has no column {', '.join(missing)} for a reconciliation to read")
    statuses = _sql_list(CURRENT_STATUSES)
    return (
        f"select {', '.join(f'r.{c}' for c in columns)}\n"
        f"    from raw.{table} r\n"
        "    join audit.load_ledger l on l.file_id = r.file_id\n"
        f"    where l.status in ({statuses})\n"
        "      and l.period = (\n"
        "          select max(period) from audit.load_ledger\n"
        f"          where table_name = '{table}' and status in ({statuses})\n"
        "            and period <= (select max(period) from {batch}))"
    )


def _require_values(table: Table, column: str, values: Sequence[str]) -> None:
    unknown = set(values) - set(table.column(column).values)
    if unknown:
        raise ValueError(f"{table.name}.{column} has no value {', '.join(sorted(unknown))} any more")


def _reconcile(check: str, notes: str, query: str) -> "Expectation":
    return _expect(
        "UnexpectedRowsExpectation", WARNING, notes, meta={CHECK_KEY: check}, unexpected_rows_query=query
    )


def _households_vs_ps_register(contract: Contract) -> "Expectation":
    register = _latest_delivery(contract, "ps_resident", ["community_code", "household_no"])
    return _reconcile(
        "households_vs_ps_register",
        "Households reported by civil affairs (户数) per community agree with the public-security register "
        "(distinct 户号 in its latest delivery up to this period) within "
        f"{HOUSEHOLDS_RELATIVE_TOLERANCE:.0%} or {HOUSEHOLDS_ABSOLUTE_TOLERANCE} households, whichever is "
        "more; a community the register does not know counts as 0. A disagreement is the CA-vs-PS gap the "
        "reports discuss as a data-sharing problem.",
        f"with ps_register as (\n    {register}\n),\n"
        "ps_households as (\n"
        "    select community_code, count(distinct household_no) as households\n"
        "    from ps_register\n"
        "    group by community_code\n"
        ")\n"
        "select b.file_id, b.line_number, b.community_code, b.households_reported,\n"
        "    coalesce(p.households, 0) as ps_households\n"
        "from {batch} b\n"
        "left join ps_households p on p.community_code = b.community_code\n"
        "where exists (select 1 from ps_register)\n"
        "  and abs(b.households_reported - coalesce(p.households, 0))\n"
        f"      > greatest({HOUSEHOLDS_ABSOLUTE_TOLERANCE}, "
        f"{HOUSEHOLDS_RELATIVE_TOLERANCE} * coalesce(p.households, 0))",
    )


def _workers_in_resident_register(contract: Contract) -> "Expectation":
    register = _latest_delivery(contract, "ps_resident", ["person_pid"])
    return _reconcile(
        "workers_in_ps_register",
        "Every community worker is in the public-security resident register (its latest delivery up to "
        "this period), matched on the ID pseudonym; a worker the register does not know is a gap in one "
        "of the two departments' records.",
        f"with ps_register as (\n    {register}\n)\n"
        "select b.file_id, b.line_number, b.community_code\n"
        "from {batch} b\n"
        "left join ps_register p on p.person_pid = b.person_pid\n"
        "where p.person_pid is null and b.person_pid is not null\n"
        "  and exists (select 1 from ps_register)",
    )


def _worker_employers_are_committees(contract: Contract) -> "Expectation":
    insurance = contract.tables["ss_insurance"]
    _require_values(insurance, "insurance_type", EMPLOYEE_SCHEMES)
    _require_values(insurance, "status", [ACTIVE_ENROLMENT])
    roster = _latest_delivery(contract, "ca_worker", ["person_pid", "community_code"])
    return _reconcile(
        "worker_employers_are_committees",
        "An active employee-scheme enrolment of a community worker (on the civil-affairs roster's latest "
        "delivery up to this period) is paid by a residents' committee: an employer code registered by "
        "civil affairs (authority 5) in the district of one of the worker's communities. Another employer "
        "(a street office, a company, none) means the roster and the enrolment register disagree about "
        "who employs the worker.",
        f"with roster as (\n    {roster}\n)\n"
        "select b.file_id, b.line_number, b.insurance_type, b.employer_uscc\n"
        "from {batch} b\n"
        "join (select distinct person_pid from roster) w on w.person_pid = b.person_pid\n"
        f"where b.status = '{ACTIVE_ENROLMENT}'\n"
        f"  and b.insurance_type in ({_sql_list(EMPLOYEE_SCHEMES)})\n"
        "  and not exists (\n"
        "      select 1 from roster r\n"
        "      where r.person_pid = b.person_pid\n"
        f"        and b.employer_uscc like '{CIVIL_AFFAIRS_AUTHORITY}%'\n"
        "        and substr(b.employer_uscc, 3, 6) = left(r.community_code, 6))",
    )


# The suite that holds each reconciliation is the one whose rows it lists.
RECONCILIATIONS: dict[str, tuple[Callable[[Contract], "Expectation"], ...]] = {
    "ca_community": (_households_vs_ps_register,),
    "ca_worker": (_workers_in_resident_register,),
    "ss_insurance": (_worker_employers_are_committees,),
}


def build_suite(table: Table, contract: Contract) -> "ExpectationSuite":
    department = contract.departments[table.department]["name_zh"]
    expectations = [
        *_table_shape(table),
        *_key(table),
        *_natural_key(table),
        *(
            expectation
            for column in table.columns
            if not column.is_pii_dropped
            for expectation in (*_presence(table, column), *_values(table, column))
        ),
        *_row_checks(table),
        _row_count_change(table),
        *(reconciliation(contract) for reconciliation in RECONCILIATIONS.get(table.name, ())),
    ]
    reconciled = " and reconciliation with the other departments" if table.name in RECONCILIATIONS else ""
    return import_gx().ExpectationSuite(
        name=table.name,
        expectations=expectations,
        notes=(
            f"{table.title_zh} ({table.name}, {department}): columns, keys, required values, value sets, "
            f"ranges and code formats from extract contract v{contract.version}, row count against the "
            f"previous delivery{reconciled}, checked on the current rows of one period."
        ),
    )


def suite_document(table: Table, contract: Contract) -> dict[str, Any]:
    """The suite as GX serialises it: what expectations/<table>.json holds."""
    return build_suite(table, contract).to_json_dict()


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def write_suites(directory: Path = EXPECTATIONS_DIR, contract: Contract | None = None) -> list[Path]:
    contract = contract or load_contract()
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for table in contract.tables.values():
        path = suite_path(table.name, directory)
        path.write_text(render(suite_document(table, contract)), encoding="utf-8")
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=EXPECTATIONS_DIR, help="directory for the suite files")
    args = parser.parse_args(argv)
    for path in write_suites(args.out):
        print(path)


if __name__ == "__main__":
    main()
