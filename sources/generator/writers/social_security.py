"""人社局: insurance enrolments, unemployment registrations, minimum wages."""

from collections.abc import Iterator
from datetime import date

from sources.generator.community import CommunityLife
from sources.generator.population import Person
from sources.generator.wages import standards_in_force
from sources.generator.writers.registry import Extract, Row, city_table, community_table

# Social security learns of a death within about a quarter.
DEATH_NOTICE_DAYS = 92


def _recently_left(person: Person, as_at: date) -> bool:
    """The register lags behind deaths and moves: someone who left is kept a while."""
    if person.left is None or person.left > as_at:
        return False
    days_gone = (as_at - person.left).days
    return days_gone < (DEATH_NOTICE_DAYS if person.died else person.insurance_lag_days)


@community_table("ss_insurance")
def insurance_rows(ex: Extract, life: CommunityLife) -> Iterator[Row]:
    as_at, workers = ex.as_at, life.workers_by_id
    committee = life.community.committee_uscc
    for person in life.people:
        present = person.present_on(as_at)
        if not present and not _recently_left(person, as_at):
            continue
        # Contributions stop for those who left: for good when they died.
        gone = None if present else "终止" if person.died else "暂停缴费"
        worker = workers.get(person.id_number)
        if worker is not None and worker.hired <= as_at:
            # The committee enrols its workers; once they leave the post, contributions pause.
            status = gone or ("参保缴费" if worker.employed_on(as_at) else "暂停缴费")
            for insurance_type, enrolled in worker.insured:
                if enrolled <= as_at:
                    yield {
                        "id_number": person.id_number,
                        "insurance_type": insurance_type,
                        "status": status,
                        "enrolled_date": ex.date(enrolled),
                        "employer_uscc": committee,
                    }
            continue
        for e in person.enrolments:
            if e.enrolled <= as_at:
                yield {
                    "id_number": person.id_number,
                    "insurance_type": e.insurance_type,
                    "status": gone or e.status,
                    "enrolled_date": ex.date(e.enrolled),
                    "employer_uscc": e.employer_uscc,
                }


@community_table("ss_unemployment")
def unemployment_rows(ex: Extract, life: CommunityLife) -> Iterator[Row]:
    first, as_at = ex.first_day, ex.as_at
    for spell in life.unemployment:
        new = first <= spell.registered <= as_at
        reemployed_now = (spell.registered < first and spell.reemployed is not None
                          and first <= spell.reemployed <= as_at)
        if new or reemployed_now:
            reemployed, channel = spell.state_on(as_at)
            yield {
                "registration_no": spell.number,
                "id_number": spell.person.id_number,
                "community_code": life.community.code,
                "registered_date": ex.date(spell.registered),
                "reemployed_date": ex.date(reemployed),
                "channel": channel,
            }


@city_table("ss_min_wage")
def min_wage_rows(ex: Extract) -> Iterator[Row]:
    for district in ex.city.districts:
        for since, wage in standards_in_force(district.min_wage_band, ex.as_at):
            yield {
                "district_code": district.code[:6],
                "effective_from": ex.date(since),
                "monthly_min_wage_yuan": ex.number("monthly_min_wage_yuan", wage),
            }
