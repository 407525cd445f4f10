"""The synthetic generator: deterministic, contract-shaped extracts of a city that evolves."""

import itertools
import random
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from dagster_project.lib.contract import load_contract
from dagster_project.lib.identifiers import check_resident_id
from sources.generator import SCALES, generate
from sources.generator.window import period_end
from sources.generator.formats import render_number
from tests.sources.conftest import TINY
from tests.sources.extracts import as_date, extract, extract_files, parse, read

QUARTER_END_MONTHS = {"03", "06", "09", "12"}
XLSX_TABLES = {"ca_community", "ca_worker", "ca_social_org"}


def _bytes(root: Path) -> dict[Path, bytes]:
    return {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_same_seed_gives_identical_bytes_for_every_table(inbox: Path, tmp_path: Path) -> None:
    generate(tmp_path / "inbox", **TINY)
    first, second = _bytes(inbox), _bytes(tmp_path / "inbox")
    assert first == second
    assert {path.stem for path in first} == set(load_contract().tables)


def test_bytes_do_not_depend_on_how_many_processes_write(tmp_path: Path) -> None:
    window = {"scale": "tiny", "start": "2025-05", "months": 2, "seed": 3}
    generate(tmp_path / "one" / "inbox", jobs=1, **window)
    generate(tmp_path / "two" / "inbox", jobs=2, **window)
    assert _bytes(tmp_path / "one" / "inbox") == _bytes(tmp_path / "two" / "inbox")


def test_other_seed_gives_other_city(inbox: Path, tmp_path: Path) -> None:
    generate(tmp_path, scale="tiny", start="2025-01", months=1, seed=8, tables=["ca_division"])
    path = Path("civil_affairs/2025-01/ca_division.csv")
    assert (tmp_path / path).read_bytes() != (inbox / path).read_bytes()


def test_every_table_is_delivered_when_due_in_its_format(inbox: Path) -> None:
    for name, table in load_contract().tables.items():
        paths = extract_files(inbox, name)
        months = {p.parent.name[5:] for p in paths}
        expected = QUARTER_END_MONTHS if table.cadence == "quarterly" else {f"{m:02d}" for m in range(1, 13)}
        assert months == expected, name
        assert {p.suffix for p in paths} == {".xlsx" if name in XLSX_TABLES else ".csv"}, name
        assert all(p.suffix[1:] in table.formats for p in paths)


def test_headers_are_found_and_complete(inbox: Path) -> None:
    for name in load_contract().tables:
        for path in extract_files(inbox, name)[:2]:
            header = parse(path).header
            assert header.missing == (), path
            assert header.extra == (("序号",) if name in XLSX_TABLES else ()), path


def test_column_order_differs_between_departments(inbox: Path) -> None:
    def order(table: str) -> list[str]:
        columns = parse(extract(inbox, table, "2025-03")).header.columns
        return sorted(columns, key=columns.get)

    def contract_order(table: str) -> list[str]:
        return [c.header for c in load_contract().tables[table].columns]

    assert order("ca_assistance") == contract_order("ca_assistance")
    assert order("ps_resident") != contract_order("ps_resident")
    assert order("ss_insurance") != contract_order("ss_insurance")


def test_encodings_per_department(inbox: Path) -> None:
    for path in extract_files(inbox, "ps_resident"):
        data = path.read_bytes()
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
        assert "户籍人口" in data.decode("gb18030")
    for path in extract_files(inbox, "ca_division"):
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    for path in extract_files(inbox, "ss_insurance"):
        data = path.read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf")
        data.decode("utf-8")


def test_division_hierarchy(inbox: Path) -> None:
    divisions = read(extract(inbox, "ca_division", "2025-01"))
    levels = Counter(d["level"] for d in divisions)
    assert levels["市"] == 1 and levels["区"] == 3 and levels["社区"] == 12
    by_code = {d["division_code"]: d for d in divisions}
    parent_level = {"区": "市", "街道": "区", "社区": "街道"}
    for d in divisions:
        if d["level"] == "市":
            assert d["parent_code"] == ""
        else:
            assert by_code[d["parent_code"]]["level"] == parent_level[d["level"]]
        assert (d["urban_rural"] != "") == (d["level"] == "社区")


def test_dates_parse_and_respect_the_period(inbox: Path) -> None:
    styles = set()
    for name, table in load_contract().tables.items():
        dated = [c for c in table.columns if c.type == "date"]
        for path in extract_files(inbox, name):
            as_at = period_end(path.parent.name)
            for row in read(path):
                for column in dated:
                    cell = row[column.name]
                    if cell in (None, "") and column.nullable:
                        continue
                    day = as_date(cell)
                    assert day <= as_at, (path, column.name, cell)
                    if name == "ps_resident":
                        styles.add(("年" in cell, "/" in cell, "-" in cell))
    assert len(styles) >= 3  # public security's stations write dates their own way


def test_population_evolves_but_people_keep_their_ids(inbox: Path) -> None:
    quarters = [{r["id_number"] for r in read(p)} for p in extract_files(inbox, "ps_resident")]
    for before, after in itertools.pairwise(quarters):
        assert before != after
        assert len(before & after) > 0.9 * len(before)


def test_household_sizes_floating_share_and_ages(inbox: Path) -> None:
    path = extract(inbox, "ps_resident", "2025-03")
    rows = read(path)
    households = Counter(r["household_no"] for r in rows)
    assert 2.4 <= len(rows) / len(households) <= 3.1
    floating_by_district: dict[str, list[bool]] = defaultdict(list)
    for r in rows:
        floating_by_district[r["community_code"][:6]].append(r["residence_kind"] == "流动人口")
    shares = sorted(sum(v) / len(v) for v in floating_by_district.values())
    assert shares[-1] - shares[0] > 0.05  # districts differ
    assert 0.06 <= sum(r["residence_kind"] == "流动人口" for r in rows) / len(rows) <= 0.2
    as_at = period_end("2025-03")
    ages = [(as_at - check_resident_id(r["id_number"], as_at).birth_date).days / 365.25 for r in rows]
    assert 0.12 <= sum(a >= 60 for a in ages) / len(ages) <= 0.25
    assert sum(a < 15 for a in ages) / len(ages) >= 0.08


def test_reported_households_close_to_register(inbox: Path) -> None:
    for path in extract_files(inbox, "ps_resident"):
        register = defaultdict(set)
        for r in read(path):
            register[r["community_code"]].add(r["household_no"])
        for c in read(extract(inbox, "ca_community", path.parent.name)):
            counted = len(register[c["community_code"]])
            reported = float(str(c["households_reported"]).replace(",", "").rstrip("户"))
            assert abs(reported - counted) <= 0.06 * counted + 2, c["community_code"]


def test_insurance_covers_most_adults_and_lists_some_who_left(inbox: Path) -> None:
    as_at = period_end("2025-12")
    residents = {r["id_number"] for r in read(extract(inbox, "ps_resident", "2025-12"))}
    enrolments = read(extract(inbox, "ss_insurance", "2025-12"))
    pension = {r["id_number"] for r in enrolments if r["insurance_type"] in ("城镇职工养老", "城乡居民养老")}
    adults = {i for i in residents if (as_at - check_resident_id(i, as_at).birth_date).days >= 18 * 365.25}
    assert 0.75 <= len(adults & pension) / len(adults) <= 0.97
    assert 0 < len({r["id_number"] for r in enrolments} - residents) < 0.05 * len(residents)


def test_table_selection_and_scales() -> None:
    with pytest.raises(ValueError, match="not contract tables"):
        generate(Path("unused"), tables=["ps_residents"])
    with pytest.raises(ValueError, match="unknown scale"):
        generate(Path("unused"), scale="huge")
    assert list(SCALES) == ["tiny", "demo", "city", "province"]
    assert SCALES["city"].communities == 1_000 and SCALES["province"].residents == 25_000_000


def test_summary_counts_what_was_written(tmp_path: Path) -> None:
    summary = generate(tmp_path / "inbox", months=3, tables=["ps_resident", "ca_division"])
    assert len(summary.files) == 4 and all(p.exists() for p in summary.files)
    written = len(read(extract(tmp_path / "inbox", "ps_resident", "2025-03")))
    assert summary.rows["ps_resident"] == summary.residents == written
    assert summary.communities == 12
    assert summary.truth is None and not (tmp_path / "inbox_truth.csv").exists()
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())  # no part files left behind


