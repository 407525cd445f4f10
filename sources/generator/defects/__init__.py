"""Documented defects injected into generated extracts, with a truth file for ingestion tests."""

from sources.generator.defects.plan import (
    DefectPlan,
    FileInfo,
    RowInjector,
    TruthRow,
    later_dir,
    truth_path,
)

__all__ = ["DefectPlan", "FileInfo", "RowInjector", "TruthRow", "later_dir", "truth_path"]
