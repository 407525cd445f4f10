"""Released persons under support (刑满释放人员) and social-assistance cases (低保/特困/临时救助).

Both are drawn from the community's own household heads, so every ID resolves to a resident. About
a quarter of released persons receive 低保 as heads of their household: the PS × CA link the
reports look for.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from sources.generator.city import City, Community
from sources.generator.draws import between, day_between, poisson
from sources.generator.population import Person
from sources.generator.traits import IMPROVING, WORSENING, DistrictTraits
from sources.generator.window import Window

SUPPORT_YEARS = 5  # 安置帮教期
RELEASED_ON_ASSISTANCE = 0.25
MALE_SHARE_RELEASED = 0.9
VISIT_EVERY_DAYS = (80, 100)
# Monthly standards in 元 per person.
STANDARD = {"城市低保": 1100, "农村低保": 1000, "特困供养": 1430}
# Annual chance that a case closes, and that a household without one applies, by drift.
CASE_EXIT = {IMPROVING: 0.25, 0: 0.15, WORSENING: 0.08}
NEW_CASE_FACTOR = {IMPROVING: 0.6, 0: 1.0, WORSENING: 1.6}
TEMPORARY_RATE = 0.003  # 临时救助 per household and year


@dataclass(frozen=True)
class ReleasedPerson:
    person: Person
    released: date
    resettled_on: date | None
    support_on: date | None
    visits: tuple[date, ...]

    def listed_on(self, day: date) -> bool:
        end = self.released + timedelta(days=round(SUPPORT_YEARS * 365.25))
        return self.released <= day < end and self.person.present_on(day)

    def last_visit_on(self, day: date) -> date | None:
        done = [v for v in self.visits if v <= day]
        return done[-1] if done else None


@dataclass(frozen=True)
class AssistanceCase:
    case_id: str
    head: Person
    kind: str
    size: int
    amount_yuan: int
    start: date
    end: date | None

    def active_on(self, day: date) -> bool:
        return (self.start <= day and (self.end is None or day < self.end)
                and self.head.present_on(day))


def _heads(people: list[Person], day: date, low: int, high: int) -> list[Person]:
    return [p for p in people if p.role == "head" and low <= p.age_on(day) <= high]


def released_persons(city: City, community: Community, people: list[Person]) -> list[ReleasedPerson]:
    rng = random.Random(f"{city.seed}/released/{community.code}")
    t = community.district.traits
    window = city.window
    support = timedelta(days=round(SUPPORT_YEARS * 365.25))
    # Every community has someone under support all window long (adding about 0.1 per 1,000 to
    # the rate), so that even a small city's register is never empty and changes gradually.
    stock = max(1, poisson(rng, t.released_per_1000 * community.residents / 1000))
    arrivals = poisson(rng, stock / SUPPORT_YEARS * window.years)
    before = window.start - timedelta(days=1)
    release_days = [day_between(rng, window.end - support + timedelta(days=1), before)]
    release_days += [day_between(rng, window.start - support, before) for _ in range(stock - 1)]
    release_days += [window.day_in(rng) for _ in range(arrivals)]
    candidates = _heads(people, window.start, 22, 60)
    chosen: list[ReleasedPerson] = []
    taken: set[str] = set()
    for serial, released in enumerate(release_days):
        pool = [p for p in candidates if p.id_number not in taken and p.present_on(released)
                and (serial or p.left is None)]
        men = [p for p in pool if p.sex == "男"]
        pool = men if men and rng.random() < MALE_SHARE_RELEASED else pool
        if not pool:
            continue
        person = pool[int(rng.random() * len(pool))]
        taken.add(person.id_number)
        chosen.append(_support(rng, t, window, person, released))
    return chosen


def _support(rng: random.Random, t: DistrictTraits, window: Window, person: Person,
             released: date) -> ReleasedPerson:
    """Resettlement, a person responsible for support, and visits about once a quarter."""
    resettle = t.drifted("resettlement", t.resettlement, 0.03, window.years_since_start(released))
    resettled = released + timedelta(days=between(rng, 10, 120)) if rng.random() < resettle else None
    support = released + timedelta(days=between(rng, 0, 30)) if rng.random() < 0.98 else None
    visits = []
    visit = released + timedelta(days=between(rng, 30, 90))
    while visit <= window.end:
        if rng.random() < t.visit_compliance:
            visits.append(visit)
        visit += timedelta(days=between(rng, *VISIT_EVERY_DAYS))
    return ReleasedPerson(person, released, resettled, support, tuple(visits))


class _Cases:
    def __init__(self, city: City, community: Community) -> None:
        self.city = city
        self.community = community
        self.rng = random.Random(f"{city.seed}/assistance/{community.code}")
        self.cases: list[AssistanceCase] = []

    def open(self, head: Person, kind: str, start: date, end: date | None) -> None:
        rng = self.rng
        size = min(20, max(1, head.household.size))
        if kind == "临时救助":
            amount = between(rng, 8, 30) * 100
        elif kind == "特困供养":
            amount, size = STANDARD[kind], 1
        else:
            amount = round(STANDARD[kind] * size * rng.uniform(0.35, 1.0), -1)
        case_id = f"DB{self.community.code[4:]}{len(self.cases) + 1:04d}"
        self.cases.append(AssistanceCase(case_id, head, kind, size, int(amount), start, end))

    def closing(self, start: date, annual_exit: float) -> date | None:
        window = self.city.window
        if self.rng.random() < 1 - (1 - annual_exit) ** window.years:
            end = window.day_in(self.rng)
            return end if end > start else None
        return None


def assistance_cases(city: City, community: Community, people: list[Person],
                     released: list[ReleasedPerson]) -> list[AssistanceCase]:
    cases = _Cases(city, community)
    rng, t, window = cases.rng, community.district.traits, city.window
    direction = t.direction("assistance")
    minimum_kind = "农村低保" if community.rural else "城市低保"
    on_release = {r.person.id_number: r for r in released if rng.random() < RELEASED_ON_ASSISTANCE}
    heads = _heads(people, window.start, 18, 120)
    for head in heads:
        if head.id_number in on_release:
            continue
        elderly_alone = head.household.size == 1 and head.age_on(window.start) >= 60
        if head.present_on(window.start) and rng.random() < t.assistance_share:
            kind = "特困供养" if elderly_alone and rng.random() < 0.5 else minimum_kind
            start = day_between(rng, window.start - timedelta(days=6 * 365), window.start)
            cases.open(head, kind, start, cases.closing(start, CASE_EXIT[direction]))
        elif rng.random() < t.assistance_share * CASE_EXIT[0] * NEW_CASE_FACTOR[direction] * window.years:
            start = window.day_in(rng)
            cases.open(head, minimum_kind, start, cases.closing(start, CASE_EXIT[direction]))
        elif rng.random() < TEMPORARY_RATE * window.years:
            start = window.day_in(rng)
            cases.open(head, "临时救助", start, start + timedelta(days=between(rng, 30, 90)))
    for record in on_release.values():
        start = max(record.released + timedelta(days=between(rng, 30, 150)),
                    record.person.registered)
        cases.open(record.person, minimum_kind, start, None)
    if not any(c.start <= window.start and c.end is None and c.head.left is None for c in cases.cases):
        # Every community has a household on assistance all window long (most have several), so
        # that even a small city's register is never empty and changes gradually.
        helped = {c.head.id_number for c in cases.cases}
        lasting = [h for h in heads if h.left is None and h.present_on(window.start)
                   and h.id_number not in helped]
        if lasting:
            head = lasting[int(rng.random() * len(lasting))]
            start = day_between(rng, window.start - timedelta(days=6 * 365), window.start)
            cases.open(head, minimum_kind, start, None)
    return cases.cases
