"""The synthetic generator: deterministic, contract-shaped, internally coherent extracts."""

import csv
import io
import itertools
import time
from collections import Counter, defaultdict
from datetime import date, datetime
from pathlib import Path

import pytest

from dagster_project.lib.contract import load_contract
from dagster_project.lib.identifiers import check_mobile, check_resident_id, check_uscc
from sources.generator import generate
from sources.generator.city import period_end

QUARTER_END_MONTHS = {"03", "06", "09", "12"}
ENCODINGS = {"civil_affairs": "utf-8-sig", "public_security": "gb18030", "social_security": "utf-8"}


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("inbox")
    began = time.perf_counter()
    generate(root, scale="tiny", start="2025-01", months=12, seed=7)
    # The tiny scale backs every pipeline test: it has to stay quick.
    assert time.perf_counter() - began < 10
    return root


def read(path: Path) -> list[dict[str, str]]:
    """Rows keyed by canonical column name."""
    table = load_contract().tables[path.stem]
    names = {c.header: c.name for c in table.columns}
    text = path.read_bytes().decode(ENCODINGS[table.department])
    return [{names[h]: v for h, v in row.items()} for row in csv.DictReader(io.StringIO(text))]


def files(inbox: Path, table: str) -> list[Path]:
    department = load_contract().tables[table].department
    return sorted((inbox / department).glob(f"*/{table}.csv"))


def test_same_seed_gives_identical_bytes(inbox: Path, tmp_path: Path) -> None:
    generate(tmp_path, scale="tiny", start="2025-01", months=12, seed=7)
    first = {p.relative_to(inbox): p.read_bytes() for p in inbox.rglob("*.csv")}
    second = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*.csv")}
    assert first == second


def test_other_seed_gives_other_city(inbox: Path, tmp_path: Path) -> None:
    generate(tmp_path, scale="tiny", start="2025-01", months=1, seed=8, tables=["ca_division"])
    path = Path("civil_affairs/2025-01/ca_division.csv")
    assert (tmp_path / path).read_bytes() != (inbox / path).read_bytes()


def test_headers_are_the_contracts(inbox: Path) -> None:
    for table in ("ca_division", "ca_community", "ps_resident", "ss_insurance"):
        expected = {c.header for c in load_contract().tables[table].columns}
        for path in files(inbox, table):
            department = load_contract().tables[table].department
            with path.open(encoding=ENCODINGS[department], newline="") as fh:
                assert set(next(csv.reader(fh))) == expected, path


def test_quarterly_tables_only_in_quarter_end_months(inbox: Path) -> None:
    for table in ("ps_resident", "ss_insurance"):
        months = {p.parent.name[5:] for p in files(inbox, table)}
        assert months == QUARTER_END_MONTHS
    assert len(files(inbox, "ca_division")) == len(files(inbox, "ca_community")) == 12


def test_encodings_per_department(inbox: Path) -> None:
    for path in files(inbox, "ps_resident"):
        data = path.read_bytes()
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
        assert "户籍人口" in data.decode("gb18030")
    for path in files(inbox, "ca_division"):
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    for path in files(inbox, "ss_insurance"):
        data = path.read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf")
        data.decode("utf-8")


def test_resident_ids_valid_unique_and_phones_mobile(inbox: Path) -> None:
    for path in files(inbox, "ps_resident"):
        rows = read(path)
        as_at = period_end(path.parent.name)
        ids = Counter(r["id_number"] for r in rows)
        assert ids.most_common(1)[0][1] == 1
        for r in rows:
            result = check_resident_id(r["id_number"], as_at)
            assert result.reason is None and result.warnings == (), (r["id_number"], result)
            assert r["phone"] == "" or check_mobile(r["phone"]).value == r["phone"]


def test_insurance_ids_and_employer_codes_valid(inbox: Path) -> None:
    for path in files(inbox, "ss_insurance"):
        rows = read(path)
        as_at = period_end(path.parent.name)
        assert len({(r["id_number"], r["insurance_type"]) for r in rows}) == len(rows)
        for r in rows:
            assert check_resident_id(r["id_number"], as_at).reason is None
            if r["employer_uscc"]:
                result = check_uscc(r["employer_uscc"])
                assert result.reason is None and result.warnings == (), r["employer_uscc"]
                assert r["employer_uscc"][0] in "59"
            else:
                assert r["insurance_type"] in ("城乡居民养老", "居民医疗")


def test_every_community_code_is_a_community_of_that_months_divisions(inbox: Path) -> None:
    for table in ("ca_community", "ps_resident"):
        for path in files(inbox, table):
            divisions = read(Path(inbox / "civil_affairs" / path.parent.name / "ca_division.csv"))
            communities = {d["division_code"] for d in divisions if d["level"] == "社区"}
            assert {r["community_code"] for r in read(path)} <= communities, path


