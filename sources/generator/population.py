"""Households and people of one community over the generation window.

A community's population is derived from the seed alone, once for the whole window, so every
extract of every month sees the same people with the same IDs while only one community is held in
memory. Households come and go and people are born and die inside the window; each record carries
the dates that decide whether it appears in a month's snapshot.
"""

import functools
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from dagster_project.lib.identifiers import resident_id_check_char
from sources.generator.city import City, Community
from sources.generator.draws import Weighted, between, day_between, pick
from sources.generator.names import given_name, mobile, surname
from sources.generator.origins import ORIGIN_COUNTY_CODES
from sources.generator.window import Window

LOCAL = "户籍人口"
FLOATING = "流动人口"

# Annual rates: moves out of the community (migrants move far more) and births per fertile woman.
MOVE_OUT_RATE = {LOCAL: 0.04, FLOATING: 0.20}
FERTILITY = ((22, 34, 0.07), (35, 40, 0.03))
# Annual probability of death by lower age bound.
MORTALITY = ((90, 0.20), (80, 0.08), (70, 0.03), (60, 0.01), (50, 0.005), (0, 0.002))

FLOATING_HOUSEHOLD_SIZE = 2.2
EARLIEST_LOCAL_MOVE_IN = date(1985, 1, 1)
RESIDENT_SCHEME_START = date(2012, 1, 1)
EMPLOYEE_SCHEME_START = date(1995, 1, 1)
MALE_ORDER_DIGITS = (1, 3, 5, 7, 9)
FEMALE_ORDER_DIGITS = (2, 4, 6, 8)  # never 0, so no order code reads 000
SEXES = ("男", "女")
EMPLOYEE_STATUS = Weighted([("参保缴费", 93), ("暂停缴费", 5), ("终止", 2)])
RESIDENT_SCHEME_STATUS = Weighted([("参保缴费", 90), ("暂停缴费", 8), ("终止", 2)])


@dataclass(frozen=True)
class Household:
    number: str
    kind: str
    moved_in: date
    moved_out: date | None
    size: int
    seed: int

    def present_on(self, day: date) -> bool:
        return self.moved_in <= day and (self.moved_out is None or day < self.moved_out)


@dataclass(frozen=True)
class Enrolment:
    insurance_type: str
    status: str
    enrolled: date
    employer_uscc: str


@dataclass(frozen=True)
class Person:
    id_number: str
    name: str
    sex: str
    birth_date: date
    household: Household
    role: str  # head, spouse, child, grandchild, parent or other
    registered: date
    left: date | None
    died: bool
    phone: str
    enrolments: tuple[Enrolment, ...]
    # How long the social-security register keeps someone after they move away.
    insurance_lag_days: int

    def present_on(self, day: date) -> bool:
        return self.registered <= day and (self.left is None or day < self.left)

    def age_on(self, day: date) -> int:
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    @property
    def kind(self) -> str:
        return self.household.kind


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _happens_in_window(rng: random.Random, annual_rate: float, years: float) -> bool:
    return rng.random() < 1 - (1 - annual_rate) ** years


def _household_size(rng: random.Random, mean: float, max_extra: int) -> int:
    """1 + Binomial(max_extra, p) with the given mean: bounded and cheap."""
    p = min(1.0, max(0.0, (mean - 1) / max_extra))
    return 1 + sum(rng.random() < p for _ in range(max_extra))


def _households(city: City, community: Community) -> list[Household]:
    rng = random.Random(f"{city.seed}/households/{community.code}")
    window = city.window
    floating_persons = community.residents * community.floating_share
    counts = {
        LOCAL: round((community.residents - floating_persons) / community.household_size),
        FLOATING: round(floating_persons / FLOATING_HOUSEHOLD_SIZE),
    }
    drafts: list[tuple[str, date, date | None, int]] = []
    for kind, count in counts.items():
        mean_size = community.household_size if kind == LOCAL else FLOATING_HOUSEHOLD_SIZE
        max_extra = 5 if kind == LOCAL else 3
        earliest = (
            EARLIEST_LOCAL_MOVE_IN if kind == LOCAL else window.start - timedelta(days=6 * 365)
        )
        for _ in range(count):
            moved_in = day_between(rng, earliest, window.start - timedelta(days=1))
            moved_out = None
            if _happens_in_window(rng, MOVE_OUT_RATE[kind], window.years):
                moved_out = day_between(rng, window.start, window.end)
            drafts.append((kind, moved_in, moved_out, _household_size(rng, mean_size, max_extra)))
        # Newcomers replace leavers so the community stays about the same size.
        expected = count * (1 - (1 - MOVE_OUT_RATE[kind]) ** window.years)
        for _ in range(int(expected) + (rng.random() < expected % 1)):
            moved_in = day_between(rng, window.start, window.end)
            drafts.append((kind, moved_in, None, _household_size(rng, mean_size, max_extra)))

    result = []
    for serial, (kind, moved_in, moved_out, size) in enumerate(drafts, start=1):
        prefix = "" if kind == LOCAL else "Z"
        result.append(
            Household(
                f"{prefix}{community.code[4:]}{serial:05d}",
                kind,
                moved_in,
                moved_out,
                size,
                rng.getrandbits(64),
            )
        )
    return result


