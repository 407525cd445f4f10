"""Community workers (社区工作者): residents of their community, employed by its committee.

The roster is sized from the households at the window start, at the floor ("按最低杠配备": workers =
households / U(360, 560) rounded down, at least two, district by district, so that roughly half the
communities breach the 400-households norm), then
lives through the window: workers leave at the district's attrition rate (or when they move away
or die), most leavers are replaced a few weeks later, certificates are gained, pay rises each July.
"""

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta

from sources.generator.city import City, Community
from sources.generator.draws import Weighted, between, weighted_sample
from sources.generator.names import mobile
from sources.generator.population import LOCAL, Household, Person
from sources.generator.traits import IMPROVING, WORSENING
from sources.generator.wages import min_wage

ELECTED = ("副主任", "委员", "副书记", "委员", "委员")
STAFF_POSITIONS = Weighted([("专职社工", 5), ("网格员", 3), ("公益性岗位", 1), ("其他", 1)])
LEADERS_ONE_SHOULDER = ("书记、主任",)
LEADERS_SEPARATE = ("书记", "主任")
ELECTED_SHARE = 0.4

HIRE_TYPES = {
    "elected": Weighted([("选举产生", 85), ("部门选派", 15)]),
    "专职社工": Weighted([("公开招聘", 75), ("政府购买岗位", 25)]),
    "网格员": Weighted([("公开招聘", 50), ("政府购买岗位", 50)]),
    "公益性岗位": Weighted([("公益性岗位", 1)]),
    "其他": Weighted([("临时聘用", 1)]),
}
# Monthly pay relative to the district's level, by kind of post.
PAY_FACTOR = {"leader": 1.25, "elected": 1.05, "专职社工": 1.0, "网格员": 0.95,
              "公益性岗位": 0.75, "其他": 0.7}
COLLEGE = Weighted([("大专", 55), ("本科", 40), ("研究生", 5)])
BELOW_COLLEGE = Weighted([("高中(中专)", 85), ("初中及以下", 15)])
CERTIFICATES = Weighted([("助理社会工作师", 65), ("社会工作师", 30), ("高级社会工作师", 5)])
COMMITTEE_INSURANCE = ("城镇职工养老", "职工医疗", "失业", "工伤")
INSURANCE_GAPS = Weighted([("失业", 45), ("工伤", 45), ("城镇职工养老", 10)])

CERT_GAIN_PER_YEAR = 0.05
ANNUAL_RAISE = {IMPROVING: 0.10, 0: 0.04, WORSENING: 0.0}
EMPLOYEE_SCHEME_START = date(1995, 1, 1)
YOUNGEST, OLDEST = 22, 56


@dataclass(frozen=True)
class Worker:
    person: Person
    position: str
    hire_type: str
    hired: date
    left: date | None
    education: str
    certificate: str
    # (date, level): a certificate gained inside the window.
    certificate_gained: tuple[date, str] | None
    pay_multiple: float  # monthly pay over the minimum wage in force at the window start
    trainings: tuple[date, ...]
    # (insurance type, enrolled on) with the committee as employer.
    insured: tuple[tuple[str, date], ...]
    phone: str

    def employed_on(self, day: date) -> bool:
        return self.hired <= day and (self.left is None or day < self.left)

    def certificate_on(self, day: date) -> str:
        if self.certificate_gained is not None and self.certificate_gained[0] <= day:
            return self.certificate_gained[1]
        return self.certificate

    def trained_in_year_to(self, day: date) -> bool:
        return any(day - timedelta(days=365) < t <= day for t in self.trainings)


