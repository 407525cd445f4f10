"""修订版: a report re-issued because its data changed is marked revised and the earlier PDF is kept."""

import re
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from catalogue_fixtures import AUDIT_MONTH, build_catalogue_snapshot, supersede
from pypdf import PdfReader
from report_fixtures import ISSUED_ON, STAMP

from dagster_project.lib.settings import Settings
from dagster_project.reporting.catalogue import KINDS, render_kind
from dagster_project.reporting.editions import content_digest, is_current, plan_edition, with_content_digest
from dagster_project.reporting.render import ReportRenderTimeout, issue_report, render_annual_report


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


def test_a_rerun_that_would_change_only_run_id_and_date_keeps_the_pdf(shared_snapshot, tmp_path):
    first = render_annual_report(shared_snapshot, "2024", tmp_path, stamp=STAMP, issued_on=ISSUED_ON)
    before = first.read_bytes()
    assert PdfReader(first).metadata["/govwhcontentdigest"].startswith("sha256:")
    # Another run on another day over the same data with the same code: the issued PDF stays as it is.
    again = render_annual_report(shared_snapshot, "2024", tmp_path, stamp=replace(STAMP, run_id="run-again"),
                                 issued_on=date(2025, 2, 1))
    assert again == first and first.read_bytes() == before
    assert PdfReader(first).metadata["/govwhrunid"] == STAMP.run_id
    assert pdfs(first.parent) == [first.name]


def test_an_up_to_date_report_is_not_rendered(tmp_path):
    target = tmp_path / "report.pdf"
    html = "<html><head><title>x</title></head><body><p>第1版</p></body></html>"
    issue_report(target, "fp", lambda edition: html, stable_html_for=lambda edition: html)
    before = target.read_bytes()

    def must_not_render(edition):
        raise AssertionError("an up-to-date report was rendered again")

    issue_report(target, "fp", must_not_render, stable_html_for=lambda edition: html)
    assert target.read_bytes() == before
    # Without a stable rendering to compare, the report is rendered again, as before.
    with pytest.raises(AssertionError):
        issue_report(target, "fp", must_not_render)


@pytest.mark.parametrize(
    ("change", "forced", "expected_edition"),
    [
        # Other code: the stamp printed in the report differs.
        ({"code_version": "0.2.0+g9f8e7d6"}, [], "1"),
        # Other data under the same fingerprint: a previous-year figure the fingerprint does not cover.
        ({}, [("330100000000", "2023", "A08")], "1"),
        # Changed data: a revised edition, as before.
        ({"data_fingerprint": "sha256:" + "55" * 32}, [], "2"),
    ],
)
def test_other_code_or_other_figures_render_again(make_snapshot, tmp_path, change, forced, expected_edition):
    first = render_annual_report(make_snapshot(), "2024", tmp_path, stamp=STAMP, issued_on=ISSUED_ON)
    stamp = replace(STAMP, run_id="run-again", **change)
    render_annual_report(make_snapshot(forced_suppression=forced), "2024", tmp_path, stamp=stamp,
                         issued_on=ISSUED_ON)
    meta = PdfReader(first).metadata
    assert meta["/govwhrunid"] == "run-again"
    assert meta["/govwhcodeversion"] == stamp.code_version
    assert meta["/govwhedition"] == expected_edition


def test_content_digest_travels_in_a_meta_tag(tmp_path):
    html = "<html><head><title>x</title></head><body><p>中文</p></body></html>"
    digest = content_digest(html)
    assert digest == content_digest(html) != content_digest(html.replace("中文", "英文"))
    tagged = with_content_digest(html, digest)
    assert f'<meta name="govwh-content-digest" content="{digest}">' in tagged.split("</head>")[0]
    assert with_content_digest("<p>no head</p>", digest) == "<p>no head</p>"
    assert not is_current(tmp_path / "missing.pdf", digest)
    unreadable = tmp_path / "report.pdf"
    unreadable.write_bytes(b"not a pdf")
    assert not is_current(unreadable, digest)