def test_civil_affairs_ledgers_are_workbooks_as_kept_by_hand(inbox: Path) -> None:
    path = extract(inbox, "ca_worker", "2025-06")
    sheet = load_workbook(path).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert "社区工作者花名册" in rows[0][0] and "统计时点" in rows[1][0]
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A3:A4", "C3:F3"} <= merged  # 序号 spans both header rows; 基本情况 spans four columns
    assert rows[2][2] == "基本情况" and rows[3][2] == "性别"
    assert rows[-1][0] == "合计" and rows[-1][1] == f"共{len(rows) - 5}人"
    header = parse(path).header
    ids = [r[header.columns["身份证号"]] for r in rows[4:-1]]
    assert all(isinstance(i, str) and len(i) == 18 for i in ids)
    hired = [r[header.columns["入职日期"]] for r in rows[4:-1]]
    assert any(isinstance(d, datetime) for d in hired)  # date cells, some typed as text
    community = parse(extract(inbox, "ca_community", "2025-06")).header
    assert community.line_number == 4 and "办公用房面积(㎡)" in community.columns  # 办公用房 + 面积（㎡）


def test_hand_typed_numbers_carry_units_and_separators(inbox: Path) -> None:
    cells = [str(row[name]) for path in extract_files(inbox, "ca_community")
             for row in read(path) for name in ("households_reported", "office_area_m2")]
    assert any(c.endswith(("户", "㎡", "平方米", "m²")) for c in cells)
    rng, table = random.Random(1), load_contract().tables["ca_election"]
    typed = {render_number(rng, table, "csv", "registered_voters", 2530) for _ in range(300)}
    assert typed == {"2530", "2,530", "2530人"}
    social_security = load_contract().tables["ss_min_wage"]
    assert render_number(rng, social_security, "csv", "monthly_min_wage_yuan", 2490) == "2490.00"
