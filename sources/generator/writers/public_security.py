"""公安局: residents, disputes, cases, released persons, police rooms."""

from collections.abc import Iterator

from sources.generator.civic import police_rooms
from sources.generator.community import CommunityLife
from sources.generator.writers.registry import (
    Extract,
    Row,
    city_table,
    community_table,
    on_or_before,
    yes_no,
)


@community_table("ps_resident")
def resident_rows(ex: Extract, life: CommunityLife) -> Iterator[Row]:
    code = life.community.code
    for person in life.people:
        if person.present_on(ex.as_at):
            yield {
                "id_number": person.id_number,
                "name": person.name,
                "household_no": person.household.number,
                "community_code": code,
                "residence_kind": person.household.kind,
                "registered_date": ex.date(person.registered),
                "phone": person.phone,
            }


@community_table("ps_dispute")
def dispute_rows(ex: Extract, life: CommunityLife) -> Iterator[Row]:
    first, as_at = ex.first_day, ex.as_at
    for d in life.disputes:
        new = first <= d.accepted <= as_at
        closed_now = d.accepted < first and first <= d.closed <= as_at
        if new or closed_now:
            status, closed = d.state_on(as_at)
            yield {
                "dispute_no": d.number,
                "community_code": life.community.code,
                "accepted_date": ex.date(d.accepted),
                "category": d.category,
                "status": status,
                "closed_date": ex.date(closed),
            }


@community_table("ps_case")
def case_rows(ex: Extract, life: CommunityLife) -> Iterator[Row]:
    first, as_at = ex.first_day, ex.as_at
    for case in life.cases:
        new = first <= case.occurred <= as_at
        reclassified = (case.occurred < first and case.reclassified is not None
                        and first <= case.reclassified[0] <= as_at)
        if new or reclassified:
            yield {
                "case_no": case.number,
                "community_code": life.community.code,
                "occurred_date": ex.date(case.occurred),
                "case_class": case.case_class,
                "case_type": case.type_on(as_at),
            }


@community_table("ps_released_person")
def released_rows(ex: Extract, life: CommunityLife) -> Iterator[Row]:
    for r in life.released:
        if r.listed_on(ex.as_at):
            yield {
                "id_number": r.person.id_number,
                "community_code": life.community.code,
                "release_date": ex.date(r.released),
                "resettled": yes_no(on_or_before(r.resettled_on, ex.as_at)),
                "support_assigned": yes_no(on_or_before(r.support_on, ex.as_at)),
                "last_visit_date": ex.date(r.last_visit_on(ex.as_at)),
            }


@city_table("ps_police_room")
def police_room_rows(ex: Extract) -> Iterator[Row]:
    for room in police_rooms(ex.city):
        yield {
            "room_code": room.code,
            "community_code": ";".join(room.community_codes),
            "officers": ex.number("officers", room.officers_on(ex.as_at)),
            "auxiliary_officers": ex.number("auxiliary_officers", room.auxiliaries_on(ex.as_at)),
            "cctv_points": ex.number("cctv_points", room.cctv_on(ex.as_at, ex.city.window.start)),
        }
