"""Findings rules: indicator conditions → 存在问题 with a paired 对策建议, and their mirror, 主要成效.

The rules are data (report_templates/rules/problem_rules.yaml) that an analyst edits without touching
Python. Each rule names one or more checks; a check reads one published indicator of the report's area
(its value, its change since the comparison period, or the spread of its sub-areas' values), sets it
against a threshold (the standard or plan target in force from marts.dim_indicator_standard, or a
number stated in the rule) and measures breadth: how many communities (or compared sub-areas) breach
it. The rule's Chinese paragraphs are sandboxed Jinja templates filled with pre-formatted evidence.

Disclosure control: only published cells are evidence. A withheld (suppressed) cell is never read
as a number, never counted in breadth and never named among the worst units. A rule whose figures
are all withheld does not speak; it is listed in `Findings.withheld` so that the report can say
which topics it could not assess.

Judgements are made on values rounded as the report prints them, so that the text never says "below
2.5倍" beside a printed "2.50倍".
"""

import math
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

import duckdb
import jinja2
import yaml
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dagster_project.lib.paths import DBT_PROJECT_DIR, REPORT_TEMPLATES_DIR
from dagster_project.reporting import formatting
from dagster_project.reporting.data import (
    IndicatorInfo,
    RuleData,
    StandardRef,
    compare_values,
    load_rule_data,
)

RULES_PATH = REPORT_TEMPLATES_DIR / "rules" / "problem_rules.yaml"
INDICATOR_DEFINITIONS_CSV = DBT_PROJECT_DIR / "seeds" / "indicator_definitions.csv"

Scope = Literal["annual", "quarterly"]
Level = Literal["city", "district"]
Op = Literal[">", ">=", "<", "<="]

OPERATORS: Mapping[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}
# Which indicator direction a breach condition is consistent with.
BAD_WHEN_HIGH = {">", ">="}

SCOPE_WORDS = {"city": "全市", "district": "全区"}
CHILD_NOUNS = {"city": "区", "district": "社区"}
SPREAD_DECIMALS = 1
SHARE_DECIMALS = formatting.PERCENT_DECIMALS
CHECK_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


class RuleError(ValueError):
    """The rules file is not valid, or a rule's template cannot be filled."""


# ---- The rules file ----------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Check(_Strict):
    """One condition on one indicator of the report's area."""

    indicator: str = Field(pattern=r"^[A-Z]\d{2}$")
    key: str | None = None
    measure: Literal["value", "change", "spread"] = "value"
    breach_when: Op
    threshold: Literal["standard", "target"] | float
    units: Literal["community", "children", "none"] = "none"
    worst: int | None = Field(default=None, ge=0, le=10)

    @property
    def name(self) -> str:
        return self.key or self.indicator

    @model_validator(mode="after")
    def _consistent(self) -> "Check":
        if self.key is not None and not CHECK_KEY.fullmatch(self.key):
            raise ValueError(f"key {self.key!r} must be letters, digits and '_' (used as c.<key> in templates)")
        if self.measure != "value" and self.units != "none":
            raise ValueError("breadth over units is measured on values only (measure: value)")
        if self.measure != "value" and isinstance(self.threshold, str):
            raise ValueError(f"a {self.measure} check needs a number as threshold, not {self.threshold!r}")
        if self.measure == "spread" and (not isinstance(self.threshold, float) or self.threshold <= 1):
            raise ValueError("a spread check compares highest ÷ lowest with a threshold above 1")
        return self


class Rule(_Strict):
    id: str = Field(pattern=r"^R\d{2}$")
    topic: str = Field(min_length=2)
    problem: str = Field(min_length=2)
    recommendation: str = Field(min_length=2)
    achievement: str | None = None
    scopes: tuple[Scope, ...] = ("annual",)
    levels: tuple[Level, ...] = ("city", "district")
    match: Literal["any", "all"] = "any"
    checks: tuple[Check, ...] = Field(min_length=1)
    finding_text: str = Field(min_length=2)
    recommendation_text: str = Field(min_length=2)
    achievement_text: str | None = None

    @model_validator(mode="after")
    def _paired(self) -> "Rule":
        names = [c.name for c in self.checks]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"checks share the name {', '.join(duplicates)}; give them distinct 'key's")
        if (self.achievement is None) != (self.achievement_text is None):
            raise ValueError("achievement and achievement_text go together (both or neither)")
        return self


