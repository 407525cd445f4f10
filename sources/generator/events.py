"""Monthly events of a community: disputes, cases and unemployment spells.

Each event is drawn once for the window. A month's extract holds the events dated in that month,
with their state at month end, plus earlier events whose state changed during the month (a dispute
closed, an unemployed person re-employed, a case reclassified): the departments re-send those rows,
and the latest delivery wins.
"""

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta

from sources.generator.city import City, Community
from sources.generator.draws import Weighted, between, poisson
from sources.generator.population import Person
from sources.generator.window import period_end

URBAN_DISPUTES = Weighted([("邻里", 30), ("物业", 25), ("婚姻家庭", 20), ("劳动", 10), ("其他", 15)])
RURAL_DISPUTES = Weighted([("邻里", 30), ("土地", 15), ("婚姻家庭", 25), ("物业", 5), ("劳动", 10),
                           ("其他", 15)])
UNRESOLVED = Weighted([("调解不成", 60), ("转办", 40)])
# Theft in its forms (盗窃, 入室盗窃, 电动车盗窃) is a little over half of all cases.
CRIMINAL_TYPES = Weighted([("盗窃", 25), ("入室盗窃", 15), ("电动车盗窃", 20), ("诈骗", 25),
                           ("故意伤害", 5), ("其他", 10)])
PUBLIC_ORDER_TYPES = Weighted([("盗窃", 20), ("电动车盗窃", 25), ("寻衅滋事", 20), ("故意伤害", 10),
                               ("诈骗", 5), ("其他", 20)])
RECLASSIFIED_SHARE = 0.15  # of cases first recorded as 其他
CHANNELS = Weighted([("企业吸纳", 45), ("灵活就业", 30), ("公益性岗位", 10), ("自主创业", 10),
                     ("其他", 5)])
CASE_TREND_PER_YEAR = -0.25  # an improving district's case rate falls by a quarter a year
WORKING_AGES = (18, 55)
REEMPLOYMENT_DAYS = 45  # mean search time after the first week


@dataclass(frozen=True)
class Dispute:
    number: str
    accepted: date
    category: str
    outcome: str
    closed: date

    def state_on(self, day: date) -> tuple[str, date | None]:
        return (self.outcome, self.closed) if self.closed <= day else ("在办", None)


@dataclass(frozen=True)
class Case:
    number: str
    occurred: date
    case_class: str
    case_type: str
    # (date, new type): reclassified after the first report.
    reclassified: tuple[date, str] | None

    def type_on(self, day: date) -> str:
        if self.reclassified is not None and self.reclassified[0] <= day:
            return self.reclassified[1]
        return self.case_type


@dataclass(frozen=True)
class UnemploymentSpell:
    number: str
    person: Person
    registered: date
    reemployed: date | None
    channel: str

    def state_on(self, day: date) -> tuple[date | None, str]:
        if self.reemployed is not None and self.reemployed <= day:
            return self.reemployed, self.channel
        return None, ""


def _month_days(period: str) -> tuple[date, int]:
    first = date(int(period[:4]), int(period[5:]), 1)
    return first, period_end(period).day


def _seasonal(period: str) -> float:
    """Disputes and cases peak around the Spring Festival."""
    return 1 + 0.15 * math.cos(2 * math.pi * (int(period[5:]) - 1) / 12)


def disputes(city: City, community: Community) -> list[Dispute]:
    rng = random.Random(f"{city.seed}/disputes/{community.code}")
    t, window = community.district.traits, city.window
    categories = RURAL_DISPUTES if community.rural else URBAN_DISPUTES
    result = []
    for period in window.periods:
        first, days = _month_days(period)
        years = window.years_since_start(first)
        success = min(1.0, t.drifted("disputes", t.mediation_success, 0.03, years))
        mean = t.dispute_rate * community.residents / 1000 / 12 * _seasonal(period)
        for serial in range(1, poisson(rng, mean) + 1):
            accepted = first + timedelta(days=between(rng, 0, days - 1))
            if rng.random() < success:
                outcome, duration = "调解成功", between(rng, 1, 30)
            else:
                outcome, duration = UNRESOLVED.draw(rng), between(rng, 10, 60)
            number = f"JF{community.code[4:]}{first:%y%m}{serial:03d}"
            result.append(Dispute(number, accepted, categories.draw(rng), outcome,
                                  accepted + timedelta(days=duration)))
    return result


def cases(city: City, community: Community) -> list[Case]:
    rng = random.Random(f"{city.seed}/cases/{community.code}")
    t, window = community.district.traits, city.window
    result = []
    for period in window.periods:
        first, days = _month_days(period)
        trend = max(0.2, t.drifted("safety", 1.0, CASE_TREND_PER_YEAR, window.years_since_start(first)))
        per_month = community.residents / 1000 / 12 * _seasonal(period) * trend
        serial = 0
        for case_class, rate, types, prefix in (
            ("刑事", t.criminal_rate, CRIMINAL_TYPES, "XS"),
            ("治安", t.public_order_rate, PUBLIC_ORDER_TYPES, "ZA"),
        ):
            for _ in range(poisson(rng, rate * per_month)):
                serial += 1
                occurred = first + timedelta(days=between(rng, 0, days - 1))
                case_type = types.draw(rng)
                reclassified = None
                if case_type == "其他" and rng.random() < RECLASSIFIED_SHARE:
                    new_type = types.draw(rng)
                    if new_type != "其他":
                        reclassified = (period_end(period) + timedelta(days=between(rng, 1, 28)),
                                        new_type)
                number = f"{prefix}{community.code[4:]}{first:%y%m}{serial:03d}"
                result.append(Case(number, occurred, case_class, case_type, reclassified))
    return result


def unemployment(city: City, community: Community, people: list[Person]) -> list[UnemploymentSpell]:
    rng = random.Random(f"{city.seed}/unemployment/{community.code}")
    t, window = community.district.traits, city.window
    registered_ids: set[str] = set()
    result = []
    for period in window.periods:
        first, days = _month_days(period)
        years = window.years_since_start(first)
        rate = min(0.98, t.drifted("reemployment", t.reemployment, 0.06, years))
        mean = t.unemployment_rate * community.residents / 1000 / 12
        for serial in range(1, poisson(rng, mean) + 1):
            day = first + timedelta(days=between(rng, 0, days - 1))
            person = _unemployed(rng, people, day, registered_ids)
            if person is None:
                break
            reemployed, channel = None, ""
            if rng.random() < rate:
                reemployed = day + timedelta(days=7 + round(rng.expovariate(1 / REEMPLOYMENT_DAYS)))
                channel = CHANNELS.draw(rng)
            number = f"SY{community.code[4:]}{first:%y%m}{serial:03d}"
            result.append(UnemploymentSpell(number, person, day, reemployed, channel))
    return result


def _unemployed(rng: random.Random, people: list[Person], day: date, taken: set[str]) -> Person | None:
    """A resident of working age present on ``day``, not already registered in the window."""
    for _ in range(50):
        person = people[int(rng.random() * len(people))]
        if (person.id_number not in taken and person.present_on(day)
                and WORKING_AGES[0] <= person.age_on(day) <= WORKING_AGES[1]):
            taken.add(person.id_number)
            return person
    return None
