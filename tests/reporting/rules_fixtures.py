"""More indicators on top of report_fixtures' snapshot, so that the findings rules have something to judge.

Each indicator has per-community (numerator, denominator) pairs for 2024 and 2023; districts and the
city sum both, as the marts do, and value = scale × numerator ÷ denominator. Cells resting on 1–9
persons are withheld the way the marts withhold them. Definitions (names, units, directions, what the
numerator and denominator count) come from the project's seed, so the rules meet the real catalogue.

What the figures are built to show (2024, city 云川市 unless said):
  B06  households per worker 354.7 (28020/79), within the 400 standard, but 3 of the 7 published
       communities above it (望江 442.9, 竹园 442.0, 江滨 437.5); 新村社区 withheld (1 worker) → R01 on breadth
  B16  certificate rate 41.8% (33/79), up from 39.5% (30/76)                       → R05 fires
  B25  worker pension coverage 100% (79/79)                                       → R23 achievement
  C10  communities with 300 m² 62.5% (5/8) against 100%                           → R08 fires
  E01  5.1 organisations per community (41/8) against the 2020 target of 10       → R11 fires
  I04  mediation success 96.9% (188/194), up from 92.3% (169/183)                 → R20 achievement
  I06  138 cases, up from 122                                                     → R18 fires
  J12  medical insurance 96.2% of adults                                          → part of R27
"""

import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb
from report_fixtures import CITY, COMMUNITIES, DISTRICTS, THRESHOLD, counts_for

SEEDS = Path(__file__).resolve().parents[2] / "dbt" / "seeds"

COMMUNITY_CODES = list(COMMUNITIES)


@dataclass(frozen=True)
class Series:
    """Per-community (numerator, denominator) by year; denominator None for a count."""

    person_based: bool
    by_year: dict[str, dict[str, tuple[float, float | None]]]


def _pairs(values_2024, values_2023) -> dict[str, dict[str, tuple[float, float | None]]]:
    return {
        "2024": dict(zip(COMMUNITY_CODES, values_2024, strict=True)),
        "2023": dict(zip(COMMUNITY_CODES, values_2023, strict=True)),
    }


def _adults(year: str) -> list[int]:
    return [counts_for(year, base).adults for _, _, base in COMMUNITIES.values()]


EXTRA_SERIES: dict[str, Series] = {
    "B06": Series(True, _pairs(
        [(5250, 12), (6200, 14), (3960, 12), (3300, 10), (4420, 10), (2860, 10), (1960, 10), (70, 1)],
        [(5100, 12), (6100, 14), (3900, 12), (3250, 10), (4300, 10), (2800, 10), (1900, 10), (70, 1)],
    )),
    "B16": Series(True, _pairs(
        [(4, 12), (6, 14), (5, 12), (6, 10), (3, 10), (5, 10), (4, 10), (0, 1)],
        [(4, 12), (5, 13), (5, 12), (5, 10), (3, 10), (4, 9), (4, 9), (0, 1)],
    )),
    "B25": Series(True, _pairs(
        [(12, 12), (14, 14), (12, 12), (10, 10), (10, 10), (10, 10), (10, 10), (1, 1)],
        [(12, 12), (13, 13), (11, 12), (10, 10), (10, 10), (9, 9), (8, 9), (1, 1)],
    )),
    "C10": Series(False, _pairs(
        [(1, 1), (1, 1), (0, 1), (1, 1), (1, 1), (0, 1), (1, 1), (0, 1)],
        [(1, 1), (1, 1), (0, 1), (1, 1), (0, 1), (0, 1), (1, 1), (0, 1)],
    )),
    "E01": Series(False, _pairs(
        [(8, 1), (12, 1), (5, 1), (2, 1), (6, 1), (3, 1), (4, 1), (1, 1)],
        [(7, 1), (11, 1), (5, 1), (2, 1), (5, 1), (3, 1), (3, 1), (1, 1)],
    )),
    "I04": Series(True, _pairs(
        [(38, 40), (50, 52), (29, 30), (20, 20), (24, 25), (15, 15), (12, 12), (0, 0)],
        [(34, 38), (45, 50), (27, 29), (18, 19), (21, 22), (14, 14), (10, 11), (0, 0)],
    )),
    "I06": Series(True, _pairs(
        [(30, None), (42, None), (18, None), (12, None), (15, None), (11, None), (10, None), (0, None)],
        [(25, None), (35, None), (16, None), (12, None), (14, None), (10, None), (10, None), (0, None)],
    )),
    "J12": Series(True, _pairs(
        [(round(a * 0.962), a) for a in _adults("2024")],
        [(round(a * 0.95), a) for a in _adults("2023")],
    )),
}


