"""Fast random draws for the per-person hot path.

``random.Random.randint``, ``choice`` and ``choices`` are written in Python and dominated the run
time of large scales; these build on the C-level ``random()`` alone and stay deterministic per seed.
"""

import bisect
import itertools
import math
import random
from datetime import date, timedelta
from collections.abc import Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


def pick(rng: random.Random, values: Sequence[T]) -> T:
    return values[int(rng.random() * len(values))]


def between(rng: random.Random, low: int, high: int) -> int:
    """An integer in [low, high], both included."""
    return low + int(rng.random() * (high - low + 1))


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson count: exact for small means, the normal approximation above 30."""
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def day_between(rng: random.Random, first: date, last: date) -> date:
    """A day in [first, last]; ``first`` when the span is empty."""
    if last <= first:
        return first
    return first + timedelta(days=between(rng, 0, (last - first).days))


def weighted_sample(rng: random.Random, items: Sequence[T], weights: Sequence[float], k: int) -> list[T]:
    """``k`` distinct items, each drawn with probability proportional to its weight.

    Efraimidis–Spirakis: one key per item, the largest ``k`` keys win; zero weights never do.
    """
    keyed = [
        (rng.random() ** (1 / w), i) for i, w in enumerate(weights) if w > 0
    ]
    keyed.sort(reverse=True)
    return [items[i] for _, i in keyed[:k]]


class Weighted(Generic[T]):
    def __init__(self, pairs: Sequence[tuple[T, float]]) -> None:
        self.values = tuple(value for value, _ in pairs)
        self.cumulative = tuple(itertools.accumulate(weight for _, weight in pairs))

    def draw(self, rng: random.Random) -> T:
        return self.values[bisect.bisect_right(self.cumulative, rng.random() * self.cumulative[-1])]
