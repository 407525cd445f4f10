from datetime import date

import pytest

from dagster_project.reporting.formatting import (
    cn_list,
    fmt_average,
    fmt_change_pct,
    fmt_count,
    fmt_date,
    fmt_norm,
    fmt_pct,
    fmt_period,
    fmt_pp,
    fmt_value,
    fmt_wanyuan,
    period_end_month,
)


def test_counts_have_no_thousands_separator_and_carry_their_counter():
    assert fmt_count(12345, "户") == "12345户"
    assert fmt_count(1234567, "人") == "1234567人"
    assert fmt_count(0, "条") == "0条"
    assert fmt_count(8.0, "个") == "8个"


def test_counts_round_half_up():
    assert fmt_count(12345.5, "户") == "12346户"
    assert fmt_count(2.5) == "3"


def test_suppressed_count_is_shown_as_under_ten():
    assert fmt_count(None, "人", suppressed=True) == "<10人"
    assert fmt_count(None, suppressed=True) == "<10"


def test_missing_value_is_marked_not_blank():
    assert fmt_count(None) == "…"
    assert fmt_pct(None) == "…"
    assert fmt_value(None, "%") == "…"


def test_percentages_have_one_decimal_rounded_half_up():
    assert fmt_pct(12.34) == "12.3%"
    assert fmt_pct(12.25) == "12.3%"
    assert fmt_pct(7) == "7.0%"
    assert fmt_pct(99.96) == "100.0%"
    assert fmt_pct(75.644, decimals=2) == "75.64%"


def test_suppressed_rate_is_a_dash():
    assert fmt_pct(None, suppressed=True) == "—"
    assert fmt_average(None, "户", suppressed=True) == "—"
    assert fmt_value(None, "%", suppressed=True) == "—"


def test_percentage_points_and_relative_change_state_magnitude_only():
    assert fmt_pp(2.14) == "2.1个百分点"
    assert fmt_pp(-2.15) == "2.2个百分点"
    assert fmt_pp(0.0) == "0.0个百分点"
    assert fmt_change_pct(-3.25) == "3.3%"


def test_averages_print_whole_units_without_hedge():
    assert fmt_average(1731.875, "户") == "1732户"
    assert fmt_average(2530, "户/社区") == "2530户/社区"


def test_indicator_values_with_and_without_unit():
    assert fmt_value(12.34, "%") == "12.3%"
    assert fmt_value(12.34, "%", with_unit=False) == "12.3"
    assert fmt_value(1731.875, "户/社区") == "1732户/社区"
    assert fmt_value(1731.875, "户/社区", with_unit=False) == "1732"


def test_wanyuan_hedges_only_when_rounding_hides_part_of_the_sum():
    assert fmt_wanyuan(168872000) == "16887.2万元"
    assert fmt_wanyuan(570000) == "57万元"
    assert fmt_wanyuan(574164) == "约57.42万元"
    assert fmt_wanyuan(4549631, decimals=4) == "454.9631万元"
    assert fmt_wanyuan(None, suppressed=True) == "—"


def test_periods_and_dates():
    assert fmt_period("2024-03") == "2024年3月"
    assert fmt_period("2024Q2") == "2024年第2季度"
    assert fmt_period("2024") == "2024年"
    with pytest.raises(ValueError):
        fmt_period("2024-3")
    assert sorted(["2024-12", "2024Q1", "2024-02"], key=period_end_month) == ["2024-02", "2024Q1", "2024-12"]
    assert fmt_date(date(2025, 1, 6)) == "2025年1月6日"


def test_names_are_joined_with_the_enumeration_comma():
    assert cn_list(["临江区", "青山区"]) == "临江区、青山区"
    assert cn_list([]) == ""


def test_standards_and_targets_print_as_their_documents_state_them():
    # One rule for every norm, whatever the precision of the values set against it.
    assert fmt_norm(95.0, "%") == "95%"
    assert fmt_norm(100.0, "%") == "100%"
    assert fmt_norm(2.5, "倍") == "2.5倍"
    assert fmt_norm(400.0, "户") == "400户"
    assert fmt_norm(0.25, "个百分点") == "0.25个百分点"
    assert fmt_norm(10.0) == "10"
    assert fmt_norm(None, "%") == "…"


def test_a_standard_reads_the_same_in_the_report_and_in_the_rules():
    from dagster_project.reporting.rules import _norm_text
    from dagster_project.reporting.safety import standard_phrase
    from dagster_project.reporting.data import Figure, IndicatorDef

    rate = IndicatorDef("J11", "参保率", "%", "", "higher_is_better", 95.0, "不低于95%")
    assert _norm_text(95.0, "%") == "95%"
    assert standard_phrase(Figure(value=91.94, numerator=9194.0, denominator=10000.0), rate) == "低于参考标准（95%）3.1个百分点"
    assert standard_phrase(Figure(value=95.0, numerator=95.0, denominator=100.0), rate) == "达到95%的参考标准"
