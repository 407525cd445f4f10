"""The findings rules: the rules file validates, every rule fires on data made to trigger it and stays
silent otherwise, withheld cells are never evidence, and findings come out in a stable order."""

import csv
import re
from pathlib import Path

import pytest
import yaml

from dagster_project.lib.paths import DBT_PROJECT_DIR
from dagster_project.lib.warehouse import read_snapshot
from dagster_project.reporting.data import (
    Figure,
    IndicatorInfo,
    RuleData,
    StandardRef,
    load_rule_data,
    standards_in_force,
)
from dagster_project.reporting.rules import (
    RULES_PATH,
    Rule,
    RuleError,
    RuleSet,
    evaluate,
    indicator_codes,
    load_rules,
)

RULES = load_rules()
CATALOGUE_IDS = {f"R{n:02d}" for n in range(1, 27)}
CITY = "900000000000"
DISTRICTS = [(f"90000{i}000000", f"{name}区") for i, name in enumerate("东南西北", start=1)]
COMMUNITIES = [
    (f"90000{i}00100{j}", f"{name}{j}社区") for i, name in enumerate("东南西北", start=1) for j in (1, 2)
]


def _catalogue() -> dict[str, IndicatorInfo]:
    seeds = DBT_PROJECT_DIR / "seeds"
    with (seeds / "measure_definitions.csv").open(encoding="utf-8") as f:
        measures = {r["measure_code"]: r["name_zh"] for r in csv.DictReader(f)}
    with (seeds / "indicator_definitions.csv").open(encoding="utf-8") as f:
        return {
            r["indicator_code"]: IndicatorInfo(
                r["indicator_code"], r["name_zh"], r["unit"], r["direction"],
                measures[r["numerator_measure"]], measures.get(r["denominator_measure"]),
            )
            for r in csv.DictReader(f)
        }


CATALOGUE = _catalogue()


def figure(code: str, value: float) -> Figure:
    info = CATALOGUE[code]
    if info.denominator_name_zh is None:
        return Figure(value=value, numerator=value)
    if info.unit == "%":
        return Figure(value=value, numerator=value * 10, denominator=1000.0)
    return Figure(value=value, numerator=value * 20, denominator=20.0)


class Builder:
    """A city with four districts and eight communities whose figures the test sets per indicator."""

    def __init__(self, level: str = "city") -> None:
        self.level = level
        self.figures: dict[tuple[str, str, str], Figure] = {}
        self.standards: dict[tuple[str, str], StandardRef] = {}
        self.base_period: str | None = None

    @property
    def area(self) -> str:
        return CITY if self.level == "city" else DISTRICTS[0][0]

    @property
    def children(self):
        return DISTRICTS if self.level == "city" else COMMUNITIES[:2]

    @property
    def communities(self):
        return COMMUNITIES if self.level == "city" else COMMUNITIES[:2]

    def set(self, code: str, value: float, *, period: str = "2024", units: dict[str, float] | None = None,
            area_figure: Figure | None = None) -> "Builder":
        self.figures[(self.area, period, code)] = area_figure or figure(code, value)
        for unit_code, _ in [*DISTRICTS, *COMMUNITIES]:
            unit_value = (units or {}).get(unit_code, value)
            if isinstance(unit_value, Figure):
                self.figures[(unit_code, period, code)] = unit_value
            else:
                self.figures[(unit_code, period, code)] = figure(code, unit_value)
        return self

    def standard(self, code: str, kind: str, comparator: str, low: float | None, high: float | None) -> "Builder":
        self.standards[(code, kind)] = StandardRef(
            f"S-{code}", kind, comparator, low, high, "《测试标准》", "测试", 2025
        )
        return self

    def data(self, codes) -> RuleData:
        return RuleData(
            area_code=self.area,
            area_name="示范市" if self.level == "city" else DISTRICTS[0][1],
            area_level=self.level,
            period="2024",
            comparison_period="2023",
            base_period=self.base_period,
            indicators={c: CATALOGUE[c] for c in codes},
            standards=self.standards,
            children=tuple(self.children),
            communities=tuple(self.communities),
            siblings=tuple(DISTRICTS) if self.level == "district" else (),
            figures=self.figures,
        )


def _threshold(builder: Builder, check) -> float:
    """The norm a check is judged against, registering a standard or target when the rule uses one."""
    if not isinstance(check.threshold, str):
        return check.threshold
    norm = 100.0 if CATALOGUE[check.indicator].unit == "%" else 40.0
    if check.breach_when in (">", ">="):
        builder.standard(check.indicator, check.threshold, "<=", None, norm)
    else:
        builder.standard(check.indicator, check.threshold, ">=", norm, None)
    return norm


