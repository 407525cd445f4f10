"""How districts differ and drift: the calibration of seed-reports §4.3, district by district.

Every district is weak on a few themes, its parameters for them drawn from the side of the range
that breaches the norm the reports test, and sound on the others. Each district also improves on a
couple of themes and slips on a couple over the window. Different districts therefore trip different
findings, and previous-period and same-period-last-year comparisons move.
"""

import random
from dataclasses import dataclass

THEMES = (
    "staffing",
    "workforce_age",
    "gender",
    "education",
    "certificates",
    "pay",
    "attrition",
    "premises",
    "funding",
    "social_orgs",
    "informatisation",
    "participation",
    "safety",
    "resettlement",
    "disputes",
    "policing",
    "worker_insurance",
    "reemployment",
    "assistance",
    "elderly_care",
)
WEAK_THEMES_PER_DISTRICT = 3
DRIFTING_THEMES_PER_DIRECTION = 2
IMPROVING, STABLE, WORSENING = 1, 0, -1

# parameter: (theme, sound range, weak range). A parameter without a theme (None) is drawn from
# its one range everywhere.
_RANGES: dict[str, tuple[str | None, tuple[float, float], tuple[float, float]]] = {
    # Norm 300–400 households per worker; with rosters at the floor (see workforce), 40–60% of
    # communities end up over 400 city-wide.
    "households_per_worker": ("staffing", (360, 440), (460, 560)),
    "worker_age_shift": ("workforce_age", (-4.0, -1.0), (3.0, 6.0)),
    "female_share": ("gender", (0.62, 0.69), (0.74, 0.82)),
    "college_share": ("education", (0.62, 0.78), (0.38, 0.50)),
    "cert_share": ("certificates", (0.42, 0.58), (0.22, 0.33)),
    "emergency_share": ("certificates", (0.75, 0.95), (0.30, 0.50)),
    # Monthly pay over the local minimum wage; the norm is about 2.5×.
    "pay_multiple": ("pay", (2.6, 3.2), (1.9, 2.3)),
    "attrition": ("attrition", (0.04, 0.07), (0.11, 0.16)),
    "rented_share": ("premises", (0.12, 0.25), (0.40, 0.55)),
    "office_area_median": ("premises", (360, 480), (170, 250)),
    "funding_per_household": ("funding", (35, 70), (14, 26)),
    "collective_zero_share": ("funding", (0.30, 0.45), (0.55, 0.75)),
    "orgs_mean": ("social_orgs", (5.5, 8.0), (2.2, 3.2)),
    "org_active_share": ("social_orgs", (0.60, 0.80), (0.35, 0.48)),
    "platform_share": ("informatisation", (0.80, 0.95), (0.40, 0.60)),
    "sharing_share": ("informatisation", (0.70, 0.90), (0.30, 0.45)),
    "turnout": ("participation", (0.74, 0.90), (0.60, 0.68)),
    "direct_share": ("participation", (0.55, 0.90), (0.10, 0.30)),
    # Cases per 1,000 residents a year: criminal 1–6, public order 3–12.
    "criminal_rate": ("safety", (1.0, 3.0), (4.0, 6.0)),
    "public_order_rate": ("safety", (3.0, 7.0), (8.0, 12.0)),
    "resettlement": ("resettlement", (0.99, 1.0), (0.90, 0.95)),
    "visit_compliance": ("resettlement", (0.92, 1.0), (0.60, 0.75)),
    # Disputes per 1,000 residents a year 1–10; mediation success 92–100%.
    "dispute_rate": ("disputes", (1.5, 5.0), (6.0, 10.0)),
    "mediation_success": ("disputes", (0.96, 0.995), (0.90, 0.94)),
    # Households a community police officer covers (a finding fires above 3,000).
    "households_per_officer": ("policing", (800, 1800), (3200, 4500)),
    # Rooms whose officer post is vacant (the officer drawn back to station duty).
    "officer_vacancy": ("policing", (0.0, 0.05), (0.30, 0.50)),
    "aux_zero_share": ("policing", (0.0, 0.10), (0.35, 0.55)),
    "cctv_per_1000_households": ("policing", (40, 70), (12, 25)),
    "insurance_gap": ("worker_insurance", (0.0, 0.01), (0.06, 0.14)),
    # Chance that a registration ends in re-employment (most within three months): 70–90% re-employed.
    "reemployment": ("reemployment", (0.86, 0.96), (0.74, 0.80)),
    "assistance_share": ("assistance", (0.005, 0.009), (0.012, 0.020)),
    "day_care_share": ("elderly_care", (0.60, 0.85), (0.20, 0.35)),
    # Released persons under support per 1,000 residents; unemployment registrations per 1,000 a year.
    "released_per_1000": (None, (0.2, 1.0), (0.2, 1.0)),
    "unemployment_rate": (None, (4.0, 10.0), (4.0, 10.0)),
}


@dataclass(frozen=True)
class DistrictTraits:
    weak: frozenset[str]
    drift: tuple[tuple[str, int], ...]
    households_per_worker: float
    worker_age_shift: float
    female_share: float
    college_share: float
    cert_share: float
    emergency_share: float
    pay_multiple: float
    attrition: float
    rented_share: float
    office_area_median: float
    funding_per_household: float
    collective_zero_share: float
    orgs_mean: float
    org_active_share: float
    platform_share: float
    sharing_share: float
    turnout: float
    direct_share: float
    criminal_rate: float
    public_order_rate: float
    resettlement: float
    visit_compliance: float
    dispute_rate: float
    mediation_success: float
    households_per_officer: float
    officer_vacancy: float
    aux_zero_share: float
    cctv_per_1000_households: float
    insurance_gap: float
    reemployment: float
    assistance_share: float
    day_care_share: float
    released_per_1000: float
    unemployment_rate: float

    def direction(self, theme: str) -> int:
        """IMPROVING, STABLE or WORSENING over the window."""
        return dict(self.drift).get(theme, STABLE)

    def drifted(self, theme: str, value: float, step: float, years: float) -> float:
        """``value`` moved ``step`` a year in the good direction when improving, else the bad one.

        ``step`` is signed so that adding it is an improvement.
        """
        return value + self.direction(theme) * step * years


def draw_traits(rng: random.Random, index: int) -> DistrictTraits:
    """Traits of the ``index``-th district: its weak themes rotate so that neighbours differ."""
    start = index * WEAK_THEMES_PER_DISTRICT
    weak = frozenset(THEMES[(start + k) % len(THEMES)] for k in range(WEAK_THEMES_PER_DISTRICT))
    values = {}
    for name, (theme, sound, weak_range) in _RANGES.items():
        low, high = weak_range if theme in weak else sound
        values[name] = rng.uniform(low, high)
    drifting = rng.sample(THEMES, 2 * DRIFTING_THEMES_PER_DIRECTION)
    drift = tuple(
        (theme, IMPROVING if k < DRIFTING_THEMES_PER_DIRECTION else WORSENING)
        for k, theme in enumerate(drifting)
    )
    return DistrictTraits(weak=weak, drift=drift, **values)

