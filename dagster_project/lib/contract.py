"""The departmental extract contract (sources/contract.yaml) as typed objects.

Every stage reads the contract through this module: parsing and validation rules, the layout of the
warehouse's raw tables, the dbt sources and the generator all derive from the same definitions.
"""

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dagster_project.lib.paths import PROJECT_ROOT

CONTRACT_PATH = PROJECT_ROOT / "sources" / "contract.yaml"

PII_DROPPED_TYPES = frozenset({"name", "phone"})

# DuckDB types of the canonical (non-PII) columns as stored in raw.<table>.
_STORAGE_TYPES = {
    "text": "varchar",
    "uscc": "varchar",
    "division": "varchar",
    "district": "varchar",
    "enum": "varchar",
    "list": "varchar",
    "int": "bigint",
    "decimal": "double",
    "date": "date",
    "bool": "boolean",
}

# Attributes kept from a resident ID after pseudonymisation, with their storage types.
ID_DERIVED_COLUMNS = (
    ("pid", "varchar"),
    ("birth_year", "integer"),
    ("birth_month", "integer"),
    ("sex", "varchar"),
    ("area_code", "varchar"),
)

# Lineage columns every raw table starts with.
LINEAGE_COLUMNS = (
    ("file_id", "varchar"),
    ("period", "varchar"),
    ("line_number", "integer"),
)


@dataclass(frozen=True)
class Column:
    header: str
    name: str
    type: str
    nullable: bool = False
    values: tuple[str, ...] = ()
    multi: str | None = None
    separator: str | None = None
    synonyms: dict[str, str] = field(default_factory=dict)
    min: float | None = None
    max: float | None = None
    references: str | None = None
    level: str | None = None
    pseudonym: str | None = None
    required_when: dict[str, tuple[str, ...]] = field(default_factory=dict)
    empty_when: dict[str, tuple[str, ...]] = field(default_factory=dict)
    not_after_period_end: bool = False
    in_period: bool = False

    @property
    def is_pii_dropped(self) -> bool:
        return self.type in PII_DROPPED_TYPES

    @property
    def is_resident_id(self) -> bool:
        return self.type == "resident_id"

    def storage_columns(self) -> list[tuple[str, str]]:
        """(name, DuckDB type) of what this column becomes in raw.<table>."""
        if self.is_pii_dropped:
            return []
        if self.is_resident_id:
            prefix = self.pseudonym or self.name
            return [(f"{prefix}_{suffix}", sql_type) for suffix, sql_type in ID_DERIVED_COLUMNS]
        return [(self.name, _STORAGE_TYPES[self.type])]


@dataclass(frozen=True)
class Check:
    kind: str
    column: str
    other: str | None = None
    id_column: str | None = None
    severity: str = "reject"


@dataclass(frozen=True)
class Table:
    name: str
    department: str
    title_zh: str
    cadence: str  # monthly | quarterly
    kind: str  # snapshot | events
    formats: tuple[str, ...]
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    checks: tuple[Check, ...] = ()

    @functools.cached_property
    def headers(self) -> dict[str, Column]:
        return {c.header: c for c in self.columns}

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name}")

    def storage_columns(self) -> list[tuple[str, str]]:
        """The columns of raw.<table>, in order: lineage, then each canonical column's storage."""
        cols = list(LINEAGE_COLUMNS)
        for c in self.columns:
            cols.extend(c.storage_columns())
        return cols

    def create_table_sql(self, schema: str = "raw") -> str:
        body = ",\n    ".join(f"{n} {t}" for n, t in self.storage_columns())
        return f"create table if not exists {schema}.{self.name} (\n    {body}\n)"

    def delivered_in(self, month: int) -> bool:
        return self.cadence == "monthly" or month in (3, 6, 9, 12)


@dataclass(frozen=True)
class Settings:
    max_reject_share: float
    null_tokens: frozenset[str]
    masked_patterns: tuple[re.Pattern[str], ...]
    totals_tokens: tuple[str, ...]
    date_formats: tuple[str, ...]
    header_search_rows: int
    manifest_name: str
    manifest_columns: dict[str, str]


@dataclass(frozen=True)
class Contract:
    version: int
    departments: dict[str, dict[str, str]]
    settings: Settings
    tables: dict[str, Table]

    def tables_of(self, department: str) -> list[Table]:
        return [t for t in self.tables.values() if t.department == department]


def _column(raw: dict[str, Any]) -> Column:
    data = dict(raw)
    for key in ("required_when", "empty_when"):
        if key in data:
            data[key] = {k: tuple(str(x) for x in v) for k, v in data[key].items()}
    if "values" in data:
        data["values"] = tuple(str(v) for v in data["values"])
    return Column(**data)


def _table(name: str, raw: dict[str, Any]) -> Table:
    return Table(
        name=name,
        department=raw["department"],
        title_zh=raw["title_zh"],
        cadence=raw["cadence"],
        kind=raw["kind"],
        formats=tuple(raw["formats"]),
        key=tuple(raw["key"]),
        columns=tuple(_column(c) for c in raw["columns"]),
        checks=tuple(Check(**c) for c in raw.get("checks", [])),
    )


def parse_contract(text: str) -> Contract:
    raw = yaml.safe_load(text)
    s = raw["settings"]
    settings = Settings(
        max_reject_share=float(s["max_reject_share"]),
        null_tokens=frozenset(s["null_tokens"]),
        masked_patterns=tuple(re.compile(p) for p in s["masked_patterns"]),
        totals_tokens=tuple(s["totals_tokens"]),
        date_formats=tuple(s["date_formats"]),
        header_search_rows=int(s["header_search_rows"]),
        manifest_name=s["manifest_name"],
        manifest_columns=dict(s["manifest_columns"]),
    )
    tables = {name: _table(name, t) for name, t in raw["tables"].items()}
    return Contract(
        version=int(raw["version"]),
        departments=raw["departments"],
        settings=settings,
        tables=tables,
    )


@functools.cache
def load_contract(path: Path = CONTRACT_PATH) -> Contract:
    return parse_contract(path.read_text(encoding="utf-8"))