def _values(check, norm: float, unit: str, breach: bool) -> tuple[float, float]:
    """(value, comparison-period value) that breach the check, or that meet it and improved."""
    cap = 100.0 if unit == "%" else float("inf")
    if check.breach_when in (">", ">="):
        bad, good = min(norm * 1.5 + 10, cap), norm * 0.5
        previous_good = good * 1.1 + 1
    else:
        bad, good = norm * 0.6, min(norm * 1.2 + 1, cap) if norm < cap else norm
        previous_good = good * 0.9
    return (bad, bad) if breach else (good, previous_good)


def scenario(rule: Rule, *, breach: bool, level: str = "city") -> RuleData:
    builder = Builder(level)
    for check in rule.checks:
        unit = CATALOGUE[check.indicator].unit
        norm = _threshold(builder, check)
        if check.measure == "change":
            current, previous = (130.0, 100.0) if breach else (80.0, 100.0)
            builder.set(check.indicator, current).set(check.indicator, previous, period="2023")
        elif check.measure == "spread":
            spread_children = {code: (100.0 if i == 0 else (100.0 / (norm + 1) if breach else 90.0))
                               for i, (code, _) in enumerate(builder.children)}
            builder.set(check.indicator, 95.0, units=spread_children)
        else:
            value, previous = _values(check, norm, unit, breach)
            builder.set(check.indicator, value).set(check.indicator, previous, period="2023")
    return builder.data(indicator_codes([rule]))


def only(rule: Rule) -> RuleSet:
    return RULES.model_copy(update={"rules": (rule,)})


def rule_ids(findings) -> list[str]:
    return [f.rule_id for f in findings]


# ---- the rules file -----------------------------------------------------------------------------


def test_shipped_rules_cover_at_least_15_catalogue_problems():
    ids = {r.id for r in RULES.rules}
    assert len(ids & CATALOGUE_IDS) >= 15, sorted(ids)
    for rule in RULES.rules:
        assert rule.finding_text.strip() and rule.recommendation_text.strip()
        assert all(c.indicator in CATALOGUE for c in rule.checks)
    # Thresholds come from the standards seed where one exists, not only from numbers in the file.
    assert sum(isinstance(c.threshold, str) for r in RULES.rules for c in r.checks) >= 8


def _write(tmp_path: Path, raw: dict) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _raw() -> dict:
    return yaml.safe_load(RULES_PATH.read_text(encoding="utf-8"))


def _rule(raw: dict, rule_id: str) -> dict:
    return next(r for r in raw["rules"] if r["id"] == rule_id)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda r: _rule(r, "R01")["checks"][0].update(indicator="B99"), r"rule R01: indicator B99 is not in"),
        (lambda r: _rule(r, "R01")["checks"][0].update(breach_when="<"), r"rule R01: B06 is lower_is_better"),
        (lambda r: _rule(r, "R02").update(thresold=3), r"rule R02: thresold: Extra inputs are not permitted"),
        (lambda r: _rule(r, "R04")["checks"][0].update(threshold="norm"), r"rule R04: checks\.0\.threshold"),
        (lambda r: r["rules"].append(dict(_rule(r, "R03"))), r"rule ids must be unique: R03"),
        (lambda r: _rule(r, "R03").update(finding_text="{{ c.B11.value "), r"rule R03: finding_text: line 1"),
        (lambda r: _rule(r, "R03").update(finding_text="{{ c.B12.value }}"),
         r"rule R03: finding_text could not be filled.*B12"),
        (lambda r: _rule(r, "R04").pop("achievement_text"),
         r"rule R04: .*achievement and achievement_text go together"),
        (lambda r: _rule(r, "R16")["checks"][0].update(threshold=0.5), r"rule R16: .*threshold above 1"),
        (lambda r: r["settings"].update(max_problems=11), r"settings\.max_problems"),
        (lambda r: r.update(macros="{% macro trend(e) %}{{ e.value "), r"macros: line 1"),
    ],
)
def test_bad_rules_fail_clearly_naming_the_rule(tmp_path, mutate, message):
    raw = _raw()
    mutate(raw)
    with pytest.raises(RuleError, match=message):
        load_rules(_write(tmp_path, raw))