def _member_ages(
    rng: random.Random, household: Household, elderly_share: float
) -> list[tuple[str, int]]:
    """(role, age at the window start) of each member, head first."""
    size = household.size
    if household.kind == FLOATING:
        head = round(rng.triangular(18, 55, 30))
        ages = [("head", head)]
        if size > 1 and rng.random() < 0.7:
            ages.append(("spouse", max(18, head + between(rng, -4, 3))))
        while len(ages) < size:
            child = head - between(rng, 22, 34)
            ages.append(("child", child) if child >= 0 else ("other", between(rng, 18, 40)))
        return ages

    # Elderly-headed households carry most of the 60+ population; the share is tuned per community.
    if rng.random() < elderly_share * 1.45:
        head = round(rng.triangular(60, 95, 66))
        ages = [("head", head)]
        if size > 1 and rng.random() < 0.7:
            ages.append(("spouse", max(58, head + between(rng, -4, 3))))
        while len(ages) < size:
            child = head - between(rng, 25, 35)
            grandchild = child - between(rng, 24, 32)
            has_child = any(role == "child" for role, _ in ages)
            ages.append(
                ("grandchild", grandchild) if has_child and grandchild >= 0 else ("child", child)
            )
        return ages

    head = round(rng.triangular(23, 62, 42))
    ages = [("head", head)]
    if size > 1 and rng.random() < 0.85:
        ages.append(("spouse", max(20, head + between(rng, -4, 3))))
    children = 0
    while len(ages) < size:
        child = head - between(rng, 23, 36)
        if child >= 0 and children < 2:
            ages.append(("child", child))
            children += 1
        else:
            ages.append(("parent", head + between(rng, 24, 32)))
    return ages


def _birth_date(rng: random.Random, window: Window, age: int) -> date:
    return window.start - timedelta(days=math.floor((age + rng.random()) * 365.2425))


def _mortality(age: int) -> float:
    return next(rate for lower, rate in MORTALITY if age >= lower)


def _phone(rng: random.Random, age: int) -> str:
    share = 0.0 if age < 16 else 0.6 if age < 18 else 0.92 if age < 75 else 0.5
    return mobile(rng) if rng.random() < share else ""


