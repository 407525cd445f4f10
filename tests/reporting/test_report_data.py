import duckdb
import pytest
from report_fixtures import CITY, DISTRICTS, area_counts

from dagster_project.lib.contract import load_contract
from dagster_project.lib.warehouse import read_snapshot
from dagster_project.reporting.data import (
    AreaRow,
    Figure,
    ReportDataError,
    compare,
    load_annual_report,
    spread,
)


def load(snapshot, year="2024", area_code=None):
    with read_snapshot(snapshot) as con:
        return load_annual_report(con, year, load_contract(), area_code)


def test_comparisons_are_made_on_printed_values():
    # 12.34% and 12.26% both print as 12.3%: the text must not call one higher.
    assert compare(12.34, 12.26, "%").direction == "same"
    change = compare(12.36, 12.24, "%")
    assert (change.direction, change.amount) == ("up", pytest.approx(0.2))
    assert compare(None, 12.0, "%") is None


def test_averages_compare_printed_values_and_relative_change_separately():
    change = compare(1732.0, 1680.0, "户/社区")
    assert (change.direction, change.amount) == ("up", 52)
    assert (change.relative_direction, change.relative_pct) == ("up", pytest.approx(3.1))
    # 95.6 and 96.4 both print as 96: "由96户/社区增至96户/社区" would contradict itself...
    assert compare(96.4, 95.6, "户/社区").direction == "same"
    # ...while the relative change still prints as 0.8%.
    assert compare(96.4, 95.6, "户/社区").relative_direction == "up"
    # One household more on 20000 prints as 0.0%, which reads as 持平.
    assert compare(20001.0, 20000.0, "户/社区").relative_direction == "same"


def test_spread_names_extremes_and_position_against_the_whole():
    rows = [
        AreaRow("甲区", {"A08": Figure(16.44)}),
        AreaRow("乙区", {"A08": Figure(7.6)}),
        AreaRow("丙区", {"A08": Figure(16.35)}),
        AreaRow("丁区", {"A08": Figure(suppressed=True)}),
    ]
    result = spread(rows, Figure(13.0), "A08", "%")
    assert result.highest == ("甲区", "丙区")  # both print as 16.4%
    assert result.lowest == ("乙区",)
    assert result.above == ("甲区", "丙区") and result.below == ("乙区",)
    assert spread(rows[:1] + rows[3:], Figure(13.0), "A08", "%") is None


def test_city_report_figures(shared_snapshot):
    report = load(shared_snapshot)
    counts, n = area_counts("2024", CITY[0])
    assert report.area_level == "city" and report.area_name == CITY[1]
    assert report.current["A08"].numerator == counts.floating
    assert report.current["A05"].denominator == n
    assert [row.name for row in report.children] == list(DISTRICTS.values())
    assert report.year_on_year["A08"].direction == "up"
    assert report.against_standard["J11"].direction == "down"
    assert [m.from_period for _, m in report.movements] == ["2024-03"] * 3


def test_ledger_summary_counts_only_the_report_year(shared_snapshot):
    sources = load(shared_snapshot).sources
    assert sources.files_received == 23
    assert sources.files_current == 20
    assert (sources.files_partial, sources.files_superseded) == (1, 1)
    assert (sources.files_duplicate, sources.files_not_loaded) == (1, 1)
    assert sources.rows_loaded == 12 * 8 + 4 * 38000 + 4 * 29000
    assert sources.rows_rejected == 37
    assert [d.name_zh for d in sources.departments] == ["民政局", "公安局", "人社局"]
    assert (sources.first_period, sources.last_period) == ("2024-01", "2024-12")


def test_small_reject_counts_are_withheld(make_snapshot):
    sources = load(make_snapshot(rejected_rows=7)).sources
    assert sources.rows_rejected is None and sources.rows_rejected_suppressed
    assert load(make_snapshot(rejected_rows=0)).sources.rows_rejected == 0


def test_district_report_compares_communities(shared_snapshot):
    report = load(shared_snapshot, area_code="330104000000")
    assert report.area_level == "district"
    assert [row.name for row in report.children] == ["塔下社区", "新村社区"]
    assert report.children[1].figures["A08"].suppressed


def test_no_previous_year_means_no_year_on_year(shared_snapshot):
    report = load(shared_snapshot, year="2023")
    assert all(change is None for change in report.year_on_year.values())
    assert not report.has_quarters


@pytest.mark.parametrize(
    ("year", "area_code", "message"),
    [
        ("24", None, "four digits"),
        ("2024", "999999999999", "not in marts.dim_area"),
        ("2024", "330104001001", "not a community"),
        ("2019", None, "no 2019 values"),
    ],
)
def test_unusable_requests_fail_clearly(shared_snapshot, year, area_code, message):
    with pytest.raises(ReportDataError, match=message):
        load(shared_snapshot, year=year, area_code=area_code)


def test_rates_stored_as_fractions_are_refused(make_snapshot):
    path = make_snapshot()
    con = duckdb.connect(str(path))
    con.execute(
        "update marts.fct_indicator_values set value = value / 100 "
        "where indicator_code = 'A08' and area_code = ? and period = '2024'",
        [CITY[0]],
    )
    con.close()
    with pytest.raises(ReportDataError, match="percent"):
        load(path)
