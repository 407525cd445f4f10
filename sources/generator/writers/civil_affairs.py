"""民政局: divisions, community profiles, workers, social organisations, assistance, elections."""

from collections.abc import Iterator

from sources.generator.community import CommunityLife
from sources.generator.writers.registry import (
    Extract,
    Row,
    city_table,
    community_table,
    on_or_before,
    yes_no,
)
from sources.generator.workforce import monthly_pay

# How clerks write education when they do not pick from the list; the contract maps them back.
EDUCATION_AS_TYPED = {"本科": "大学本科", "大专": "专科", "高中(中专)": "中专", "初中及以下": "初中",
                      "研究生": "硕士研究生"}
TYPED_EDUCATION_SHARE = 0.1
VOLUNTEER_GROWTH_PER_MONTH = 0.01


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
def community_rows(ex: Extract, life: CommunityLife) -> Iterator[Row]:
    c, p, as_at = life.community, life.community.profile, ex.as_at
    present = sum(h.present_on(as_at) for h in life.households)
    months = (as_at.year - ex.city.window.start.year) * 12 + as_at.month - ex.city.window.start.month
    volunteers = p.volunteer_share * present * c.household_size
    volunteers *= (1 + VOLUNTEER_GROWTH_PER_MONTH) ** months
    area, tenure = p.office_on(as_at)
    yield {
        "community_code": c.code,
        "community_name": c.name,
        "community_type": p.community_type,
        "households_reported": ex.number("households_reported", round(present * p.reporting_factor)),
        "office_area_m2": ex.number("office_area_m2", area),
        "office_tenure": tenure,
        "has_service_hall": yes_no(p.has_service_hall),
        "outdoor_area_m2": ex.number("outdoor_area_m2", p.outdoor_area_m2),
        "has_day_care": yes_no(on_or_before(p.day_care_from, as_at)),
        "annual_funding_10k_yuan": ex.number(
            "annual_funding_10k_yuan", p.funding_on(as_at, ex.city.window)
        ),
        "collective_income_10k_yuan": ex.number(
            "collective_income_10k_yuan", p.collective_income_10k_yuan
        ),
        "party_org_level": p.party_org_level,
        "one_shoulder": yes_no(p.one_shoulder),
        "volunteers_registered": ex.number(
            "volunteers_registered", max(0, round(volunteers) + ex.rng.randint(-3, 3))
        ),
        "has_info_platform": yes_no(on_or_before(p.platform_from, as_at)),
        "data_shared_with": ";".join(p.shared_on(as_at)),
    }


@community_table("ca_worker")
def worker_rows(ex: Extract, life: CommunityLife) -> Iterator[Row]:
    for w in life.workers:
        if not w.employed_on(ex.as_at):
            continue
        education = w.education
        if ex.rng.random() < TYPED_EDUCATION_SHARE:
            education = EDUCATION_AS_TYPED[education]
        pay = monthly_pay(w, life.community, ex.as_at, ex.city.window.start)
        yield {
            "id_number": w.person.id_number,
            "name": w.person.name,
            "gender": w.person.sex,
            "community_code": life.community.code,
            "position": w.position,
            "hire_type": w.hire_type,
            "education": education,
            "sw_cert": w.certificate_on(ex.as_at),
            "hire_date": ex.date(w.hired),
            "monthly_pay_yuan": ex.number("monthly_pay_yuan", pay),
            "emergency_trained": yes_no(w.trained_in_year_to(ex.as_at)),
            "phone": w.phone,
        }


@community_table("ca_social_org")
def social_org_rows(ex: Extract, life: CommunityLife) -> Iterator[Row]:
    for org in life.organisations:
        if org.listed_on(ex.as_at):
            yield {
                "uscc": org.uscc or None,
                "filing_no": org.filing_no or None,
                "org_name": org.name,
                "community_code": life.community.code,
                "registration_kind": "登记" if org.registered else "备案",
                "field": org.field,
                "established_date": ex.date(org.founded),
                "status": org.status_on(ex.as_at),
                "active_last_year": yes_no(org.active_on(ex.as_at)),
            }


@community_table("ca_assistance")
def assistance_rows(ex: Extract, life: CommunityLife) -> Iterator[Row]:
    for case in life.assistance:
        if case.active_on(ex.as_at):
            yield {
                "case_id": case.case_id,
                "head_id_number": case.head.id_number,
                "community_code": life.community.code,
                "assistance_type": case.kind,
                "household_size": ex.number("household_size", case.size),
                "monthly_amount_yuan": ex.number("monthly_amount_yuan", case.amount_yuan),
                "start_date": ex.date(case.start),
            }


@community_table("ca_election")
def election_rows(ex: Extract, life: CommunityLife) -> Iterator[Row]:
    e = life.election_on(ex.as_at)
    yield {
        "community_code": life.community.code,
        "election_date": ex.date(e.held),
        "method": e.method,
        "registered_voters": ex.number("registered_voters", e.registered_voters),
        "ballots_cast": ex.number("ballots_cast", e.ballots_cast),
        "valid_ballots": ex.number("valid_ballots", e.valid_ballots),
        "seats": ex.number("seats", e.seats),
    }
