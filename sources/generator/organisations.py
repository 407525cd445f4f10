"""Community social organisations (社区社会组织): registered with a USCC, or filed with the street.

Counts per community follow a negative binomial around the district's mean (seed: about 5, with
20–40% of communities under 3); organisations are founded and dissolved inside the window at rates
that depend on whether the district's organisations are growing or withering.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from dagster_project.lib.identifiers import USCC_ALPHABET, orgcode_check_char, uscc_check_char
from sources.generator.city import City, Community
from sources.generator.draws import Weighted, day_between, pick, poisson
from sources.generator.traits import IMPROVING, WORSENING

FIELDS: dict[str, tuple[str, ...]] = {
    "为老服务": ("老年协会", "银龄互助社", "助老服务队"),
    "文体娱乐": ("舞蹈队", "合唱团", "书画社", "太极拳队", "乒乓球协会"),
    "公益慈善": ("爱心基金", "慈善服务站"),
    "邻里互助": ("邻里互助会", "睦邻服务社"),
    "议事协商": ("居民议事会", "协商议事会"),
    "志愿服务": ("志愿服务队", "巾帼志愿队", "平安巡逻队"),
    "专业社工": ("社会工作服务站",),
    "其他": ("读书会", "亲子俱乐部"),
}
FIELD_DRAW = Weighted([("为老服务", 20), ("文体娱乐", 30), ("公益慈善", 8), ("邻里互助", 12),
                       ("议事协商", 8), ("志愿服务", 15), ("专业社工", 3), ("其他", 4)])
REGISTERED_SHARE = 0.25
# Negative-binomial shape: small, so counts are dispersed and many communities have fewer than 3.
SHAPE = 2.0
FOUNDING_RATE = {IMPROVING: 0.20, 0: 0.08, WORSENING: 0.03}
DISSOLUTION_RATE = {IMPROVING: 0.02, 0: 0.04, WORSENING: 0.10}
EARLIEST_FOUNDING = date(2000, 1, 1)


@dataclass(frozen=True)
class SocialOrg:
    uscc: str
    filing_no: str
    name: str
    field: str
    founded: date
    # (date, 注销 or 撤销): dissolution inside the window; the register keeps the entry.
    dissolved: tuple[date, str] | None
    active: bool

    @property
    def registered(self) -> bool:
        return bool(self.uscc)

    def listed_on(self, day: date) -> bool:
        return self.founded <= day

    def status_on(self, day: date) -> str:
        if self.dissolved is not None and self.dissolved[0] <= day:
            return self.dissolved[1]
        return "正常"

    def active_on(self, day: date) -> bool:
        """Active in the last year: founded within it counts, a dissolved one is not."""
        if self.status_on(day) != "正常":
            return False
        return self.active or (day - self.founded).days < 365


def _uscc(area: str, type_digit: str, serial: int) -> str:
    """A civil-affairs USCC (authority 5) whose body encodes a city-wide serial: never reused."""
    digits = []
    for _ in range(6):
        serial, rest = divmod(serial, len(USCC_ALPHABET))
        digits.append(USCC_ALPHABET[rest])
    org_body = "MJ" + "".join(reversed(digits))
    body = "5" + type_digit + area + org_body + orgcode_check_char(org_body)
    return body + uscc_check_char(body)


def organisations(city: City, community: Community) -> list[SocialOrg]:
    rng = random.Random(f"{city.seed}/organisations/{community.code}")
    t = community.district.traits
    window = city.window
    direction = t.direction("social_orgs")
    mean = t.orgs_mean * rng.lognormvariate(0, 0.2)
    initial = poisson(rng, rng.gammavariate(SHAPE, mean / SHAPE))
    founded = [day_between(rng, EARLIEST_FOUNDING, window.start - timedelta(days=1))
               for _ in range(initial)]
    newcomers = poisson(rng, max(initial, 1) * FOUNDING_RATE[direction] * window.years)
    founded += sorted(window.day_in(rng) for _ in range(newcomers))
    orgs = []
    for serial, day in enumerate(founded, start=1):
        field = FIELD_DRAW.draw(rng)
        name = community.name + pick(rng, FIELDS[field])
        if rng.random() < REGISTERED_SHARE:
            type_digit = "1" if rng.random() < 0.6 else "2"
            uscc = _uscc(community.district.code[:6], type_digit, community.index * 1000 + serial)
            filing_no = ""
        else:
            uscc, filing_no = "", f"备{community.code[4:]}{serial:03d}"
        dissolved = None
        if rng.random() < 1 - (1 - DISSOLUTION_RATE[direction]) ** window.years:
            when = max(day + timedelta(days=30), window.day_in(rng))
            if when <= window.end:
                dissolved = (when, "注销" if rng.random() < 0.8 else "撤销")
        orgs.append(SocialOrg(uscc, filing_no, name, field, day, dissolved,
                              rng.random() < t.org_active_share))
    return orgs
