"""Residents' committee elections (换届选举) and community police rooms (社区警务室)."""

import random
from dataclasses import dataclass
from datetime import date

from sources.generator.city import City, Community, Street
from sources.generator.draws import between
from sources.generator.population import LOCAL, Person
from sources.generator.traits import IMPROVING

TERM_YEARS = 5
A_GENERAL_ELECTION_YEAR = 2021  # elections of all committees are held in the same spring
FLOATING_VOTER_SHARE = 0.3  # migrants resident long enough to register


@dataclass(frozen=True)
class Election:
    held: date
    method: str
    registered_voters: int
    ballots_cast: int
    valid_ballots: int
    seats: int


def _held(city: City, community: Community, year: int) -> date:
    rng = random.Random(f"{city.seed}/election-day/{community.code}/{year}")
    return date(year, between(rng, 1, 5), between(rng, 1, 28))


def election_year(city: City, community: Community, day: date) -> int:
    """Year of the latest election held on or before ``day``: this spring's once it took place."""
    year = day.year - (day.year - A_GENERAL_ELECTION_YEAR) % TERM_YEARS
    return year if _held(city, community, year) <= day else year - TERM_YEARS


def election(city: City, community: Community, people: list[Person], year: int) -> Election:
    held = _held(city, community, year)
    rng = random.Random(f"{city.seed}/election/{community.code}/{year}")
    t = community.district.traits
    # The register holds only people present from the window start on.
    census = max(held, city.window.start)
    adults = sum(
        1.0 if p.kind == LOCAL else FLOATING_VOTER_SHARE
        for p in people
        if p.present_on(census) and p.age_on(census) >= 18
    )
    voters = max(10, round(adults * rng.uniform(0.93, 1.02)))
    if rng.random() < t.direct_share:
        method = "直接选举"
    else:
        method = "户代表选举" if rng.random() < 0.6 else "居民代表选举"
    turnout = min(0.97, max(0.5, rng.gauss(t.turnout, 0.04)))
    ballots = round(voters * turnout)
    valid = round(ballots * rng.uniform(0.95, 0.995))
    households = community.households
    seats = 5 if households < 1000 else 7 if households < 3000 else 9
    return Election(held, method, voters, ballots, valid, seats)


@dataclass(frozen=True)
class PoliceRoom:
    code: str
    community_codes: tuple[str, ...]
    officers: int
    auxiliary_officers: int
    cctv_points: int
    # An improving district fills a vacant officer post and hires one more auxiliary (on these
    # dates), and adds cameras faster.
    officer_posted: date | None
    auxiliary_hired: date | None
    cctv_growth: float

    def officers_on(self, day: date) -> int:
        extra = 1 if self.officer_posted is not None and self.officer_posted <= day else 0
        return self.officers + extra

    def auxiliaries_on(self, day: date) -> int:
        extra = 1 if self.auxiliary_hired is not None and self.auxiliary_hired <= day else 0
        return self.auxiliary_officers + extra

    def cctv_on(self, day: date, window_start: date) -> int:
        months = (day.year - window_start.year) * 12 + day.month - window_start.month
        return round(self.cctv_points * (1 + self.cctv_growth) ** months)


def _room_groups(communities: list[Community]) -> list[list[Community]]:
    """Neighbouring communities of one street served by one room, up to the households an officer
    covers in the district (a well-policed city has a room per community, a thin one shares)."""
    groups: list[list[Community]] = []
    for community in communities:
        target = community.district.traits.households_per_officer
        if groups and sum(c.households for c in groups[-1]) + community.households <= 1.2 * target:
            groups[-1].append(community)
        else:
            groups.append([community])
    return groups


def police_rooms(city: City) -> list[PoliceRoom]:
    rng = random.Random(f"{city.seed}/police-rooms")
    by_street: dict[str, list[Community]] = {}
    for c in city.communities:
        by_street.setdefault(c.street_code, []).append(c)
    rooms = []
    for street in city.streets:
        rooms += _street_rooms(rng, city, street, by_street.get(street.code, []))
    return rooms


def _street_rooms(rng: random.Random, city: City, street: Street,
                  communities: list[Community]) -> list[PoliceRoom]:
    rooms = []
    for serial, group in enumerate(_room_groups(communities), start=1):
        t = group[0].district.traits
        households = sum(c.households for c in group)
        officers = max(1, round(households / t.households_per_officer))
        improving = t.direction("policing") == IMPROVING
        posted = None
        if rng.random() < t.officer_vacancy:
            officers -= 1
            posted = city.window.day_in(rng) if improving and rng.random() < 0.5 else None
        auxiliaries = 0 if rng.random() < t.aux_zero_share else between(rng, 1, 5)
        cctv = max(1, round(households * t.cctv_per_1000_households / 1000 * rng.lognormvariate(0, 0.2)))
        hired = city.window.day_in(rng) if improving and rng.random() < 0.5 else None
        growth = 0.02 if improving else 0.005
        rooms.append(PoliceRoom(f"JWS{street.code[4:9]}{serial:02d}",
                                tuple(c.code for c in group), officers, auxiliaries, cctv,
                                posted, hired, growth))
    return rooms
