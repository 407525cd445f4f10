"""What every report of the catalogue shares: CJK fonts embedded, Chinese that extracts intact, hostile names
printed as text, strict templates, stamp in metadata and on the last page."""

import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import jinja2
import pytest
from catalogue_fixtures import AUDIT_MONTH, build_catalogue_snapshot
from pypdf import PdfReader
from report_fixtures import ISSUED_ON, STAMP

from dagster_project.lib.contract import load_contract
from dagster_project.lib.paths import REPORT_TEMPLATES_DIR
from dagster_project.lib.warehouse import read_snapshot
from dagster_project.reporting.audit import audit_report_html, load_audit_report, render_audit_report
from dagster_project.reporting.pdf import TemplateAssetFetcher, write_pdf
from dagster_project.reporting.render import render_template
from dagster_project.reporting.safety import load_safety_report, render_safety_report, safety_report_html

HOSTILE = '<img src="file:///etc/passwd">{{ 7*7 }}市'


def raw_text(path: Path, *pages: int) -> str:
    args = ["pdftotext"]
    if pages:
        args += ["-f", str(pages[0]), "-l", str(pages[-1])]
    return subprocess.run([*args, str(path), "-"], capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def hostile_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_catalogue_snapshot(tmp_path_factory.mktemp("hostile") / "snapshot.duckdb", city_name=HOSTILE)


@pytest.fixture(scope="module")
def rendered(hostile_snapshot: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("out")
    return {
        "safety": render_safety_report(hostile_snapshot, "2025Q2", out, stamp=STAMP, issued_on=ISSUED_ON),
        "audit": render_audit_report(hostile_snapshot, AUDIT_MONTH, out, stamp=STAMP, issued_on=ISSUED_ON),
    }


@pytest.mark.parametrize("kind", ["safety", "audit"])
def test_cjk_fonts_are_embedded(rendered, kind):
    out = subprocess.run(["pdffonts", str(rendered[kind])], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in out.splitlines()[2:]]
    cjk = [r for r in rows if re.search(r"Noto(Sans|Serif)CJK", r[0].split("+")[-1].replace("-", ""))]
    assert cjk, out
    assert all(r[-5] == "yes" for r in cjk), out


@pytest.mark.parametrize(
    ("kind", "sentence"),
    [("safety", "有关情况分述如下。"), ("audit", "审计人员所见的个人信息一律为脱敏形式")],
)
def test_chinese_text_extracts_intact(rendered, kind, sentence):
    text = re.sub(r"\s+", "", raw_text(rendered[kind]))
    assert sentence in text
    assert "\ufffd" not in text
    # Headers on every page after the cover, "第 X 页 / 共 Y 页" on every page.
    total = len(PdfReader(rendered[kind]).pages)
    for page in (1, total):
        assert f"第{page}页/共{total}页" in re.sub(r"\s+", "", raw_text(rendered[kind], page))


@pytest.mark.parametrize("kind", ["safety", "audit"])
def test_hostile_city_name_prints_as_text(rendered, kind):
    pdf = rendered[kind]
    text = raw_text(pdf)
    assert HOSTILE in text
    assert "root:" not in text and "49市" not in text
    reader = PdfReader(pdf)
    assert not reader.attachments and all(not page.images for page in reader.pages)
    assert "/" not in pdf.name and "<" not in pdf.name


@pytest.mark.parametrize("kind", ["safety", "audit"])
def test_stamp_in_metadata_and_on_the_last_page(rendered, kind):
    reader = PdfReader(rendered[kind])
    meta = reader.metadata
    assert meta["/govwhrunid"] == STAMP.run_id
    assert meta["/govwhdatafingerprint"] == STAMP.data_fingerprint
    assert meta["/govwhcodeversion"] == STAMP.code_version
    assert meta["/govwhedition"] == "1"
    last = re.sub(r"\s+", "", raw_text(rendered[kind], len(reader.pages)))
    for value in (STAMP.run_id, STAMP.data_fingerprint, STAMP.code_version):
        assert value in last


def test_only_the_stylesheet_is_fetched(hostile_snapshot, tmp_path):
    with read_snapshot(hostile_snapshot) as con:
        safety = load_safety_report(con, "2025Q2", load_contract())
        audit = load_audit_report(con, AUDIT_MONTH, load_contract())
    for name, html in (("s", safety_report_html(safety, STAMP, ISSUED_ON)), ("a", audit_report_html(audit, STAMP, ISSUED_ON))):
        assert "<img" not in html and "<script" not in html
        fetcher = TemplateAssetFetcher()
        write_pdf(html, tmp_path / f"{name}.pdf", fetcher)
        assert fetcher.fetched == [f"{REPORT_TEMPLATES_DIR.resolve().as_uri()}/report.css"]


@pytest.mark.parametrize("template", ["safety_report.html.j2", "audit_report.html.j2"])
def test_missing_variable_fails_instead_of_printing_blank(template):
    with pytest.raises(jinja2.UndefinedError):
        render_template(template, stamp=STAMP, issued_on=ISSUED_ON)


class _ParagraphText(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.paragraphs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "p":
            self.depth += 1
            self.paragraphs.append("")

    def handle_endtag(self, tag):
        if tag == "p":
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.paragraphs[-1] += data


def test_chinese_prose_has_no_stray_spaces(hostile_snapshot):
    with read_snapshot(hostile_snapshot) as con:
        safety = load_safety_report(con, "2025Q2", load_contract())
        audit = load_audit_report(con, AUDIT_MONTH, load_contract())
    cjk_or_digit = r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef0-9%]"
    for html in (safety_report_html(safety, STAMP, ISSUED_ON), audit_report_html(audit, STAMP, ISSUED_ON)):
        parser = _ParagraphText()
        parser.feed(html)
        for paragraph in parser.paragraphs:
            assert not re.search(rf"{cjk_or_digit}[ \t\r\n]+{cjk_or_digit}", paragraph.strip()), paragraph