def _definitions() -> dict[str, dict[str, str]]:
    with (SEEDS / "indicator_definitions.csv").open(encoding="utf-8") as f:
        indicators = {row["indicator_code"]: row for row in csv.DictReader(f)}
    with (SEEDS / "measure_definitions.csv").open(encoding="utf-8") as f:
        measures = {row["measure_code"]: row["name_zh"] for row in csv.DictReader(f)}
    for row in indicators.values():
        row["numerator_name_zh"] = measures[row["numerator_measure"]]
        row["denominator_name_zh"] = measures.get(row["denominator_measure"] or "", None)
    return indicators


def area_pair(code: str, area: str, year: str) -> tuple[float, float | None] | None:
    """Summed (numerator, denominator) of the communities in `area`; None when none has a row."""
    if area == CITY[0]:
        members = COMMUNITY_CODES
    elif area in DISTRICTS:
        members = [c for c, (d, _, _) in COMMUNITIES.items() if d == area]
    else:
        members = [area]
    pairs = [EXTRA_SERIES[code].by_year[year][m] for m in members]
    numerator = sum(p[0] for p in pairs)
    if pairs[0][1] is None:
        return numerator, None
    denominator = sum(p[1] for p in pairs)
    return (numerator, denominator) if denominator else None


def _suppressed(series: Series, numerator: float, denominator: float | None) -> bool:
    if not series.person_based:
        return False
    counts = [numerator] if denominator is None else [numerator, denominator]
    return any(0 < c < THRESHOLD for c in counts)


def extra_rows() -> list[tuple]:
    definitions = _definitions()
    areas = [(CITY[0], "city"), *((d, "district") for d in DISTRICTS), *((c, "community") for c in COMMUNITIES)]
    rows = []
    for code, series in EXTRA_SERIES.items():
        unit = definitions[code]["unit"]
        scale = float(definitions[code]["scale"])
        for year in ("2023", "2024"):
            for area, level in areas:
                pair = area_pair(code, area, year)
                if pair is None:
                    continue
                numerator, denominator = pair
                if _suppressed(series, numerator, denominator):
                    rows.append((code, area, level, year, None, None, None, unit, True))
                elif denominator is None:
                    rows.append((code, area, level, year, float(numerator), float(numerator), None, unit, False))
                else:
                    rows.append((code, area, level, year, scale * numerator / denominator, float(numerator),
                                 float(denominator), unit, False))
    return rows


def add_rule_indicators(path: Path) -> Path:
    """Add the EXTRA_SERIES indicators (definitions and values) to a snapshot from build_snapshot."""
    definitions = _definitions()
    con = duckdb.connect(str(path))
    try:
        for code in EXTRA_SERIES:
            d = definitions[code]
            con.execute(
                "insert into marts.dim_indicator values (?, ?, ?, ?, ?, null, null, ?, ?)",
                [code, d["name_zh"], d["unit"], d["formula_zh"], d["direction"], d["numerator_name_zh"],
                 d["denominator_name_zh"]],
            )
        con.executemany("insert into marts.fct_indicator_values values (?, ?, ?, ?, ?, ?, ?, ?, ?)", extra_rows())
    finally:
        con.close()
    return path
