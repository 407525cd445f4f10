import pytest

from dagster_project.reporting.charts import (
    CHART_FONT_FAMILY,
    MAX_PLOT_HEIGHT,
    fit_label,
    horizontal_bar_chart,
    nice_axis,
    text_width,
)
from dagster_project.reporting.render import template_environment


@pytest.mark.parametrize(
    ("max_value", "expected"),
    [(16.4, (5.0, 20.0)), (20.0, (5.0, 20.0)), (2530.0, (1000.0, 3000.0)), (2400.0, (500.0, 2500.0)), (0.8, (0.2, 0.8)), (0.0, (1.0, 1.0))],
)
def test_axis_uses_round_steps(max_value, expected):
    step, top = nice_axis(max_value)
    assert (step, top) == pytest.approx(expected)


def test_bars_are_proportional_and_withheld_values_get_only_their_mark():
    chart = horizontal_bar_chart(
        "2024年各区流动人口占比",
        "流动人口占比（%）",
        [("临江区", 16.4, "16.4%"), ("青山区", 8.2, "8.2%"), ("白塔区", None, "—")],
        reference=("全市13.0%", 13.0),
    )
    first, second, withheld = chart.bars
    assert first.width == pytest.approx(2 * second.width)
    assert withheld.width == 0 and withheld.value_text == "—"
    plot_width = chart.plot_right - chart.plot_left
    assert first.width == pytest.approx(plot_width * 16.4 / 20)
    assert chart.reference is not None
    assert chart.reference.x == pytest.approx(chart.plot_left + plot_width * 13.0 / 20)
    assert [t.text for t in chart.ticks] == ["0", "5", "10", "15", "20"]
    assert chart.font_family.startswith('"Noto Sans CJK SC"')


def test_many_bars_still_fit_one_page():
    items = [(f"第{i}社区", float(i), f"{i}.0%") for i in range(120)]
    chart = horizontal_bar_chart("标题", "轴", items)
    assert chart.plot_bottom - chart.plot_top == pytest.approx(MAX_PLOT_HEIGHT)
    assert all(b.y + b.height <= chart.plot_bottom + 1e-6 for b in chart.bars)


def test_long_labels_are_shortened_in_the_middle():
    label = fit_label("长长的街道名称很长长长的街道名称很长第17号社区", 12, 120)
    assert text_width(label, 12) <= 120
    assert "…" in label and label.endswith("社区")
    assert fit_label("青山区", 12, 120) == "青山区"


def test_chart_labels_are_escaped_in_the_svg():
    chart = horizontal_bar_chart("图<b>", "轴", [('<img src="x.png">区', 1.0, "1.0%")])
    macro = template_environment().get_template("charts.html.j2").module.bar_chart
    svg = str(macro(chart))
    assert "<img" not in svg
    assert "&lt;img src=&#34;x.png&#34;&gt;区" in svg
    assert "图&lt;b&gt;" in svg
    assert CHART_FONT_FAMILY.replace('"', "&#34;") in svg