class Settings(_Strict):
    # Findings are numbered （一）…（十） in the reports.
    max_problems: int = Field(default=6, ge=1, le=10)
    max_achievements: int = Field(default=5, ge=0, le=10)
    breach_share_min: float = Field(default=30.0, gt=0, le=100)
    worst_units: int = Field(default=3, ge=0, le=10)
    # The base year of the plan in force: annual reports also compare with it when the marts hold it.
    base_year: int | None = Field(default=None, ge=1949, le=2100)


class RuleSet(_Strict):
    settings: Settings = Settings()
    macros: str = ""
    rules: tuple[Rule, ...] = Field(min_length=1)

    @field_validator("rules")
    @classmethod
    def _unique_ids(cls, rules: tuple[Rule, ...]) -> tuple[Rule, ...]:
        ids = [r.id for r in rules]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"rule ids must be unique: {', '.join(duplicates)} repeated")
        return rules

    def for_report(self, scope: Scope, level: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if scope in r.scopes and level in r.levels)


def _indicator_directions(path: Path = INDICATOR_DEFINITIONS_CSV) -> dict[str, str]:
    import csv

    with path.open(encoding="utf-8") as f:
        return {row["indicator_code"]: row["direction"] for row in csv.DictReader(f)}


def _format_validation_error(path: Path, error: ValidationError, raw: Mapping[str, Any]) -> str:
    lines = []
    rules = raw.get("rules") if isinstance(raw, Mapping) else None
    for e in error.errors():
        loc = list(e["loc"])
        where = ".".join(str(p) for p in loc)
        # Name the rule by its id rather than its position where possible.
        if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int) and isinstance(rules, list):
            rule = rules[loc[1]] if loc[1] < len(rules) else None
            if isinstance(rule, Mapping) and "id" in rule:
                where = f"rule {rule['id']}: " + ".".join(str(p) for p in loc[2:])
        lines.append(f"  {where}: {e['msg']}")
    return f"{path}: invalid rules\n" + "\n".join(lines)


