"""The synthetic city: divisions, community profiles and employers, from seed and scale.

Everything here is small (one object per division, one code per employer). The population itself is
derived community by community in ``population``, so memory stays flat as the scale grows.
"""

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass

from dagster_project.lib.identifiers import USCC_ALPHABET, orgcode_check_char, uscc_check_char
from sources.generator.names import place_name
from sources.generator.profiles import CommunityProfile, draw_profile
from sources.generator.traits import DistrictTraits, draw_traits
from sources.generator.window import Window

# Zhejiang has prefectures 01–11: prefecture 12 keeps the invented city clear of real places.
CITY_CODE = "331200000000"

# District codes 02–61; NBS statistical-code limits: 3-digit street and community parts; one
# order-code slot per community within a district (see population._IdIssuer), hence at most 100
# communities per district.
MAX_DISTRICTS = 60
MAX_STREETS_PER_DISTRICT = 99
MAX_COMMUNITIES_PER_STREET = 199
MAX_COMMUNITIES_PER_DISTRICT = 100
# Employers only label insurance enrolments: a bounded pool keeps the city object small.
MAX_EMPLOYERS = 100_000


@dataclass(frozen=True)
class Scale:
    residents: int
    districts: int
    streets: int
    communities: int


SCALES: dict[str, Scale] = {
    "tiny": Scale(residents=3_000, districts=3, streets=4, communities=12),
    "demo": Scale(residents=100_000, districts=5, streets=12, communities=40),
    "city": Scale(residents=2_500_000, districts=17, streets=170, communities=1_000),
    "province": Scale(residents=25_000_000, districts=60, streets=900, communities=4_500),
}


@dataclass(frozen=True)
class Tier:
    """How a kind of district differs: the core is denser, older and has more migrants."""

    floating_share: tuple[float, float]
    community_size: tuple[float, float]
    coverage: tuple[float, float]
    ageing: tuple[float, float]
    urban_rural: tuple[str, ...]
    min_wage_band: int


TIERS = {
    "core": Tier((0.16, 0.22), (1.3, 1.6), (0.92, 0.95), (0.02, 0.05), ("111",), 0),
    "inner": Tier((0.08, 0.12), (0.9, 1.2), (0.88, 0.92), (-0.01, 0.02), ("111", "111", "112"), 1),
    "outer": Tier(
        (0.03, 0.07), (0.5, 0.8), (0.84, 0.88), (-0.02, 0.03), ("112", "121", "122", "220"), 2
    ),
}

COMMUNITY_TYPES = {
    "111": (("纯居型", 6), ("商住混合", 3), ("厂矿企业", 1)),
    "112": (("村改居", 5), ("纯居型", 5)),
    "121": (("村改居", 6), ("农村社区", 4)),
    "122": (("村改居", 6), ("农村社区", 4)),
    "220": (("农村社区", 1),),
}
# Converted-village and rural communities are smaller (seed calibration: 600–1500 households).
SMALL_COMMUNITY_TYPES = frozenset({"村改居", "农村社区"})
RURAL_CLASSES = frozenset({"121", "122", "220"})


@dataclass(frozen=True)
class District:
    code: str
    name: str
    tier: str
    floating_share: float
    community_size: float
    coverage: float
    ageing: float
    traits: DistrictTraits

    @property
    def min_wage_band(self) -> int:
        """Index into the city's minimum-wage bands: the core pays the highest."""
        return TIERS[self.tier].min_wage_band


@dataclass(frozen=True)
class Street:
    code: str
    name: str
    district_code: str


@dataclass(frozen=True)
class Community:
    code: str
    name: str
    street_code: str
    district: District
    index: int
    urban_rural: str
    residents: int
    household_size: float
    floating_share: float
    elderly_share: float
    committee_uscc: str
    profile: CommunityProfile

    @property
    def households(self) -> int:
        """The planned number of households (the register itself varies month by month)."""
        return max(1, round(self.residents / self.household_size))

    @property
    def rural(self) -> bool:
        return self.urban_rural in RURAL_CLASSES


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: str
    parent_code: str
    urban_rural: str


@dataclass(frozen=True)
class City:
    code: str
    name: str
    seed: int
    window: Window
    districts: tuple[District, ...]
    streets: tuple[Street, ...]
    communities: tuple[Community, ...]
    employers: tuple[str, ...]

    def divisions(self) -> Iterator[Division]:
        yield Division(self.code, self.name, "市", "", "")
        for d in self.districts:
            yield Division(d.code, d.name, "区", self.code, "")
        for s in self.streets:
            yield Division(s.code, s.name, "街道", s.district_code, "")
        for c in self.communities:
            yield Division(c.code, c.name, "社区", c.street_code, c.urban_rural)


def _split(rng: random.Random, total: int, parts: int, spread: float, cap: int) -> list[int]:
    """``total`` split into ``parts`` integers in [1, cap], unequal by a lognormal ``spread``."""
    if not parts <= total <= parts * cap:
        raise ValueError(f"cannot split {total} into {parts} parts of 1 to {cap}")
    weights = [rng.lognormvariate(0, spread) for _ in range(parts)]
    scale = (total - parts) / sum(weights)
    counts = [min(cap, 1 + math.floor(w * scale)) for w in weights]
    # Hand the remainder out in a random order, skipping parts already full.
    order = rng.sample(range(parts), parts)
    while (short := total - sum(counts)) > 0:
        for i in order[:short]:
            if counts[i] < cap:
                counts[i] += 1
        order = [i for i in order if counts[i] < cap]
    return counts