class _IdIssuer:
    """Unique, checksummed IDs for one community.

    The order code's first two digits are the community's slot: its index modulo 100, unique
    within a district since a district holds at most 100 communities. Migrants' home counties are
    split into disjoint classes by index // 100. So only one community can issue a given (area,
    birth date, order) triple, and checking uniqueness inside the community suffices.
    """

    def __init__(self, community: Community, community_count: int) -> None:
        self.slot = community.index % 100
        classes = math.ceil(community_count / 100)
        self.origins = ORIGIN_COUNTY_CODES[community.index // 100 :: classes]
        self.issued: set[str] = set()

    def issue(self, rng: random.Random, area: str, birth: date, sex: str) -> tuple[str, date]:
        digits = MALE_ORDER_DIGITS if sex == "男" else FEMALE_ORDER_DIGITS
        first = between(rng, 0, len(digits) - 1)
        while True:
            for digit in digits[first:] + digits[:first]:
                body = (
                    f"{area}{birth.year:04d}{birth.month:02d}{birth.day:02d}{self.slot:02d}{digit}"
                )
                id_number = body + resident_id_check_char(body)
                if id_number not in self.issued:
                    self.issued.add(id_number)
                    return id_number, birth
            # All order codes of that day are taken: record the person a day older.
            birth -= timedelta(days=1)


def _employer(rng: random.Random, city: City) -> str:
    # Squaring the draw gives the first employers of the pool most of the staff. Residents'
    # committees employ only the community workers (see ``workforce``).
    return city.employers[int(len(city.employers) * rng.random() ** 2)]


def _employee_enrolments(
    rng: random.Random,
    city: City,
    community: Community,
    kind: str,
    birth: date,
    age: int,
    working: bool,
) -> tuple[Enrolment, ...]:
    coverage = community.district.coverage * (0.75 if kind == FLOATING else 1.0)
    employer = _employer(rng, city)
    first = max(EMPLOYEE_SCHEME_START, _years_after(birth, 18))
    since = day_between(rng, first, city.window.start - timedelta(days=1))
    types = ["城镇职工养老"] if rng.random() < coverage else []
    types += ["职工医疗"] if rng.random() < 0.97 else []
    if working:
        types += ["失业"] if rng.random() < 0.8 else []
        types += ["工伤"] if rng.random() < 0.85 else []
    # One employer pays all of a person's contributions, so they lapse together.
    status = "参保缴费" if not working else EMPLOYEE_STATUS.draw(rng)
    return tuple(Enrolment(insurance_type, status, since, employer) for insurance_type in types)


def _resident_enrolments(
    rng: random.Random, community: Community, kind: str, birth: date, age: int, window: Window
) -> tuple[Enrolment, ...]:
    coverage = community.district.coverage * (0.75 if kind == FLOATING else 1.0)
    result = []
    if age >= 16 and rng.random() < coverage:
        since = day_between(
            rng, max(RESIDENT_SCHEME_START, _years_after(birth, 16)), window.start
        )
        status = RESIDENT_SCHEME_STATUS.draw(rng)
        result.append(Enrolment("城乡居民养老", status, since, ""))
    if rng.random() < 0.9:
        earliest = max(RESIDENT_SCHEME_START, birth + timedelta(days=between(rng, 30, 120)))
        since = day_between(rng, earliest, max(earliest, window.start))
        result.append(Enrolment("居民医疗", "参保缴费", since, ""))
    return tuple(result)


def _enrolments(
    rng: random.Random, city: City, community: Community, kind: str, birth: date, age: int
) -> tuple[Enrolment, ...]:
    """Employees and pensioners in the employee schemes; others may join the residents' schemes."""
    if age >= 16:
        employment_rate = 0.25 if age < 22 else 0.72 if kind == FLOATING else 0.62
        working = age < 60 and rng.random() < employment_rate
        if working or (age >= 60 and rng.random() < 0.5):
            return _employee_enrolments(rng, city, community, kind, birth, age, working)
    return _resident_enrolments(rng, community, kind, birth, age, city.window)


@dataclass
class _Member:
    role: str
    age: int
    sex: str
    surname: str
    born_in_window: date | None = None


def _sexes_and_surnames(rng: random.Random, roles: list[tuple[str, int]]) -> list[_Member]:
    members: list[_Member] = []
    for role, age in roles:
        if role == "head":
            sex = "男" if rng.random() < 0.6 else "女"
        elif role == "spouse":
            sex = "女" if members[0].sex == "男" else "男"
        else:
            sex = pick(rng, SEXES)
        family_name = (
            surname(rng) if role in ("head", "spouse", "other") else _family_surname(members)
        )
        members.append(_Member(role, age, sex, family_name))
    return members


def _family_surname(members: list[_Member]) -> str:
    """The surname children take: the husband's when there is a couple, else the head's."""
    for member in members:
        if member.role in ("head", "spouse") and member.sex == "男":
            return member.surname
    return members[0].surname


def _newborn(
    rng: random.Random, members: list[_Member], household: Household, window: Window
) -> _Member | None:
    mother = next((m for m in members if m.role in ("head", "spouse") and m.sex == "女"), None)
    if mother is None:
        return None
    rate = next((r for low, high, r in FERTILITY if low <= mother.age <= high), 0.0)
    if not _happens_in_window(rng, rate, window.years):
        return None
    born = day_between(
        rng, max(window.start, household.moved_in), household.moved_out or window.end
    )
    return _Member("child", 0, pick(rng, SEXES), _family_surname(members), born)


def _people(city: City, community: Community, households: list[Household]) -> Iterator[Person]:
    window = city.window
    issuer = _IdIssuer(community, len(city.communities))
    for household in households:
        rng = random.Random(household.seed)
        area = community.district.code[:6] if household.kind == LOCAL else pick(rng, issuer.origins)
        members = _sexes_and_surnames(rng, _member_ages(rng, household, community.elderly_share))
        newborn = _newborn(rng, members, household, window)
        if newborn is not None:
            members.append(newborn)

        for member in members:
            if member.born_in_window is None:
                birth = _birth_date(rng, window, member.age)
                registered = household.moved_in
                if birth >= registered:
                    registered = birth + timedelta(days=between(rng, 7, 60))
            else:
                birth = member.born_in_window
                registered = birth + timedelta(days=between(rng, 7, 45))
            id_number, birth = issuer.issue(rng, area, birth, member.sex)
            left, died = household.moved_out, False
            if _happens_in_window(rng, _mortality(member.age), window.years):
                death = day_between(rng, max(window.start, registered), window.end)
                if left is None or death < left:
                    left, died = death, True
            yield Person(
                id_number=id_number,
                name=member.surname + given_name(rng, member.sex),
                sex=member.sex,
                birth_date=birth,
                household=household,
                role=member.role,
                registered=registered,
                left=left,
                died=died,
                phone=_phone(rng, member.age),
                enrolments=_enrolments(rng, city, community, household.kind, birth, member.age),
                insurance_lag_days=0 if rng.random() < 0.4 else between(rng, 60, 240),
            )


class CommunityPopulation:
    """One community's households and people, derived on first use and shared by every writer."""

    def __init__(self, city: City, community: Community) -> None:
        self.city = city
        self.community = community

    @functools.cached_property
    def households(self) -> list[Household]:
        """Every household living here at some point of the window, in register order."""
        return _households(self.city, self.community)

    @functools.cached_property
    def people(self) -> list[Person]:
        """Everyone living here at some point of the window, household by household."""
        return list(_people(self.city, self.community, self.households))