class _Hiring:
    """Draws workers for one community: who, which post, on what terms."""

    def __init__(self, city: City, community: Community, people: list[Person]) -> None:
        self.city = city
        self.community = community
        self.traits = community.district.traits
        self.rng = random.Random(f"{city.seed}/workforce/{community.code}")
        self.people = [p for p in people if p.kind == LOCAL]
        self.taken: set[str] = set()
        training = random.Random(f"{city.seed}/training/{community.district.code}")
        self.training_month = training.randint(3, 11)

    def candidates(self, day: date, leader: bool, count: int) -> list[Person]:
        """Residents present on ``day`` of working age, weighted to the district's staff profile."""
        t = self.traits
        centre = 44 + t.worker_age_shift + (5 if leader else 0)
        odds_female = t.female_share / (1 - t.female_share)
        pool, weights = [], []
        for p in self.people:
            age = p.age_on(day)
            if YOUNGEST <= age <= OLDEST and p.id_number not in self.taken and p.present_on(day):
                pool.append(p)
                weights.append(
                    (odds_female if p.sex == "女" else 1.0) * math.exp(-(((age - centre) / 8) ** 2) / 2)
                )
        chosen = weighted_sample(self.rng, pool, weights, count)
        self.taken.update(p.id_number for p in chosen)
        return chosen

    def worker(self, person: Person, position: str, kind: str, hired: date, left: date | None) -> Worker:
        rng, t, window = self.rng, self.traits, self.city.window
        years = window.years_since_start(hired)
        college = t.college_share + (0.15 if kind == "leader" else 0.0)
        college = t.drifted("education", college, 0.1, years)
        education = (COLLEGE if rng.random() < college else BELOW_COLLEGE).draw(rng)
        certificate, gained = "无", None
        if rng.random() < t.cert_share:
            certificate = CERTIFICATES.draw(rng)
        else:
            gain = t.drifted("certificates", CERT_GAIN_PER_YEAR, 0.03, 1.0) / (1 - t.cert_share)
            if rng.random() < 1 - (1 - min(1.0, gain)) ** window.years:
                gained = (window.day_in(rng), CERTIFICATES.draw(rng))
        hire_type = HIRE_TYPES["elected" if kind in ("leader", "elected") else position].draw(rng)
        pay = t.pay_multiple * PAY_FACTOR[kind] * rng.lognormvariate(0, 0.06)
        return Worker(
            person=person,
            position=position,
            hire_type=hire_type,
            hired=hired,
            left=left,
            education=education,
            certificate=certificate,
            certificate_gained=gained,
            pay_multiple=pay,
            trainings=self._trainings(hired),
            insured=self._insured(hired),
            phone=person.phone or mobile(rng),
        )

    def _trainings(self, hired: date) -> tuple[date, ...]:
        t, window = self.traits, self.city.window
        dates = []
        for year in range(window.start.year - 1, window.end.year + 1):
            share = t.drifted("certificates", t.emergency_share, 0.1, max(0, year - window.start.year))
            day = date(year, self.training_month, between(self.rng, 10, 25))
            if self.rng.random() < share and day >= hired:
                dates.append(day)
        return tuple(dates)

    def _insured(self, hired: date) -> tuple[tuple[str, date], ...]:
        rng, t = self.rng, self.traits
        enrolled = max(hired, EMPLOYEE_SCHEME_START)
        missing = INSURANCE_GAPS.draw(rng) if rng.random() < t.insurance_gap else None
        insured = []
        for insurance in COMMITTEE_INSURANCE:
            if insurance != missing:
                insured.append((insurance, enrolled))
            elif t.direction("worker_insurance") == IMPROVING and rng.random() < 0.6:
                insured.append((insurance, max(enrolled, self.city.window.day_in(rng))))
        return tuple(insured)

    def leaving(self, person: Person, hired: date) -> date | None:
        """When a worker leaves inside the window: month by month at the district's rate."""
        t, window = self.traits, self.city.window
        for period in window.periods:
            first = date(int(period[:4]), int(period[5:]), 1)
            if first < hired:
                continue
            rate = t.drifted("attrition", t.attrition, -0.03, window.years_since_start(first))
            if self.rng.random() < max(0.0, rate) / 12:
                day = first + timedelta(days=between(self.rng, 0, 27))
                return min(day, person.left) if person.left else day
        return person.left


def _positions(one_shoulder: bool, size: int, rng: random.Random) -> list[tuple[str, str]]:
    """(position, kind) of each post of a roster of ``size``, leaders first."""
    leaders = LEADERS_ONE_SHOULDER if one_shoulder else LEADERS_SEPARATE
    posts = [(p, "leader") for p in leaders]
    rest = max(0, size - len(posts))
    elected = round(rest * ELECTED_SHARE)
    posts += [(ELECTED[i % len(ELECTED)], "elected") for i in range(elected)]
    for _ in range(rest - elected):
        position = STAFF_POSITIONS.draw(rng)
        posts.append((position, position))
    return posts


def roster(city: City, community: Community, households: list[Household],
           people: list[Person]) -> list[Worker]:
    """Everyone who works for the community's committee at some point of the window."""
    hiring = _Hiring(city, community, people)
    rng, t, window = hiring.rng, hiring.traits, city.window
    present = sum(h.present_on(window.start) for h in households)
    size = max(2, math.floor(present / (t.households_per_worker * rng.lognormvariate(0, 0.12))))
    posts = _positions(community.profile.one_shoulder, size, rng)

    workers: list[Worker] = []
    openings: list[tuple[date, str, str]] = []
    for is_leader in (True, False):
        own = [post for post in posts if (post[1] == "leader") == is_leader]
        for person, (position, kind) in zip(
            hiring.candidates(window.start, is_leader, len(own)), own, strict=False
        ):
            service = min(person.age_on(window.start) - 21, rng.expovariate(1 / 7))
            hired = window.start - timedelta(days=round(max(0.1, service) * 365.25))
            hired = max(hired, person.registered)
            left = hiring.leaving(person, hired)
            workers.append(hiring.worker(person, position, kind, hired, left))
            if left is not None:
                openings.append((left, position, kind))
    if t.direction("staffing") == IMPROVING:
        for _ in range(round(size * 0.12 * window.years + rng.random())):
            openings.append((window.day_in(rng), "专职社工", "专职社工"))
    while openings:
        opening, position, kind = openings.pop(0)
        if kind != "leader" and t.direction("staffing") == WORSENING and rng.random() < 0.4:
            continue  # a staff post stays vacant; leaders are always replaced
        hired = opening + timedelta(days=between(rng, 20, 120))
        if hired > window.end:
            continue
        for person in hiring.candidates(hired, kind == "leader", 1):
            left = hiring.leaving(person, hired)
            workers.append(hiring.worker(person, position, kind, hired, left))
            if left is not None:
                openings.append((left, position, kind))
    return workers


def monthly_pay(worker: Worker, community: Community, day: date, window_start: date) -> int:
    """Pay on ``day``: set against the minimum wage at the window start, raised each 1 July."""
    t = community.district.traits
    raises = sum(1 for year in range(window_start.year, day.year + 1)
                 if window_start < date(year, 7, 1) <= day)
    base = min_wage(community.district.min_wage_band, window_start) * worker.pay_multiple
    return int(round(base * (1 + ANNUAL_RAISE[t.direction("pay")]) ** raises, -1))
