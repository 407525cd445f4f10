"""Synthetic departmental extracts for one invented city, written into an inbox per the contract.

Same arguments, same bytes: every random choice comes from a generator seeded by the seed and the
table, period or community it concerns, and nothing depends on the clock or on iteration of sets.
"""

import random
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from dagster_project.lib.contract import load_contract
from sources.generator.city import SCALES, City, Window, build_city, period_end
from sources.generator.formats import CsvSink
from sources.generator.population import CommunityPopulation
from sources.generator.writers import CITY_WRITERS, COMMUNITY_WRITERS, Extract

__all__ = ["SCALES", "GenerationSummary", "generate"]

WRITERS = CITY_WRITERS | COMMUNITY_WRITERS


@dataclass
class GenerationSummary:
    files: list[Path] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    communities: int = 0
    # Persons in the last ps_resident snapshot written (None when that table was not generated).
    residents: int | None = None


def _selected_tables(tables: Iterable[str] | None) -> list[str]:
    contract_tables = load_contract().tables
    wanted = list(WRITERS) if tables is None else list(dict.fromkeys(tables))
    unknown = [t for t in wanted if t not in contract_tables]
    if unknown:
        raise ValueError(f"not contract tables: {', '.join(unknown)}")
    missing = [t for t in wanted if t not in WRITERS]
    if missing:
        raise ValueError(f"no generator for: {', '.join(missing)}")
    # Registry order, so the output does not depend on how the caller ordered the names.
    return [t for t in WRITERS if t in wanted]


def _write_period(
    inbox: Path, city: City, period: str, names: list[str], summary: GenerationSummary
) -> None:
    contract = load_contract()
    with ExitStack() as stack:
        sinks: dict[str, CsvSink] = {}
        extracts: dict[str, Extract] = {}
        for name in names:
            table = contract.tables[name]
            path = inbox / table.department / period / f"{name}.csv"
            sinks[name] = stack.enter_context(CsvSink(path, table))
            rng = random.Random(f"{city.seed}/{name}/{period}")
            extracts[name] = Extract(city, table.department, period, period_end(period), rng)
            summary.files.append(path)
        for name in names:
            if name in CITY_WRITERS:
                sinks[name].write(CITY_WRITERS[name](extracts[name]))
        by_community = [name for name in names if name in COMMUNITY_WRITERS]
        for community in city.communities:
            # Derived lazily, once, for all of the period's tables that need it.
            population = CommunityPopulation(city, community)
            for name in by_community:
                sinks[name].write(COMMUNITY_WRITERS[name](extracts[name], population))
    for name, sink in sinks.items():
        summary.rows[name] += sink.rows
        if name == "ps_resident":
            summary.residents = sink.rows


def generate(
    inbox: Path,
    scale: str = "tiny",
    start: str = "2025-01",
    months: int = 12,
    seed: int = 20251,
    tables: Iterable[str] | None = None,
) -> GenerationSummary:
    """Write ``<inbox>/<department>/<YYYY-MM>/<table>.csv`` for each month and table due then."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; known: {', '.join(SCALES)}")
    names = _selected_tables(tables)
    tables_of = load_contract().tables
    city = build_city(SCALES[scale], seed, Window.of(start, months))
    summary = GenerationSummary(rows={name: 0 for name in names}, communities=len(city.communities))
    for period in city.window.periods:
        month = int(period[5:])
        due = [name for name in names if tables_of[name].delivered_in(month)]
        _write_period(Path(inbox), city, period, due, summary)
    return summary