def test_not_yaml_or_not_a_mapping(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text("rules: [\n", encoding="utf-8")
    with pytest.raises(RuleError, match="not valid YAML"):
        load_rules(path)
    path.write_text("- R01\n", encoding="utf-8")
    with pytest.raises(RuleError, match="expected a mapping"):
        load_rules(path)


def test_templates_cannot_reach_outside_the_sandbox(tmp_path):
    raw = _raw()
    _rule(raw, "R03")["finding_text"] = "{{ c.B11.__class__.__mro__ }}"
    with pytest.raises(RuleError, match="rule R03"):
        load_rules(_write(tmp_path, raw))


# ---- every rule fires on data made to trigger it and stays silent otherwise --------------------


@pytest.mark.parametrize("rule", RULES.rules, ids=lambda r: r.id)
def test_rule_fires_on_triggering_data(rule):
    findings = evaluate(scenario(rule, breach=True), only(rule))
    assert rule_ids(findings.problems) == [rule.id]
    problem = findings.problems[0]
    assert problem.text and problem.recommendation_text and problem.title
    # Evidence is worded, not left as placeholders, and carries the figures.
    assert "{" not in problem.text and "None" not in problem.text
    assert re.search(r"\d", problem.text)
    assert findings.recommendations == findings.problems


@pytest.mark.parametrize("rule", RULES.rules, ids=lambda r: r.id)
def test_rule_stays_silent_otherwise(rule):
    findings = evaluate(scenario(rule, breach=False), only(rule))
    assert findings.problems == ()
    assert findings.withheld == () and findings.not_assessed == ()
    if rule.achievement is not None:
        # The mirror: met and improved since last year.
        assert rule_ids(findings.achievements) == [rule.id]
        assert re.search(r"\d", findings.achievements[0].text)
    else:
        assert findings.achievements == ()


@pytest.mark.parametrize("rule", [r for r in RULES.rules if "district" in r.levels], ids=lambda r: r.id)
def test_rules_work_for_district_reports(rule):
    assert rule_ids(evaluate(scenario(rule, breach=True, level="district"), only(rule)).problems) == [rule.id]
    assert evaluate(scenario(rule, breach=False, level="district"), only(rule)).problems == ()


def test_rule_without_figures_is_not_assessed():
    rule = next(r for r in RULES.rules if r.id == "R03")
    findings = evaluate(Builder().data(["B11"]), only(rule))
    assert findings.problems == () and findings.not_assessed == ("R03",)
    assert findings.not_assessed_topics == ("社区工作者性别结构",)
    assert [r.status for r in findings.results["R03"]] == ["missing"]


def test_rule_texts_are_never_marked_safe():
    # Findings are plain text that the report template escapes once; nothing may bypass that.
    assert not re.search(r"\|\s*safe\b", RULES_PATH.read_text(encoding="utf-8"))
    assert "Markup" not in RULES_PATH.read_text(encoding="utf-8")


# ---- R01 in detail: standard, breadth, worst units, disclosure control -------------------------


R01 = next(r for r in RULES.rules if r.id == "R01")


def r01_builder(community_values: dict[str, float | Figure]) -> Builder:
    builder = Builder().standard("B06", "standard", "between", 300.0, 400.0)
    units = {code: value for code, value in community_values.items()}
    builder.set("B06", 380.0, units=units)
    builder.set("B06", 380.0, period="2023")
    return builder


def test_r01_fires_on_breadth_when_the_whole_meets_the_standard():
    over = {COMMUNITIES[0][0]: 452.0, COMMUNITIES[3][0]: 430.4, COMMUNITIES[5][0]: 401.0}
    findings = evaluate(r01_builder(over).data(["B06", "B07"]), only(R01))
    [problem] = findings.problems
    assert problem.title == "部分社区人手偏紧，社区工作者配备不够均衡"
    assert "总体未超出《测试标准》确定的标准（每名不超过400户）" in problem.text
    assert "在公布数据的8个社区中，每名社区工作者服务户数超过400户的有3个，占37.5%" in problem.text
    # Worst first, at most three, with the value as printed.
    assert f"如{COMMUNITIES[0][1]}（452户/人）、{COMMUNITIES[3][1]}（430户/人）、{COMMUNITIES[5][1]}（401户/人）" in problem.text


def test_r01_silent_when_too_few_units_breach():
    # 2 of 8 = 25% < breach_share_min (30%), and the whole is within the standard.
    over = {COMMUNITIES[0][0]: 452.0, COMMUNITIES[3][0]: 430.4}
    assert evaluate(r01_builder(over).data(["B06"]), only(R01)).problems == ()
    stricter = RULES.model_copy(update={"rules": (R01,), "settings": RULES.settings.model_copy(
        update={"breach_share_min": 20.0})})
    assert rule_ids(evaluate(r01_builder(over).data(["B06"]), stricter).problems) == ["R01"]


def test_withheld_unit_cells_are_neither_counted_nor_named():
    over = {COMMUNITIES[0][0]: 452.0, COMMUNITIES[3][0]: 430.4, COMMUNITIES[4][0]: 410.0,
            COMMUNITIES[5][0]: Figure(suppressed=True)}
    findings = evaluate(r01_builder(over).data(["B06"]), only(R01))
    [problem] = findings.problems
    assert "在公布数据的7个社区中，每名社区工作者服务户数超过400户的有3个，占42.9%" in problem.text
    assert "（另有1个社区的数据按统计披露控制规则不予公布）" in problem.text
    assert COMMUNITIES[5][1] not in problem.text
    # Two breaching of seven published is under 30%: a withheld cell does not tip the balance.
    over.pop(COMMUNITIES[4][0])
    assert evaluate(r01_builder(over).data(["B06"]), only(R01)).problems == ()


def test_withheld_area_figure_silences_the_rule_and_is_reported():
    builder = r01_builder({COMMUNITIES[0][0]: 900.0})
    builder.figures[(CITY, "2024", "B06")] = Figure(suppressed=True)
    findings = evaluate(builder.data(["B06"]), only(R01))
    assert findings.problems == () and findings.achievements == ()
    assert findings.withheld == ("R01",) and findings.withheld_topics == ("社区工作者配备",)


def test_suppressed_comparison_year_gives_no_change_wording():
    builder = r01_builder({})
    builder.figures[(CITY, "2023", "B06")] = Figure(suppressed=True)
    findings = evaluate(builder.data(["B06"]), only(R01))
    [achievement] = findings.achievements
    assert achievement.evidence["B06"].change is None
    assert "上年" not in achievement.text


def test_standard_breach_states_value_norm_and_gap():
    builder = Builder().standard("B06", "standard", "between", 300.0, 400.0)
    builder.set("B06", 436.6).set("B06", 420.0, period="2023")
    [problem] = evaluate(builder.data(["B06"]), only(R01)).problems
    assert problem.title.startswith("社区工作者配备总体不足")
    assert "平均每名社区工作者服务437户，比《测试标准》确定的标准（每名不超过400户）多出37户" in problem.text


# ---- judgement on printed values, direction words ------------------------------------------------


def test_judged_on_the_printed_value():
    r06 = next(r for r in RULES.rules if r.id == "R06")
    builder = Builder().standard("B21", "standard", ">=", 2.5, None)
    # 2.496 prints as 2.50倍: the text must not call it below 2.5倍.
    builder.set("B21", 2.496)
    assert evaluate(builder.data(["B21"]), only(r06)).problems == ()
    builder.set("B21", 2.494)
    [problem] = evaluate(builder.data(["B21"]), only(r06)).problems
    assert "2.49倍" in problem.text and "低于《测试标准》确定的标准（2.5倍）0.01倍" in problem.text


def test_direction_words_follow_the_data():
    r27 = next(r for r in RULES.rules if r.id == "R27")
    base = Builder().standard("J11", "target", ">=", 95.0, None)
    base.set("J11", 91.24).set("J11", 92.56, period="2023")
    [problem] = evaluate(base.data(["J11"]), only(r27)).problems
    assert "参保率为91.2%，较上年下降1.4个百分点" in problem.text
    assert "距《测试标准》提出的2025年目标（95%）还差3.8个百分点" in problem.text
    assert "18岁及以上实有人口1000人，参加基本养老保险并正常缴费的912人" in problem.text
    base.set("J11", 90.0, period="2023")
    [problem] = evaluate(base.data(["J11"]), only(r27)).problems
    assert "较上年提高1.2个百分点" in problem.text


def test_achievement_states_the_improvement_since_the_base_year_when_the_marts_hold_it():
    r20 = next(r for r in RULES.rules if r.id == "R20")
    builder = Builder().standard("I04", "standard", ">=", 90.0, None)
    builder.set("I04", 96.94).set("I04", 92.35, period="2023")
    builder.base_period = "2020"
    # No published value for the base year: the text says nothing of it.
    [achievement] = evaluate(builder.data(["I04"]), only(r20)).achievements
    assert achievement.evidence["I04"].base_change is None and "2020年" not in achievement.text
    builder.set("I04", 88.04, period="2020")
    [achievement] = evaluate(builder.data(["I04"]), only(r20)).achievements
    change = achievement.evidence["I04"].base_change
    assert change is not None and change.improved and change.since == "2020年"
    assert "调解成功率为96.9%，较上年提高4.5个百分点，较2020年提高8.9个百分点" in achievement.text
    # A withheld base-year cell is not a number to compare with.
    builder.figures[(CITY, "2020", "I04")] = Figure(suppressed=True)
    [achievement] = evaluate(builder.data(["I04"]), only(r20)).achievements
    assert "2020年" not in achievement.text


def test_improvement_since_the_base_year_ranks_an_achievement_higher():
    r20 = next(r for r in RULES.rules if r.id == "R20")
    r23 = next(r for r in RULES.rules if r.id == "R23")
    builder = Builder().standard("I04", "standard", ">=", 90.0, None).standard("B25", "standard", ">=", 100.0, None)
    builder.set("I04", 96.0).set("B25", 100.0)
    builder.base_period = "2020"
    ruleset = RULES.model_copy(update={"rules": (r23, r20)})
    codes = ["I04", "B25"]
    assert rule_ids(evaluate(builder.data(codes), ruleset).achievements) == ["R23", "R20"]
    builder.set("I04", 80.0, period="2020")
    assert rule_ids(evaluate(builder.data(codes), ruleset).achievements) == ["R20", "R23"]


def test_base_year_is_compared_only_when_it_lies_before_last_year():
    from dagster_project.reporting.rules import Settings, base_period_for

    assert RULES.settings.base_year == 2020
    assert base_period_for("2024", Settings(base_year=2020)) == "2020"
    assert base_period_for("2021", Settings(base_year=2020)) is None
    assert base_period_for("2020", Settings(base_year=2020)) is None
    assert base_period_for("2024", Settings()) is None


def test_cases_rising_use_counts_and_relative_change():
    r18 = next(r for r in RULES.rules if r.id == "R18")
    builder = Builder().set("I06", 138.0).set("I06", 122.0, period="2023")
    [problem] = evaluate(builder.data(["I06", "I07"]), only(r18)).problems
    assert problem.title == "刑事治安案件有所上升"
    assert "发生刑事治安案件138起，比上年的122起增加16起，增长13.1%" in problem.text
    builder.set("I06", 122.0)
    findings = evaluate(builder.data(["I06", "I07"]), only(r18))
    assert findings.problems == () and "与上年持平" not in findings.achievements[0].text
    assert "比上年的122起持平" in findings.achievements[0].text


def test_spread_names_highest_and_lowest():
    r16 = next(r for r in RULES.rules if r.id == "R16")
    builder = Builder().set("D05", 30.0, units={DISTRICTS[0][0]: 62.4, DISTRICTS[1][0]: 18.0,
                                                   DISTRICTS[2][0]: 30.0, DISTRICTS[3][0]: 25.0})
    [problem] = evaluate(builder.data(["D05", "C09", "B06"]), only(r16)).problems
    assert "户均社区工作经费最高的东区（62元/户）是最低的南区（18元/户）的3.4倍" in problem.text


# ---- order and caps -------------------------------------------------------------------------------


def test_problems_most_severe_first_and_recommendations_in_the_same_order():
    builder = Builder()
    builder.standard("E01", "target", ">=", 10.0, None).set("E01", 5.0)      # 50% short
    builder.set("B16", 45.0)                                                 # 5 pp short of 50%
    builder.set("I04", 60.0)                                                 # 35 pp short of 95%
    data = builder.data(["E01", "B16", "B17", "I04"])
    findings = evaluate(data, RULES)
    assert rule_ids(findings.problems) == ["R11", "R20", "R05"]
    assert [f.recommendation_title for f in findings.recommendations] == [
        f.recommendation_title for f in findings.problems
    ]
    capped = RULES.model_copy(update={"settings": RULES.settings.model_copy(update={"max_problems": 2})})
    assert rule_ids(evaluate(data, capped).problems) == ["R11", "R20"]


def test_scopes_select_rules():
    quarterly = {r.id for r in RULES.for_report("quarterly", "city")}
    assert {"R18", "R19", "R20", "R21"} <= quarterly and "R01" not in quarterly


# ---- standards in force, from the snapshot ------------------------------------------------------


def test_standards_follow_region_scope_and_dates(shared_snapshot):
    with read_snapshot(shared_snapshot) as con:
        national = load_rule_data(con, "2024", ["B21", "J11"], None, "2023").standards
        fujian = standards_in_force(con, "350102000000", "2024", ["B21"])
        in_2020 = standards_in_force(con, "330102000000", "2020", ["J11"])
    assert national[("B21", "standard")].low_value == 2.5
    assert national[("J11", "target")].low_value == 95 and national[("J11", "target")].target_year == 2025
    assert fujian[("B21", "standard")].standard_id == "STD-B21-FJ"
    assert in_2020[("J11", "target")].standard_id == "TGT-J11-2020"