def load_rules(path: Path = RULES_PATH) -> RuleSet:
    """Read and validate the rules file; every problem is reported with the rule it belongs to."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise RuleError(f"{path}: not valid YAML: {e}") from None
    if not isinstance(raw, Mapping):
        raise RuleError(f"{path}: expected a mapping with 'rules'")
    try:
        ruleset = RuleSet.model_validate(raw)
    except ValidationError as e:
        raise RuleError(_format_validation_error(path, e, raw)) from None
    _check_against_catalogue(path, ruleset)
    _check_templates(path, ruleset)
    return ruleset


def _check_against_catalogue(path: Path, ruleset: RuleSet) -> None:
    directions = _indicator_directions()
    problems = []
    for rule in ruleset.rules:
        for check in rule.checks:
            direction = directions.get(check.indicator)
            if direction is None:
                problems.append(
                    f"rule {rule.id}: indicator {check.indicator} is not in {INDICATOR_DEFINITIONS_CSV.name}"
                )
                continue
            bad_when_high = check.breach_when in BAD_WHEN_HIGH
            if check.measure != "spread" and (
                (direction == "higher_is_better" and bad_when_high)
                or (direction == "lower_is_better" and not bad_when_high)
            ):
                problems.append(
                    f"rule {rule.id}: {check.indicator} is {direction}, so breach_when "
                    f"'{check.breach_when}' would call the good side a problem"
                )
    if problems:
        raise RuleError(f"{path}: invalid rules\n  " + "\n  ".join(problems))


# ---- Templates ---------------------------------------------------------------------------------


def _refuse_none(value: Any) -> Any:
    if value is None:
        raise RuleError("a template printed a value the data does not have (None); guard it with 'is defined'")
    return value


@cache
def _template_environment() -> SandboxedEnvironment:
    """Plain text out (the report template escapes it once, on output); unknown names are errors."""
    env = SandboxedEnvironment(
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_refuse_none,
    )
    env.filters.update(
        {
            "cn_list": formatting.cn_list,
            "fmt_count": formatting.fmt_count,
            "fmt_pct": formatting.fmt_pct,
        }
    )
    return env


_LINE_BREAK = re.compile(r"[ \t]*\n\s*")


@cache
def _compile(source: str) -> jinja2.Template:
    return _template_environment().from_string(source)


@cache
def _macro_exports(macros: str) -> dict[str, Any]:
    """The shared macros, compiled once and handed to every template as callables."""
    module = _compile(macros).module
    return {name: value for name, value in vars(module).items() if not name.startswith("_")}


def _fill(template: jinja2.Template, context: Mapping[str, Any], rule_id: str, what: str) -> str:
    try:
        text = template.render(**context)
    except (jinja2.TemplateError, RuleError) as e:
        raise RuleError(f"rule {rule_id}: {what} could not be filled: {e}") from None
    # YAML block text breaks lines for the editor; Chinese prose must not gain spaces from them.
    return _LINE_BREAK.sub("", text).strip()


def _check_templates(path: Path, ruleset: RuleSet) -> None:
    """Compile every template and fill it once with sample evidence, so a typo fails at load time."""
    try:
        macros = _macro_exports(ruleset.macros)
    except jinja2.TemplateSyntaxError as e:
        raise RuleError(f"{path}: invalid rules\n  macros: line {e.lineno}: {e.message}") from None
    problems = []
    for rule in ruleset.rules:
        context = {**_sample_context(rule), **macros}
        for what, source in (
            ("problem", rule.problem),
            ("recommendation", rule.recommendation),
            ("achievement", rule.achievement),
            ("finding_text", rule.finding_text),
            ("recommendation_text", rule.recommendation_text),
            ("achievement_text", rule.achievement_text),
        ):
            if source is None:
                continue
            try:
                template = _compile(source)
            except jinja2.TemplateSyntaxError as e:
                problems.append(f"rule {rule.id}: {what}: line {e.lineno}: {e.message}")
                continue
            try:
                _fill(template, context, rule.id, what)
            except RuleError as e:
                problems.append(str(e))
    if problems:
        raise RuleError(f"{path}: invalid rules\n  " + "\n  ".join(problems))


# ---- Evidence ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeText:
    """A change since the comparison period, worded: '提高' + '1.2个百分点'."""

    direction: Literal["up", "down", "same"]
    word: str
    amount: str
    amount_number: str
    pct: str | None
    since: str
    previous: str
    improved: bool
    worsened: bool


@dataclass(frozen=True)
class Breadth:
    """How many units breach: `count` of the `total` units with a published value (share in %)."""

    total: int
    count: int
    share: str
    share_value: float
    withheld: int
    noun: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class SpreadText:
    high_names: tuple[str, ...]
    high_value: str
    low_names: tuple[str, ...]
    low_value: str
    ratio: str


@dataclass(frozen=True)
class Evidence:
    """What templates may print about one check; every number is already formatted."""

    indicator: str
    name: str
    unit: str
    value: str
    number: str
    raw: float
    norm: str
    norm_number: str
    norm_value: float
    norm_kind: Literal["standard", "target", "rule"]
    norm_doc: str
    norm_quote: str
    target_year: int | None
    gap: str
    gap_number: str
    side: str
    breached: bool
    fires: bool
    met: bool
    numerator: str | None
    denominator: str | None
    change: ChangeText | None
    improved: bool
    base_change: ChangeText | None
    units: Breadth | None
    worst: tuple[str, ...]
    worst_names: tuple[str, ...]
    rank: int | None
    rank_of: int | None
    top_third: bool
    spread: SpreadText | None
    severity: float


CheckStatus = Literal["ok", "withheld", "missing"]


@dataclass(frozen=True)
class CheckResult:
    check: Check
    status: CheckStatus
    reason: str = ""
    evidence: Evidence | None = None


@dataclass(frozen=True)
class Finding:
    """A fired rule: a problem with its paired recommendation, or an achievement."""

    rule_id: str
    kind: Literal["problem", "achievement"]
    title: str
    text: str
    recommendation_title: str | None
    recommendation_text: str | None
    severity: float
    evidence: Mapping[str, Evidence]


@dataclass(frozen=True)
class Findings:
    problems: tuple[Finding, ...]
    achievements: tuple[Finding, ...]
    # Rules not assessed because their figures are withheld by disclosure control (ids)...
    withheld: tuple[str, ...]
    # ...or because the snapshot lacks their figures or norms (ids).
    not_assessed: tuple[str, ...]
    topics: Mapping[str, str] = field(default_factory=dict)
    results: Mapping[str, tuple[CheckResult, ...]] = field(default_factory=dict)

    @property
    def withheld_topics(self) -> tuple[str, ...]:
        return tuple(self.topics[i] for i in self.withheld)

    @property
    def not_assessed_topics(self) -> tuple[str, ...]:
        return tuple(self.topics[i] for i in self.not_assessed)

    @property
    def recommendations(self) -> tuple[Finding, ...]:
        """The recommendations, in the order of the problems they answer."""
        return self.problems


def _rounded(value: float, decimals: int) -> float:
    return float(formatting.round_half_up(value, decimals))


def _strip_unit(text: str, unit: str) -> str:
    return text.removesuffix(unit)


def _norm_text(value: float, unit: str) -> str:
    return formatting.fmt_norm(value, unit)


def _value_text(value: float, unit: str) -> str:
    return formatting.fmt_value(value, unit)


def _gap_text(gap: float, unit: str) -> str:
    decimals = formatting.decimals_for_unit(unit)
    if unit == "%":
        return formatting.fmt_pp(gap, decimals)
    return f"{formatting.round_half_up(abs(gap), decimals):f}{unit}"


def _bound(standard: StandardRef, bad_when_high: bool) -> float | None:
    """The bound of a standard on the side the check calls bad (400 of 300–400 when high is bad)."""
    if standard.comparator == ">=":
        return standard.low_value
    if standard.comparator == "<=":
        return standard.high_value
    return standard.high_value if bad_when_high else standard.low_value


def _share(count: int, total: int) -> float:
    return _rounded(100 * count / total, SHARE_DECIMALS)


def _magnitude(measured: float, norm: float, percent_like: bool) -> float:
    if percent_like:
        return abs(measured - norm) / 100
    return abs(measured - norm) / abs(norm) if norm else abs(measured)


@dataclass(frozen=True)
class _Context:
    data: RuleData
    settings: Settings
    since: str

    @property
    def level(self) -> str:
        return self.data.area_level


def _units_of(ctx: _Context, check: Check) -> tuple[tuple[tuple[str, str], ...], str]:
    if check.units == "children":
        return ctx.data.children, CHILD_NOUNS[ctx.level]
    return ctx.data.communities, "社区"


def _change_text(
    ctx: _Context, info: IndicatorInfo, current: float, previous: float, bad_high: bool, since: str | None = None
) -> ChangeText:
    change = compare_values(current, previous, info.unit)
    unit = info.unit
    if unit == "%":
        direction = change.direction
        word = {"up": "提高", "down": "下降", "same": "持平"}[direction]
        amount = formatting.fmt_pp(change.amount)
        amount_number = amount.removesuffix("个百分点")
        pct = None
    else:
        direction = change.direction
        word = {"up": "增加", "down": "减少", "same": "持平"}[direction]
        amount_number = f"{formatting.round_half_up(change.amount, formatting.decimals_for_unit(unit)):f}"
        amount = amount_number + unit
        pct = formatting.fmt_change_pct(change.relative_pct) if change.relative_pct is not None else None
    improved = direction == ("down" if bad_high else "up")
    worsened = direction == ("up" if bad_high else "down")
    return ChangeText(
        direction, word, amount, amount_number, pct, since or ctx.since, _value_text(previous, unit), improved,
        worsened,
    )


@dataclass(frozen=True)
class _Norm:
    value: float
    kind: Literal["standard", "target", "rule"]
    doc: str = ""
    quote: str = ""
    target_year: int | None = None


def _norm(data: RuleData, check: Check) -> _Norm | None:
    """The threshold: a number of the rule, or the bound of the standard or target in force."""
    if not isinstance(check.threshold, str):
        return _Norm(check.threshold, "rule")
    standard = data.standards.get((check.indicator, check.threshold))
    bound = _bound(standard, check.breach_when in BAD_WHEN_HIGH) if standard else None
    if standard is None or bound is None:
        return None
    return _Norm(bound, check.threshold, standard.doc_title, standard.quote_zh, standard.target_year)


def _breadth(
    ctx: _Context, check: Check, norm_value: float
) -> tuple[Breadth | None, list[tuple[str, float]], list[tuple[str, float]]]:
    """(breadth, breaching units, worst units named), from published unit values only."""
    data = ctx.data
    decimals = formatting.decimals_for_unit(data.indicators[check.indicator].unit)
    breach = OPERATORS[check.breach_when]
    units, noun = _units_of(ctx, check)
    published = [(name, _rounded(f.value, decimals)) for code, name in units
                 if (f := data.figure(code, check.indicator)).shown]
    withheld = sum(1 for code, _ in units if data.figure(code, check.indicator).suppressed)
    breaching = sorted(
        ((n, v) for n, v in published if breach(v, norm_value)),
        key=lambda item: -item[1] if check.breach_when in BAD_WHEN_HIGH else item[1],
    )
    breadth = None
    if check.units != "none" and published:
        share = _share(len(breaching), len(published))
        breadth = Breadth(
            total=len(published),
            count=len(breaching),
            share=formatting.fmt_pct(share),
            share_value=share,
            withheld=withheld,
            noun=noun,
            names=tuple(n for n, _ in breaching),
        )
    worst_k = ctx.settings.worst_units if check.worst is None else check.worst
    worst = breaching[:worst_k] if check.units != "none" or check.worst else []
    return breadth, breaching, worst


def _sibling_rank(data: RuleData, check: Check, measured: float, decimals: int) -> tuple[int | None, int | None]:
    """Rank among the sibling areas (the districts of the city), best first, when there are three or more."""
    values = [_rounded(f.value, decimals) for code, _ in data.siblings
              if (f := data.figure(code, check.indicator)).shown]
    if len(values) < 3:
        return None, None
    bad_high = check.breach_when in BAD_WHEN_HIGH
    better = [v for v in values if (v < measured if bad_high else v > measured)]
    return len(better) + 1, len(values)


def evaluate_check(ctx: _Context, check: Check) -> CheckResult:
    """One check against the report's area: its evidence, or why it could not be judged."""
    data = ctx.data
    info = data.indicators.get(check.indicator)
    if info is None:
        return CheckResult(check, "missing", f"{check.indicator} is not in marts.dim_indicator")
    figure = data.figure(data.area_code, check.indicator)
    if check.measure != "spread":
        if figure.suppressed:
            return CheckResult(check, "withheld", f"{check.indicator} of {data.area_name} is withheld")
        if not figure.shown:
            return CheckResult(check, "missing", f"no {check.indicator} for {data.area_name} in {data.period}")
    unit = info.unit
    decimals = formatting.decimals_for_unit(unit)
    bad_high = check.breach_when in BAD_WHEN_HIGH
    breach = OPERATORS[check.breach_when]

    norm = _norm(data, check)
    if norm is None:
        return CheckResult(check, "missing", f"no {check.threshold} for {check.indicator} in force")
    norm_value = norm.value

    # Change since the comparison period (published values only).
    change = None
    previous = (
        data.figure(data.area_code, check.indicator, data.comparison_period) if data.comparison_period else None
    )
    if figure.shown and previous is not None and previous.shown:
        change = _change_text(ctx, info, figure.value, previous.value, bad_high)
    # And since the base year, when the marts publish the area's value for it.
    base_change = None
    base = data.figure(data.area_code, check.indicator, data.base_period) if data.base_period else None
    if figure.shown and base is not None and base.shown:
        base_change = _change_text(
            ctx, info, figure.value, base.value, bad_high, formatting.fmt_period(data.base_period)
        )

    spread = None
    percent_like = unit == "%"
    if check.measure == "value":
        measured = _rounded(figure.value, decimals)
        value_text = _value_text(figure.value, unit)
        norm_text = _norm_text(norm_value, unit)
    elif check.measure == "change":
        if previous is None or not previous.shown:
            status: CheckStatus = "withheld" if previous is not None and previous.suppressed else "missing"
            return CheckResult(check, status, f"no published {check.indicator} for {data.comparison_period}")
        cmp = compare_values(figure.value, previous.value, unit)
        if unit == "%":
            measured = cmp.amount if cmp.direction == "up" else -cmp.amount
            norm_text = formatting.fmt_norm(norm_value, "个百分点")
        else:
            if cmp.relative_pct is None:
                return CheckResult(check, "missing", f"{check.indicator} was 0 in {data.comparison_period}")
            measured = cmp.relative_pct if cmp.relative_direction == "up" else -cmp.relative_pct
            norm_text = formatting.fmt_norm(norm_value, "%")
        percent_like = True
        value_text = _value_text(figure.value, unit)
    else:
        shown = [
            (name, _rounded(f.value, decimals))
            for code, name in data.children
            if (f := data.figure(code, check.indicator)).shown
        ]
        if len(shown) < 2:
            withheld = any(data.figure(code, check.indicator).suppressed for code, _ in data.children)
            return CheckResult(check, "withheld" if withheld else "missing", "fewer than two published sub-areas")
        top, bottom = max(v for _, v in shown), min(v for _, v in shown)
        if bottom <= 0:
            return CheckResult(check, "missing", f"a sub-area's {check.indicator} is 0; no ratio")
        measured = _rounded(top / bottom, SPREAD_DECIMALS)
        spread = SpreadText(
            high_names=tuple(n for n, v in shown if v == top),
            high_value=_value_text(top, unit),
            low_names=tuple(n for n, v in shown if v == bottom),
            low_value=_value_text(bottom, unit),
            ratio=f"{formatting.round_half_up(measured, SPREAD_DECIMALS):f}倍",
        )
        value_text = spread.ratio
        norm_text = formatting.fmt_norm(norm_value, "倍")

    breached = breach(measured, norm_value)
    if check.measure == "value":
        gap_text = _gap_text(measured - norm_value, unit)
    elif check.measure == "change":
        gap_text = formatting.fmt_pp(measured - norm_value) if unit == "%" else formatting.fmt_change_pct(
            measured - norm_value
        )
    else:
        gap_text = f"{formatting.round_half_up(abs(measured - norm_value), SPREAD_DECIMALS):f}倍"
    side = "高于" if measured > norm_value else "低于" if measured < norm_value else "等于"

    breadth, breaching, worst = _breadth(ctx, check, norm_value) if check.measure == "value" else (None, [], [])
    breadth_fires = (
        breadth is not None and breadth.count > 0 and breadth.share_value >= ctx.settings.breach_share_min
    )
    fires = breached or breadth_fires

    # Severity = how far beyond the norm (the area's value, else the median breaching unit's) × how
    # widespread (the share of units breaching; 1 when breadth is not measured).
    if breached:
        magnitude = _magnitude(measured, norm_value, percent_like)
    elif breadth_fires:
        values = sorted(v for _, v in breaching)
        magnitude = _magnitude(values[len(values) // 2], norm_value, percent_like)
    else:
        magnitude = 0.0
    severity = magnitude * (breadth.share_value / 100 if breadth is not None and breadth.count else 1.0)

    rank, rank_of = _sibling_rank(data, check, measured, decimals) if check.measure == "value" else (None, None)
    top_third = rank is not None and rank_of is not None and rank <= math.ceil(rank_of / 3)

    numerator = denominator = None
    if check.measure != "spread" and info.denominator_name_zh and figure.numerator is not None:
        numerator = formatting.fmt_count(figure.numerator)
        denominator = formatting.fmt_count(figure.denominator)

    evidence = Evidence(
        indicator=check.indicator,
        name=info.name_zh,
        unit=unit,
        value=value_text,
        number=_strip_unit(value_text, unit if check.measure != "spread" else "倍"),
        raw=measured,
        norm=norm_text,
        norm_number=formatting.fmt_norm(norm_value),
        norm_value=norm_value,
        norm_kind=norm.kind,
        norm_doc=norm.doc,
        norm_quote=norm.quote,
        target_year=norm.target_year,
        gap=gap_text,
        gap_number=re.sub(r"(个百分点|%|倍)$", "", gap_text) if check.measure != "value" else _strip_unit(
            gap_text, "个百分点" if unit == "%" else unit
        ),
        side=side,
        breached=breached,
        fires=fires,
        met=not fires,
        numerator=numerator,
        denominator=denominator,
        change=change,
        improved=bool(change and change.improved),
        base_change=base_change,
        units=breadth,
        worst=tuple(f"{n}（{_value_text(v, unit)}）" for n, v in worst),
        worst_names=tuple(n for n, _ in worst),
        rank=rank,
        rank_of=rank_of,
        top_third=top_third,
        spread=spread,
        severity=severity,
    )
    return CheckResult(check, "ok", evidence=evidence)


def _template_context(ctx_data: Mapping[str, Any], evidence: Mapping[str, Evidence]) -> dict[str, Any]:
    return {**ctx_data, "c": dict(evidence)}


def _base_context(data: RuleData, since: str) -> dict[str, Any]:
    return {
        "area": data.area_name,
        "scope": SCOPE_WORDS[data.area_level],
        "level": data.area_level,
        "sub_area": CHILD_NOUNS[data.area_level],
        "period": formatting.fmt_period(data.period),
        "since": since,
    }


def evaluate(
    data: RuleData,
    ruleset: RuleSet,
    scope: Scope = "annual",
    since: str = "上年",
) -> Findings:
    """Every rule of the scope and level against the data: ordered problems and achievements.

    Problems come most severe first (ties in file order), capped at settings.max_problems; their
    recommendations follow in the same order. Achievements are the mirror: a rule that did not fire
    and whose checks meet their norm, improved since the comparison period or rank in the top third
    of the sibling areas; the most-supported first.
    """
    ctx = _Context(data, ruleset.settings, since)
    base = {**_base_context(data, since), **_macro_exports(ruleset.macros)}
    problems: list[tuple[float, int, Finding]] = []
    achievements: list[tuple[int, int, Finding]] = []
    withheld: list[str] = []
    not_assessed: list[str] = []
    results: dict[str, tuple[CheckResult, ...]] = {}
    for position, rule in enumerate(ruleset.for_report(scope, data.area_level)):
        checks = tuple(evaluate_check(ctx, c) for c in rule.checks)
        results[rule.id] = checks
        usable = [r for r in checks if r.status == "ok"]
        if rule.match == "all" and len(usable) < len(checks) or not usable:
            if any(r.status == "withheld" for r in checks):
                withheld.append(rule.id)
            else:
                not_assessed.append(rule.id)
            continue
        evidence = {r.check.name: r.evidence for r in usable if r.evidence is not None}
        context = _template_context(base, evidence)
        firing = [e for e in evidence.values() if e.fires]
        fired = len(firing) == len(evidence) if rule.match == "all" else bool(firing)
        if fired:
            severity = max(e.severity for e in firing)
            finding = Finding(
                rule_id=rule.id,
                kind="problem",
                title=_fill(_compile(rule.problem), context, rule.id, "problem"),
                text=_fill(_compile(rule.finding_text), context, rule.id, "finding_text"),
                recommendation_title=_fill(
                    _compile(rule.recommendation), context, rule.id, "recommendation"
                ),
                recommendation_text=_fill(
                    _compile(rule.recommendation_text), context, rule.id, "recommendation_text"
                ),
                severity=severity,
                evidence=evidence,
            )
            problems.append((-severity, position, finding))
            continue
        if rule.achievement is None or rule.achievement_text is None:
            continue
        if any(e.change is not None and e.change.worsened for e in evidence.values()):
            # Still within the norm but slipping: not something to report as an achievement.
            continue
        support = (
            sum(e.met for e in evidence.values())
            + 2 * sum(e.improved for e in evidence.values())
            + 2 * sum(bool(e.base_change and e.base_change.improved) for e in evidence.values())
            + sum(e.top_third for e in evidence.values())
        )
        finding = Finding(
            rule_id=rule.id,
            kind="achievement",
            title=_fill(_compile(rule.achievement), context, rule.id, "achievement"),
            text=_fill(_compile(rule.achievement_text), context, rule.id, "achievement_text"),
            recommendation_title=None,
            recommendation_text=None,
            severity=0.0,
            evidence=evidence,
        )
        achievements.append((-support, position, finding))
    problems.sort(key=lambda item: (item[0], item[1]))
    achievements.sort(key=lambda item: (item[0], item[1]))
    return Findings(
        problems=tuple(f for *_, f in problems[: ruleset.settings.max_problems]),
        achievements=tuple(f for *_, f in achievements[: ruleset.settings.max_achievements]),
        withheld=tuple(withheld),
        not_assessed=tuple(not_assessed),
        topics={r.id: r.topic for r in ruleset.rules},
        results=results,
    )


def indicator_codes(rules: Iterable[Rule]) -> list[str]:
    return sorted({c.indicator for r in rules for c in r.checks})


# ---- Sample evidence for load-time template checks ---------------------------------------------


def _sample_evidence(check: Check) -> Evidence:
    sample_change = ChangeText("up", "提高", "1.0个百分点", "1.0", "1.0%", "上年", "1.0%", True, False)
    return Evidence(
        indicator=check.indicator,
        name="示例指标",
        unit="%",
        value="1.0%",
        number="1.0",
        raw=1.0,
        norm="2%",
        norm_number="2",
        norm_value=2.0,
        norm_kind="standard",
        norm_doc="《示例文件》",
        norm_quote="示例",
        target_year=2025,
        gap="1.0个百分点",
        gap_number="1.0",
        side="低于",
        breached=True,
        fires=True,
        met=False,
        numerator="10",
        denominator="1000",
        change=sample_change,
        improved=True,
        base_change=ChangeText("up", "提高", "3.0个百分点", "3.0", None, "2020年", "0.1%", True, False),
        units=Breadth(10, 4, "40.0%", 40.0, 1, "社区", ("甲社区", "乙社区")),
        worst=("甲社区（1.0%）",),
        worst_names=("甲社区",),
        rank=1,
        rank_of=3,
        top_third=True,
        spread=SpreadText(("甲区",), "3.0%", ("乙区",), "1.0%", "3.0倍"),
        severity=0.5,
    )


def _sample_context(rule: Rule) -> dict[str, Any]:
    evidence = {c.name: _sample_evidence(c) for c in rule.checks}
    base = {
        "area": "示例市", "scope": "全市", "level": "city", "sub_area": "区", "period": "2024年", "since": "上年",
    }
    return _template_context(base, evidence)



def load_findings(
    con: duckdb.DuckDBPyConnection,
    period: str,
    scope: Scope,
    *,
    area_code: str | None = None,
    comparison_period: str | None = None,
    base_period: str | None = None,
    since: str = "上年",
    ruleset: RuleSet | None = None,
) -> Findings:
    """Findings of one report: the rules of `scope` against the snapshot's published figures.

    A quarterly report passes its quarter ('2025Q2'), the same quarter a year earlier as
    `comparison_period` and since='上年同期'.
    """
    ruleset = ruleset or load_rules()
    rules = ruleset.for_report(scope, "city") + ruleset.for_report(scope, "district")
    data = load_rule_data(con, period, indicator_codes(rules), area_code, comparison_period, base_period)
    return evaluate(data, ruleset, scope, since=since)


def base_period_for(year: str, settings: Settings) -> str | None:
    """The base year an annual report also compares with: the plan's, when it lies before last year."""
    if settings.base_year is None or settings.base_year >= int(year) - 1:
        return None
    return str(settings.base_year)


def annual_findings(
    con: duckdb.DuckDBPyConnection, year: str, area_code: str | None = None, ruleset: RuleSet | None = None
) -> Findings:
    """The annual report's findings for the city (or one district), compared with the year before and,
    where the marts hold it, with the plan's base year (settings.base_year)."""
    ruleset = ruleset or load_rules()
    return load_findings(
        con, year, "annual", area_code=area_code, comparison_period=str(int(year) - 1),
        base_period=base_period_for(year, ruleset.settings), ruleset=ruleset,
    )
