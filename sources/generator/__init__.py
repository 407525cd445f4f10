"""Synthetic departmental extracts for one invented city, written into an inbox per the contract.

Same arguments, same bytes: every random choice comes from a generator seeded by the seed and the
table, period or community it concerns, and nothing depends on the clock, on iteration of sets or on
how the work is shared between processes.
"""

from sources.generator.city import SCALES, Scale
from sources.generator.run import GenerationSummary, generate

__all__ = ["SCALES", "GenerationSummary", "Scale", "generate"]
