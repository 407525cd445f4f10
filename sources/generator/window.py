"""The months a generation run covers."""

import calendar
import random
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Window:
    """The months to generate: first day of the first month to last day of the last."""

    start: date
    periods: tuple[str, ...]

    @classmethod
    def of(cls, start: str, months: int) -> "Window":
        if months < 1:
            raise ValueError("months must be at least 1")
        year, month = (int(part) for part in start.split("-"))
        first = date(year, month, 1)
        periods = []
        for offset in range(months):
            y, m = divmod(month - 1 + offset, 12)
            periods.append(f"{year + y:04d}-{m + 1:02d}")
        return cls(first, tuple(periods))

    @property
    def end(self) -> date:
        return period_end(self.periods[-1])

    @property
    def years(self) -> float:
        return len(self.periods) / 12

    def years_since_start(self, day: date) -> float:
        return max(0.0, (day - self.start).days / 365.25)

    def day_in(self, rng: random.Random) -> date:
        return self.start + timedelta(days=int(rng.random() * ((self.end - self.start).days + 1)))


def period_end(period: str) -> date:
    year, month = int(period[:4]), int(period[5:7])
    return date(year, month, calendar.monthrange(year, month)[1])
