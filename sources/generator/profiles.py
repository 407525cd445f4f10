"""What civil affairs records about each community, and when it changes inside the window."""

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta

from sources.generator.traits import IMPROVING, WORSENING, DistrictTraits
from sources.generator.window import Window

SHARING_DEPARTMENTS = ("公安", "民政", "人社")


@dataclass(frozen=True)
class CommunityProfile:
    """What civil affairs records about a community, with the dates on which it changes."""

    community_type: str
    office_area_m2: float
    office_tenure: str
    # (date, new area, new tenure): a move into other premises inside the window.
    premises_change: tuple[date, float, str] | None
    has_service_hall: bool
    outdoor_area_m2: float
    day_care_from: date | None
    annual_funding_10k_yuan: float
    # Relative change of the annual funding at each new budget year (January) in the window.
    funding_growth: float
    collective_income_10k_yuan: float
    party_org_level: str
    one_shoulder: bool
    volunteer_share: float
    platform_from: date | None
    data_shared_with: tuple[str, ...]
    full_sharing_from: date | None
    reporting_factor: float

    def office_on(self, day: date) -> tuple[float, str]:
        if self.premises_change is not None and self.premises_change[0] <= day:
            return self.premises_change[1], self.premises_change[2]
        return self.office_area_m2, self.office_tenure

    def funding_on(self, day: date, window: Window) -> float:
        budgets = day.year - window.start.year
        return round(self.annual_funding_10k_yuan * (1 + self.funding_growth) ** budgets, 2)

    def shared_on(self, day: date) -> tuple[str, ...]:
        if self.full_sharing_from is not None and self.full_sharing_from <= day:
            return SHARING_DEPARTMENTS
        return self.data_shared_with





def change_date(rng: random.Random, window: Window, chance: float) -> date | None:
    """A day inside the window with probability ``chance``, else None."""
    return window.day_in(rng) if rng.random() < chance else None


def _premises(
    rng: random.Random, t: DistrictTraits, window: Window
) -> tuple[float, str, tuple[date, float, str] | None]:
    """Office area and tenure, and a move inside the window: improving districts give rented
    offices premises of their own, worsening ones lose rooms (面临拆迁、收回)."""
    draw = rng.random()
    if draw < 0.01:
        return 0.0, "无", None
    rented = draw < 0.01 + t.rented_share
    tenure = ("租赁" if rng.random() < 0.75 else "借用") if rented else "自有"
    median = t.office_area_median
    area = round(min(1200.0, max(40.0, rng.lognormvariate(math.log(median), 0.45))), 1)
    change = None
    direction = t.direction("premises")
    if rented and direction == IMPROVING and rng.random() < 0.5:
        change = (window.day_in(rng), round(max(300.0, area * 1.5), 1), "自有")
    elif direction == WORSENING and rng.random() < 0.3:
        change = (window.day_in(rng), round(area * 0.6, 1), "借用")
    return area, tenure, change


_ADOPTION = {IMPROVING: 0.5, 0: 0.1, WORSENING: 0.0}
_FUNDING_GROWTH = {IMPROVING: 0.12, 0: 0.03, WORSENING: -0.08}


def draw_profile(
    rng: random.Random,
    t: DistrictTraits,
    window: Window,
    community_type: str,
    households: int,
    elderly_share: float,
) -> CommunityProfile:
    area, tenure, premises_change = _premises(rng, t, window)
    collective = 0.0
    if rng.random() >= t.collective_zero_share:
        collective = round(rng.lognormvariate(3.0, 1.2), 2)
    party_level = "党委" if households > 3000 else "党总支" if households > 1200 else "党支部"
    if rng.random() < t.day_care_share + (elderly_share - 0.18):
        day_care_from = window.start - timedelta(days=365)
    else:
        day_care_from = change_date(rng, window, _ADOPTION[t.direction("elderly_care")])
    if rng.random() < t.platform_share:
        platform_from = window.start - timedelta(days=365)
    else:
        platform_from = change_date(rng, window, _ADOPTION[t.direction("informatisation")])
    if rng.random() < t.sharing_share:
        shared = SHARING_DEPARTMENTS
        full_from = None
    else:
        shared = tuple(dept for dept in SHARING_DEPARTMENTS if rng.random() < 0.5)
        if len(shared) == len(SHARING_DEPARTMENTS):
            shared = shared[1:]
        full_from = change_date(rng, window, _ADOPTION[t.direction("informatisation")])
    funding = households * t.funding_per_household * rng.lognormvariate(0, 0.15) / 10_000
    return CommunityProfile(
        community_type=community_type,
        office_area_m2=area,
        office_tenure=tenure,
        premises_change=premises_change,
        has_service_hall=rng.random() < 0.85,
        outdoor_area_m2=round(rng.lognormvariate(math.log(600), 0.8), 1),
        day_care_from=day_care_from,
        annual_funding_10k_yuan=round(max(2.0, funding), rng.choice((1, 2))),
        funding_growth=_FUNDING_GROWTH[t.direction("funding")],
        collective_income_10k_yuan=collective,
        party_org_level=party_level,
        one_shoulder=rng.random() < 0.8,
        volunteer_share=rng.uniform(0.03, 0.12),
        platform_from=platform_from,
        data_shared_with=shared,
        full_sharing_from=full_from,
        reporting_factor=rng.uniform(0.95, 1.05),
    )
