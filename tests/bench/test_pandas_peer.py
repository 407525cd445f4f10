"""The pandas peer's building blocks on tiny frames: reading, normalising and the indicator groupbys."""

import pandas as pd
import pytest

from bench.pandas_peer import (
    community_measures,
    header_names,
    id_checksum_ok,
    indicator_values,
    normalise,
    parse_dates,
    parse_numbers,
    pseudonym,
)
from dagster_project.lib.contract import load_contract
from dagster_project.lib.identifiers import resident_id_check_char

KEY = bytes.fromhex("74657374" * 8)


def _id(body17: str) -> str:
    return body17 + resident_id_check_char(body17)


def test_vectorised_check_digit_agrees_with_the_identifier_rules():
    good = [_id("33120219840121009"), _id("11010519491231002"), _id("44052418800101001")]
    bad = [good[0][:-1] + ("0" if good[0][-1] != "0" else "1"), "3312021984012100", None]
    assert id_checksum_ok(pd.Series(good + bad, dtype="str")).tolist() == [True] * 3 + [False] * 3


def test_numbers_lose_units_separators_and_full_width_digits():
    parsed = parse_numbers(pd.Series(["4人", "1,234.5", "１２", "", None], dtype="str"))
    assert parsed.tolist()[:3] == [4, 1234.5, 12]
    assert parsed.iloc[3:].isna().all()


def test_dates_in_every_contract_format_and_excel_serials():
    formats = load_contract().settings.date_formats
    parsed = parse_dates(pd.Series(["2025-03-05", "2025/3/5", "2025年3月5日", "20250305", "2025.03.05",
                                    "2025-03-05 00:00:00", "45721", "yesterday"], dtype="str"), formats)
    assert parsed.iloc[:7].eq(pd.Timestamp("2025-03-05")).all()
    assert pd.isna(parsed.iloc[7])


def test_a_header_split_over_two_spreadsheet_rows_is_joined():
    table = load_contract().tables["ca_community"]
    rows = [["信西市社区基本信息台账"],
            ["序号", "基本情况", None, None, None, "办公用房", None, "服务设施", None, None, "经费保障", None,
             "党组织建设", None, "自治与信息化"],
            [None, "社区代码", "社区名称", "社区类型", "户数", "面积（㎡）", "用房性质", "一站式服务大厅",
             "室外活动场地(㎡)", "日间照料中心", "年度工作经费(万元)", "集体经济收入(万元)", "党组织类型",
             "书记主任一肩挑", "注册志愿者数", "信息平台", "数据共享部门"]]
    index, names = header_names(rows, table, search_rows=10)
    assert index == 2
    assert names[:7] == ["", "community_code", "community_name", "community_type", "households_reported",
                         "office_area_m2", "office_tenure"]
    assert set(names[1:]) == {c.name for c in table.columns}


def test_normalise_pseudonymises_rejects_and_keeps_the_storage_layout():
    contract = load_contract()
    table = contract.tables["ps_resident"]
    divisions = pd.DataFrame({"division_code": ["331202001001"], "level": ["社区"]})
    person = _id("33120219840121009")
    frame = pd.DataFrame({
        "line_number": [2, 3, 4, 5],
        "id_number": [person, _id("33120219900101002"), "331202198401210091", person],
        "name": ["甲", "乙", "丙", "甲"],
        "household_no": ["H1", "H1", "H2", "H1"],
        "community_code": ["331202001001", "331202001001", "331202001001", "331202001001"],
        "residence_kind": ["户籍人口", "流动人口", "户籍人口", "户籍人口"],
        "registered_date": ["2001/2/3", "2010-05-06", "2010-05-06", "2001/2/3"],
        "phone": ["", "", "", ""],
    }, dtype="str").astype({"line_number": "int64"})
    out, rejected = normalise(frame, table, "2025-03", "f1", KEY, divisions, contract)
    # a bad check digit and a repeated key are rejected: 2 of 4 rows is over the 20% limit
    assert rejected == 4 and out.empty
    out, rejected = normalise(frame.iloc[:2], table, "2025-03", "f1", KEY, divisions, contract)
    assert rejected == 0
    assert list(out.columns) == [name for name, _ in table.storage_columns()]
    assert out["person_pid"].tolist()[0] == pseudonym(KEY, person)
    assert out["person_birth_year"].tolist() == [1984, 1990]
    assert out["person_sex"].tolist() == ["男", "女"]


def _residents() -> pd.DataFrame:
    # community A: two households (3 people, one floating, one aged 60 at the period end); B: one person
    return pd.DataFrame({
        "period": ["2025-03"] * 4,
        "community_code": ["A", "A", "A", "B"],
        "household_no": ["1", "1", "2", "9"],
        "person_pid": ["p1", "p2", "p3", "p4"],
        "person_birth_year": pd.array([1965, 1990, 1980, 2000], dtype="Int64"),
        "person_birth_month": pd.array([3, 1, 1, 1], dtype="Int64"),
        "residence_kind": ["户籍人口", "流动人口", "户籍人口", "户籍人口"],
    })


def _workers() -> pd.DataFrame:
    # p1 holds two posts in A (one worker there); B has none
    return pd.DataFrame({
        "period": ["2025-03"] * 3, "community_code": ["A", "A", "A"], "person_pid": ["w1", "w1", "w2"],
        "line_number": [2, 3, 4], "education": ["本科", "本科", "高中(中专)"],
    })


def _divisions() -> pd.DataFrame:
    return pd.DataFrame({"period": ["2025-03"] * 3, "division_code": ["C", "A", "B"], "level": ["市", "社区", "社区"]})


def test_community_measures_count_households_people_and_workers():
    measures = community_measures(_residents(), _workers(), _divisions()).set_index("community_code")
    assert measures.loc["A", ["households", "residents", "floating_residents", "elderly_residents",
                              "workers", "workers_junior_college_plus"]].tolist() == [2, 3, 1, 1, 2, 1]
    assert measures.loc["B", ["households", "residents", "workers"]].tolist() == [1, 1, 0]


def test_indicator_values_divide_summed_measures_per_area():
    values = indicator_values(community_measures(_residents(), _workers(), _divisions()), "C")
    cell = values.set_index(["indicator_code", "area_code"])
    assert cell.loc[("A05", "C"), "value"] == pytest.approx(1.5)       # 3 households / 2 communities
    assert cell.loc[("A08", "C"), "value"] == pytest.approx(25.0)      # 1 floating of 4 residents
    assert cell.loc[("B06", "A"), "value"] == pytest.approx(1.0)       # 2 households / 2 workers
    assert pd.isna(cell.loc[("B06", "B"), "value"])                    # no worker: no ratio
    assert cell.loc[("B13", "C"), "value"] == pytest.approx(50.0)
    assert pd.isna(cell.loc[("A06", "C"), "denominator"])              # a count has no denominator
    assert len(values) == 10 * 3
