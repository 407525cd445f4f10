"""Writes one GX expectation suite per contract table to expectations/<table>.json.

    python -m dagster_project.quality.suite_builder

The suites are derived from sources/contract.yaml and then reviewed and committed like code. A test
rebuilds them and compares with the committed files, so a contract change cannot leave a suite behind.

Severity policy: what would make downstream numbers wrong without anyone noticing (schema drift, an
empty partition, duplicate or missing keys, malformed join codes, a pseudonym that is not one) is an
error and blocks the models. Value sets, ranges, dates and conditional requirements are warnings:
ingestion already rejects such rows, so a failure here points at a defect to investigate, not at data
that must be held back.

The contract's `sex_matches_id` check is deliberately absent: a mismatch is legitimate (sex can change
while the ID stays), and ingestion already records each one in audit.row_warnings.
"""

import argparse
import json
import re
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dagster_project.lib.contract import ID_DERIVED_COLUMNS, Column, Contract, Table, load_contract
from dagster_project.lib.paths import EXPECTATIONS_DIR
from dagster_project.lib.pseudonym import PID_HEX_CHARS
from dagster_project.quality.gx_compat import date_bound_literal, import_gx
from dagster_project.quality.suites import (
    ERROR,
    GX_SEVERITY,
    PERIOD_END,
    PERIOD_START,
    PERIOD_YEAR,
    WARNING,
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


def _expect(kind: str, severity: Severity, notes: str, **kwargs: Any) -> "Expectation":
    expectation_class = getattr(import_gx().expectations, kind)
    return expectation_class(
        **kwargs, severity=GX_SEVERITY[severity], meta={"severity": severity, "notes": notes}
    )


# Groups are non-capturing: GX matches with pandas' str.contains, which warns about capturing groups.
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
    if column.in_period:
        return _expect(
            "ExpectColumnValuesToBeBetween",
            WARNING,
            f"{column.header} dates an event, which belongs to the period month it was delivered for.",
            column=column.name,
            min_value={"$PARAMETER": PERIOD_START},
            max_value={"$PARAMETER": PERIOD_END},
        )
    floor = f"{column.header} is not before {DATE_FLOOR.year}"
    return _expect(
        "ExpectColumnValuesToBeBetween",
        WARNING,
        (
            f"{floor} and not after the end of the period month: an extract as at the month end "
            "cannot hold later dates."
            if column.not_after_period_end
            else f"{floor}."
        ),
        column=column.name,
        min_value=date_bound_literal(DATE_FLOOR),
        max_value={"$PARAMETER": PERIOD_END} if column.not_after_period_end else None,
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


def build_suite(table: Table, contract: Contract) -> "ExpectationSuite":
    department = contract.departments[table.department]["name_zh"]
    expectations = [
        *_table_shape(table),
        *_key(table),
        *(
            expectation
            for column in table.columns
            if not column.is_pii_dropped
            for expectation in (*_presence(table, column), *_values(table, column))
        ),
        *_row_checks(table),
    ]
    return import_gx().ExpectationSuite(
        name=table.name,
        expectations=expectations,
        notes=(
            f"{table.title_zh} ({table.name}, {department}): columns, keys, required values, value sets, "
            f"ranges and code formats from extract contract v{contract.version}, checked on the current "
            "rows of one period."
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
