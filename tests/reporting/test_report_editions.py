"""修订版: a report re-issued because its data changed is marked revised and the earlier PDF is kept."""

import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from catalogue_fixtures import AUDIT_MONTH, build_catalogue_snapshot, supersede
from pypdf import PdfReader
from report_fixtures import ISSUED_ON, STAMP

from dagster_project.lib.settings import Settings
from dagster_project.reporting.catalogue import KINDS, render_kind
from dagster_project.reporting.editions import plan_edition
from dagster_project.reporting.render import ReportRenderTimeout, render_annual_report


def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", "", out)


def cover_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(path), "-"], capture_output=True, text=True,
                         check=True).stdout
    return re.sub(r"\s+", "", out)


def pdfs(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.glob("*.pdf"))


@pytest.fixture
def home(tmp_path: Path) -> Settings:
    settings = Settings(home=tmp_path / "home", inbox=tmp_path / "inbox")
    settings.home.mkdir()
    build_catalogue_snapshot(settings.snapshot_path)
    return settings


@pytest.mark.parametrize(
    ("kind", "period", "changed_file"),
    [("safety", "2025Q2", "ps_case-2025-05"), ("audit", AUDIT_MONTH, "ps_dispute-2025-06")],
)
def test_a_superseding_file_issues_a_revision_and_keeps_the_earlier_pdf(home, kind, period, changed_file):
    first, stamp1 = render_kind(KINDS[kind], home, period, run_id="run-1", code_version="c1")
    (target,) = first
    assert cover_text(target).count("修订版") == 0
    meta = PdfReader(target).metadata
    assert meta["/govwhedition"] == "1" and "修订版" not in meta.title

    # Same data, another run and code version: the same edition, rendered in place.
    again, stamp2 = render_kind(KINDS[kind], home, period, run_id="run-2", code_version="c2")
    assert again == first and stamp2.data_fingerprint == stamp1.data_fingerprint
    assert pdfs(target.parent) == [target.name]
    assert PdfReader(target).metadata["/govwhrunid"] == "run-2"

    supersede(home.snapshot_path, changed_file, changed_file + "-corrected")
    revised, stamp3 = render_kind(KINDS[kind], home, period, run_id="run-3", code_version="c2")
    assert revised == first
    assert stamp3.data_fingerprint != stamp1.data_fingerprint
    kept = target.with_name(f"{target.stem}_v1.pdf")
    assert pdfs(target.parent) == sorted([target.name, kept.name])
    assert PdfReader(kept).metadata["/govwhdatafingerprint"] == stamp1.data_fingerprint
    assert "修订版" not in cover_text(kept)

    assert "（修订版）" in cover_text(target)
    meta = PdfReader(target).metadata
    assert meta["/govwhedition"] == "2"
    assert meta["/govwhrevision"] == "修订版"
    assert meta["/govwhreplacesfingerprint"] == stamp1.data_fingerprint
    assert meta.title.endswith("（修订版）")
    assert "第2版（修订版" in pdf_text(target)

    # Rendering the revised data again changes nothing: still the second edition, no third file.
    render_kind(KINDS[kind], home, period, run_id="run-4", code_version="c2")
    assert pdfs(target.parent) == sorted([target.name, kept.name])
    assert PdfReader(target).metadata["/govwhedition"] == "2"
    assert "（修订版）" in cover_text(target)


def test_annual_report_is_revised_the_same_way(shared_snapshot, tmp_path):
    first = render_annual_report(shared_snapshot, "2024", tmp_path, stamp=STAMP, issued_on=ISSUED_ON)
    render_annual_report(shared_snapshot, "2024", tmp_path, stamp=replace(STAMP, run_id="other"), issued_on=ISSUED_ON)
    assert pdfs(first.parent) == [first.name]
    changed = replace(STAMP, data_fingerprint="sha256:" + "77" * 32)
    render_annual_report(shared_snapshot, "2024", tmp_path, stamp=changed, issued_on=ISSUED_ON)
    assert pdfs(first.parent) == sorted([first.name, f"{first.stem}_v1.pdf"])
    assert "（修订版）" in cover_text(first)
    assert PdfReader(first).metadata["/govwhreplacesfingerprint"] == STAMP.data_fingerprint
    # A third dataset: the second edition is kept as v2, the new one is the third.
    third = replace(STAMP, data_fingerprint="sha256:" + "88" * 32)
    render_annual_report(shared_snapshot, "2024", tmp_path, stamp=third, issued_on=ISSUED_ON)
    assert pdfs(first.parent) == sorted([first.name, f"{first.stem}_v1.pdf", f"{first.stem}_v2.pdf"])
    assert PdfReader(first).metadata["/govwhedition"] == "3"


def test_a_failed_render_leaves_the_published_edition_alone(shared_snapshot, tmp_path):
    first = render_annual_report(shared_snapshot, "2024", tmp_path, stamp=STAMP, issued_on=ISSUED_ON)
    before = first.read_bytes()
    changed = replace(STAMP, data_fingerprint="sha256:" + "99" * 32)
    with pytest.raises(ReportRenderTimeout):
        render_annual_report(shared_snapshot, "2024", tmp_path, stamp=changed, issued_on=ISSUED_ON, time_limit_s=0.01)
    assert first.read_bytes() == before
    assert pdfs(first.parent) == [first.name]
    assert plan_edition(first, STAMP.data_fingerprint).number == 1


def test_an_unreadable_file_in_the_way_is_kept_not_overwritten(tmp_path):
    target = tmp_path / "report.pdf"
    target.write_bytes(b"not a pdf")
    edition = plan_edition(target, "fp")
    assert edition.number == 2 and edition.replaces is None