def test_division_hierarchy(inbox: Path) -> None:
    divisions = read(inbox / "civil_affairs" / "2025-01" / "ca_division.csv")
    levels = Counter(d["level"] for d in divisions)
    assert levels["市"] == 1 and 2 <= levels["区"] <= 3 and levels["社区"] >= 10
    by_code = {d["division_code"]: d for d in divisions}
    parent_level = {"区": "市", "街道": "区", "社区": "街道"}
    for d in divisions:
        if d["level"] == "市":
            assert d["parent_code"] == ""
        else:
            assert by_code[d["parent_code"]]["level"] == parent_level[d["level"]]
        assert (d["urban_rural"] != "") == (d["level"] == "社区")


def test_dates_follow_contract_formats_and_precede_period_end(inbox: Path) -> None:
    formats = load_contract().settings.date_formats

    def parse(text: str) -> date:
        for fmt in formats:
            try:
                return datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        raise AssertionError(f"unparseable date {text!r}")

    for table, column in (("ps_resident", "registered_date"), ("ss_insurance", "enrolled_date")):
        for path in files(inbox, table):
            as_at = period_end(path.parent.name)
            texts = [r[column] for r in read(path)]
            assert all(parse(t) <= as_at for t in texts)
    styles = {
        ("年" in t, "/" in t, "-" in t)
        for t in (r["registered_date"] for r in read(files(inbox, "ps_resident")[0]))
    }
    assert len(styles) >= 3


def test_population_evolves_but_people_keep_their_ids(inbox: Path) -> None:
    quarters = [{r["id_number"] for r in read(p)} for p in files(inbox, "ps_resident")]
    for before, after in itertools.pairwise(quarters):
        assert before != after
        assert len(before & after) > 0.9 * len(before)


def test_household_sizes_floating_share_and_ages(inbox: Path) -> None:
    rows = read(files(inbox, "ps_resident")[0])
    households = Counter(r["household_no"] for r in rows)
    assert 2.4 <= len(rows) / len(households) <= 3.1
    floating_by_district: dict[str, list[bool]] = defaultdict(list)
    for r in rows:
        floating_by_district[r["community_code"][:6]].append(r["residence_kind"] == "流动人口")
    shares = sorted(sum(v) / len(v) for v in floating_by_district.values())
    assert shares[-1] - shares[0] > 0.05  # districts differ
    assert 0.06 <= sum(r["residence_kind"] == "流动人口" for r in rows) / len(rows) <= 0.2
    as_at = period_end(files(inbox, "ps_resident")[0].parent.name)
    ages = [
        (as_at - check_resident_id(r["id_number"], as_at).birth_date).days / 365.25 for r in rows
    ]
    assert 0.12 <= sum(a >= 60 for a in ages) / len(ages) <= 0.25
    assert sum(a < 15 for a in ages) / len(ages) >= 0.08


def test_reported_households_close_to_register(inbox: Path) -> None:
    for path in files(inbox, "ps_resident"):
        register = defaultdict(set)
        for r in read(path):
            register[r["community_code"]].add(r["household_no"])
        profile = read(inbox / "civil_affairs" / path.parent.name / "ca_community.csv")
        for c in profile:
            counted = len(register[c["community_code"]])
            assert abs(int(c["households_reported"]) - counted) <= 0.06 * counted + 2, c[
                "community_code"
            ]


def test_insurance_covers_most_adults_and_lists_some_who_left(inbox: Path) -> None:
    path = files(inbox, "ps_resident")[-1]
    as_at = period_end(path.parent.name)
    residents = {r["id_number"] for r in read(path)}
    enrolments = read(inbox / "social_security" / path.parent.name / "ss_insurance.csv")
    pension = {
        r["id_number"]
        for r in enrolments
        if r["insurance_type"] in ("城镇职工养老", "城乡居民养老")
    }
    adults = {
        i for i in residents if (as_at - check_resident_id(i, as_at).birth_date).days >= 18 * 365.25
    }
    assert 0.75 <= len(adults & pension) / len(adults) <= 0.97
    assert 0 < len({r["id_number"] for r in enrolments} - residents) < 0.05 * len(residents)


def test_table_selection() -> None:
    with pytest.raises(ValueError, match="not contract tables"):
        generate(Path("unused"), tables=["ps_residents"])
    with pytest.raises(ValueError, match="no generator"):
        generate(Path("unused"), tables=["ps_case"])
    with pytest.raises(ValueError, match="unknown scale"):
        generate(Path("unused"), scale="huge")


def test_summary_counts_what_was_written(tmp_path: Path) -> None:
    summary = generate(tmp_path, months=3, tables=["ps_resident", "ca_division"])
    assert len(summary.files) == 4
    assert (
        summary.rows["ps_resident"]
        == summary.residents
        == len(read(files(tmp_path, "ps_resident")[0]))
    )
    assert summary.communities == 12
