"""Everything the extracts say about one community over the window, derived once and on demand.

Writers of every table and month share one ``CommunityLife``, so each part of a community (its
people, workers, organisations, events) is drawn at most once per generation run.
"""

import functools
from datetime import date

from sources.generator.city import City, Community
from sources.generator.civic import Election, election, election_year
from sources.generator.events import Case, Dispute, UnemploymentSpell, cases, disputes, unemployment
from sources.generator.organisations import SocialOrg, organisations
from sources.generator.population import CommunityPopulation, Household, Person
from sources.generator.welfare import AssistanceCase, ReleasedPerson, assistance_cases, released_persons
from sources.generator.workforce import Worker, roster


class CommunityLife:
    def __init__(self, city: City, community: Community) -> None:
        self.city = city
        self.community = community
        self._population = CommunityPopulation(city, community)
        self._elections: dict[int, Election] = {}

    @property
    def households(self) -> list[Household]:
        return self._population.households

    @property
    def people(self) -> list[Person]:
        return self._population.people

    @functools.cached_property
    def workers(self) -> list[Worker]:
        return roster(self.city, self.community, self.households, self.people)

    @functools.cached_property
    def workers_by_id(self) -> dict[str, Worker]:
        return {w.person.id_number: w for w in self.workers}

    @functools.cached_property
    def organisations(self) -> list[SocialOrg]:
        return organisations(self.city, self.community)

    @functools.cached_property
    def released(self) -> list[ReleasedPerson]:
        return released_persons(self.city, self.community, self.people)

    @functools.cached_property
    def assistance(self) -> list[AssistanceCase]:
        return assistance_cases(self.city, self.community, self.people, self.released)

    @functools.cached_property
    def disputes(self) -> list[Dispute]:
        return disputes(self.city, self.community)

    @functools.cached_property
    def cases(self) -> list[Case]:
        return cases(self.city, self.community)

    @functools.cached_property
    def unemployment(self) -> list[UnemploymentSpell]:
        return unemployment(self.city, self.community, self.people)

    def election_on(self, day: date) -> Election:
        """The latest election: one draw per term, kept."""
        year = election_year(self.city, self.community, day)
        if year not in self._elections:
            self._elections[year] = election(self.city, self.community, self.people, year)
        return self._elections[year]
