"""Documented defects injected into generated extracts, with a truth file for ingestion tests and a
record of the table-level defects the expectation suites must catch."""

from sources.generator.defects.plan import (
    DefectPlan,
    FileInfo,
    RowInjector,
    TruthRow,
    later_dir,
    truth_path,
)
from sources.generator.defects.tables import PlantedDefect, TablePlant, planted_path

__all__ = ["DefectPlan", "FileInfo", "PlantedDefect", "RowInjector", "TablePlant", "TruthRow", "later_dir",
           "planted_path", "truth_path"]