def _tiers(n: int) -> list[str]:
    core = max(1, n // 5)
    outer = max(1, 2 * n // 5) if n > 1 else 0
    return ["core"] * core + ["inner"] * (n - core - outer) + ["outer"] * outer


def make_uscc(rng: random.Random, prefix: str, area: str, org_prefix: str) -> str:
    """A valid USCC: authority and type ``prefix``, registering area, GB 11714 body, check."""
    org_body = org_prefix + "".join(rng.choice(USCC_ALPHABET) for _ in range(8 - len(org_prefix)))
    body = prefix + area + org_body + orgcode_check_char(org_body)
    return body + uscc_check_char(body)


def _districts(rng: random.Random, count: int, taken: set[str]) -> list[District]:
    if count > MAX_DISTRICTS:
        raise ValueError(f"district codes 02–61 allow at most {MAX_DISTRICTS} districts")
    districts = []
    for i, tier_name in enumerate(_tiers(count)):
        tier = TIERS[tier_name]
        districts.append(
            District(
                code=f"{CITY_CODE[:4]}{i + 2:02d}000000",
                name=place_name(rng, "区", taken),
                tier=tier_name,
                floating_share=rng.uniform(*tier.floating_share),
                community_size=rng.uniform(*tier.community_size),
                coverage=rng.uniform(*tier.coverage),
                ageing=rng.uniform(*tier.ageing),
                traits=draw_traits(rng, i),
            )
        )
    return districts


def _streets(
    rng: random.Random, count: int, districts: list[District], taken: set[str]
) -> list[Street]:
    streets = []
    per_district = _split(rng, count, len(districts), 0.3, MAX_STREETS_PER_DISTRICT)
    for district, n in zip(districts, per_district, strict=True):
        for s in range(1, n + 1):
            code = f"{district.code[:6]}{s:03d}000"
            streets.append(Street(code, place_name(rng, "街道", taken), district.code))
    return streets


@dataclass(frozen=True)
class _CommunitySite:
    """Where a community sits and what kind it is, before residents are shared out."""

    code: str
    street_code: str
    district: District
    urban_rural: str
    community_type: str
    weight: float


def _sites(
    rng: random.Random, count: int, streets: list[Street], districts: list[District]
) -> list[_CommunitySite]:
    # Shared out by district first, so that no district outgrows its 100 order-code slots.
    per_district = _split(rng, count, len(districts), 0.15, MAX_COMMUNITIES_PER_DISTRICT)
    sites = []
    for district, district_count in zip(districts, per_district, strict=True):
        own_streets = [s for s in streets if s.district_code == district.code]
        per_street = _split(
            rng, district_count, len(own_streets), 0.3, MAX_COMMUNITIES_PER_STREET
        )
        for street, n in zip(own_streets, per_street, strict=True):
            for serial in range(1, n + 1):
                sites.append(_site(rng, street, district, serial))
    return sites


def _site(rng: random.Random, street: Street, district: District, serial: int) -> _CommunitySite:
    urban_rural = rng.choice(TIERS[district.tier].urban_rural)
    types = COMMUNITY_TYPES[urban_rural]
    community_type = rng.choices([t for t, _ in types], weights=[w for _, w in types])[0]
    weight = district.community_size * rng.lognormvariate(0, 0.35)
    if community_type in SMALL_COMMUNITY_TYPES:
        weight *= 0.6
    code = f"{street.code[:9]}{serial:03d}"
    return _CommunitySite(code, street.code, district, urban_rural, community_type, weight)


def _community(
    rng: random.Random,
    site: _CommunitySite,
    index: int,
    residents: int,
    window: Window,
    taken: set[str],
) -> Community:
    district = site.district
    household_size = min(3.6, max(2.0, rng.gauss(2.8, 0.25)))
    mu = district.floating_share
    floating = min(0.35, max(0.02, rng.betavariate(mu * 25, (1 - mu) * 25)))
    elderly = min(0.32, max(0.08, rng.gauss(0.18 + district.ageing, 0.03)))
    households = round(residents / household_size)
    return Community(
        code=site.code,
        name=place_name(rng, "社区", taken),
        street_code=site.street_code,
        district=district,
        index=index,
        urban_rural=site.urban_rural,
        residents=residents,
        household_size=household_size,
        floating_share=floating,
        elderly_share=elderly,
        committee_uscc=make_uscc(rng, "59", district.code[:6], "MJ"),
        profile=draw_profile(rng, district.traits, window, site.community_type, households, elderly),
    )


def build_city(scale: Scale, seed: int, window: Window) -> City:
    rng = random.Random(f"{seed}/city")
    taken: set[str] = set()
    city_name = place_name(rng, "市", taken)
    districts = _districts(rng, scale.districts, taken)
    streets = _streets(rng, scale.streets, districts, taken)
    # Sites are numbered district by district, which the ID issuer's order-code slots rely on.
    sites = _sites(rng, scale.communities, streets, districts)
    total_weight = sum(site.weight for site in sites)
    communities = tuple(
        _community(
            rng,
            site,
            index,
            max(30, round(scale.residents * site.weight / total_weight)),
            window,
            taken,
        )
        for index, site in enumerate(sites)
    )
    employer_count = min(MAX_EMPLOYERS, max(20, scale.residents // 40))
    employers = tuple(
        make_uscc(rng, "91", rng.choice(districts).code[:6], "MA") for _ in range(employer_count)
    )
    return City(
        CITY_CODE, city_name, seed, window, tuple(districts), tuple(streets), communities, employers
    )
