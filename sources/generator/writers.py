"""One row source per extract table, keyed by the contract's table name.

Each writer yields the rows of one table for one period as dicts keyed by the contract's canonical
column names; ``formats.CsvSink`` turns them into the department's file. Most tables are written
community by community: all of a month's such tables share each community's population, derived
once. A new table is one more function registered here.
"""

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from sources.generator.city import City
from sources.generator.formats import FORMATS
from sources.generator.population import CommunityPopulation, Person

Row = dict[str, str]


@dataclass(frozen=True)
class Extract:
    """What a writer needs for one table and period."""

    city: City
    department: str
    period: str
    as_at: date
    rng: random.Random

    def date_text(self, day: date) -> str:
        return FORMATS[self.department].date_text(self.rng, day)


CityRows = Callable[[Extract], Iterator[Row]]
CommunityRows = Callable[[Extract, CommunityPopulation], Iterator[Row]]
CITY_WRITERS: dict[str, CityRows] = {}
COMMUNITY_WRITERS: dict[str, CommunityRows] = {}


def city_table(table: str) -> Callable[[CityRows], CityRows]:
    """Register a table written in one go for the whole city."""

    def register(fn: CityRows) -> CityRows:
        CITY_WRITERS[table] = fn
        return fn

    return register


def community_table(table: str) -> Callable[[CommunityRows], CommunityRows]:
    """Register a table written community by community, in the city's community order."""

    def register(fn: CommunityRows) -> CommunityRows:
        COMMUNITY_WRITERS[table] = fn
        return fn

    return register


def _yes_no(flag: bool) -> str:
    return "是" if flag else "否"


def _number(value: float) -> str:
    text = str(value)
    return text[:-2] if text.endswith(".0") else text


@city_table("ca_division")
def division_rows(ex: Extract) -> Iterator[Row]:
    for d in ex.city.divisions():
        yield {
            "division_code": d.code,
            "name": d.name,
            "level": d.level,
            "parent_code": d.parent_code,
            "urban_rural": d.urban_rural,
        }


@community_table("ca_community")
def community_rows(ex: Extract, population: CommunityPopulation) -> Iterator[Row]:
    c = population.community
    p = c.profile
    present = sum(h.present_on(ex.as_at) for h in population.households)
    volunteers = round(p.volunteer_share * present * c.household_size) + ex.rng.randint(-3, 3)
    yield {
        "community_code": c.code,
        "community_name": c.name,
        "community_type": p.community_type,
        "households_reported": str(round(present * p.reporting_factor)),
        "office_area_m2": _number(p.office_area_m2),
        "office_tenure": p.office_tenure,
        "has_service_hall": _yes_no(p.has_service_hall),
        "outdoor_area_m2": _number(p.outdoor_area_m2),
        "has_day_care": _yes_no(p.has_day_care),
        "annual_funding_10k_yuan": _number(p.annual_funding_10k_yuan),
        "collective_income_10k_yuan": _number(p.collective_income_10k_yuan),
        "party_org_level": p.party_org_level,
        "one_shoulder": _yes_no(p.one_shoulder),
        "volunteers_registered": str(max(0, volunteers)),
        "has_info_platform": _yes_no(p.has_info_platform),
        "data_shared_with": ";".join(p.data_shared_with),
    }


@community_table("ps_resident")
def resident_rows(ex: Extract, population: CommunityPopulation) -> Iterator[Row]:
    for person in population.people:
        if person.present_on(ex.as_at):
            yield {
                "id_number": person.id_number,
                "name": person.name,
                "household_no": person.household.number,
                "community_code": population.community.code,
                "residence_kind": person.household.kind,
                "registered_date": ex.date_text(person.registered),
                "phone": person.phone,
            }


# Social security learns of a death within about a quarter.
DEATH_NOTICE_DAYS = 92


def _in_insurance_register(person: Person, as_at: date) -> bool:
    """Residents, plus those who left recently: the register lags behind deaths and moves."""
    if person.present_on(as_at):
        return True
    if person.left is None or person.left > as_at:
        return False
    days_gone = (as_at - person.left).days
    return days_gone < (DEATH_NOTICE_DAYS if person.died else person.insurance_lag_days)


def _status(person: Person, own_status: str, as_at: date) -> str:
    if person.present_on(as_at):
        return own_status
    return "终止" if person.died else "暂停缴费"


@community_table("ss_insurance")
def insurance_rows(ex: Extract, population: CommunityPopulation) -> Iterator[Row]:
    for person in population.people:
        if not _in_insurance_register(person, ex.as_at):
            continue
        for e in person.enrolments:
            if e.enrolled <= ex.as_at:
                yield {
                    "id_number": person.id_number,
                    "insurance_type": e.insurance_type,
                    "status": _status(person, e.status, ex.as_at),
                    "enrolled_date": ex.date_text(e.enrolled),
                    "employer_uscc": e.employer_uscc,
                }
