"""One row source per extract table, keyed by the contract's table name.

Each writer yields the rows of one table for one period as dicts keyed by the contract's canonical
column names, with values already in the department's form (``Extract.date`` / ``Extract.number``).
Most tables are written community by community from a shared ``CommunityLife``; a few (divisions,
police rooms, minimum wages) for the whole city at once. A new table is one more registered function.
"""

import random
from collections.abc import Callable, Iterator
from datetime import date

from dagster_project.lib.contract import Table
from sources.generator.city import City
from sources.generator.community import CommunityLife
from sources.generator.formats import Cell, date_renderer, render_number

Row = dict[str, Cell]


class Extract:
    """What a writer needs for one table and period (and, for community tables, one community)."""

    __slots__ = ("as_at", "city", "date", "fmt", "period", "rng", "table")

    def __init__(self, city: City, table: Table, fmt: str, period: str, as_at: date,
                 rng: random.Random) -> None:
        self.city = city
        self.table = table
        self.fmt = fmt
        self.period = period
        self.as_at = as_at
        self.rng = rng
        # Bound once: writers format millions of dates.
        self.date: Callable[[date | None], Cell] = date_renderer(rng, table, fmt)

    @property
    def first_day(self) -> date:
        return self.as_at.replace(day=1)

    def number(self, column: str, value: float) -> Cell:
        return render_number(self.rng, self.table, self.fmt, column, value)


CityRows = Callable[[Extract], Iterator[Row]]
CommunityRows = Callable[[Extract, CommunityLife], Iterator[Row]]
CITY_WRITERS: dict[str, CityRows] = {}
COMMUNITY_WRITERS: dict[str, CommunityRows] = {}


def city_table(table: str) -> Callable[[CityRows], CityRows]:
    """Register a table written in one go for the whole city."""

    def register(fn: CityRows) -> CityRows:
        CITY_WRITERS[table] = fn
        return fn

    return register


def community_table(table: str) -> Callable[[CommunityRows], CommunityRows]:
    """Register a table written community by community, in the city's community order."""

    def register(fn: CommunityRows) -> CommunityRows:
        COMMUNITY_WRITERS[table] = fn
        return fn

    return register


def yes_no(flag: bool) -> str:
    return "是" if flag else "否"


def on_or_before(day: date | None, as_at: date) -> bool:
    return day is not None and day <= as_at
