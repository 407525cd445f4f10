"""The city's minimum-wage standards: three bands (core, inner, outer districts), raised in steps."""

from datetime import date

# (in force from, monthly minimum wage in 元 for bands 0, 1, 2): invented, in the range of an
# eastern province's recent standards.
MIN_WAGE_STEPS: tuple[tuple[date, tuple[int, int, int]], ...] = (
    (date(2017, 12, 1), (2010, 1800, 1660)),
    (date(2021, 8, 1), (2280, 2070, 1840)),
    (date(2025, 7, 1), (2490, 2260, 2010)),
    (date(2028, 1, 1), (2680, 2430, 2160)),
)


def standards_in_force(band: int, day: date) -> list[tuple[date, int]]:
    """Every standard of the band that took effect on or before ``day``, oldest first."""
    return [(since, wages[band]) for since, wages in MIN_WAGE_STEPS if since <= day]


def min_wage(band: int, day: date) -> int:
    """The standard of the band in force on ``day`` (the earliest one before the first step)."""
    in_force = standards_in_force(band, day)
    return in_force[-1][1] if in_force else MIN_WAGE_STEPS[0][1][band]
