"""Safe rendering: escaping, strict templates, a fetcher that reads only packaged assets, a time limit."""

import io
import json
import os
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import jinja2
import pytest
from pypdf import PdfReader
from report_fixtures import ISSUED_ON, STAMP

from dagster_project.lib.contract import load_contract
from dagster_project.lib.paths import PROJECT_ROOT, REPORT_TEMPLATES_DIR
from dagster_project.lib.warehouse import read_snapshot
from dagster_project.reporting.data import load_annual_report
from dagster_project.reporting.pdf import RefusedURLError, TemplateAssetFetcher, write_pdf
from dagster_project.reporting.pdf_worker import serve
from dagster_project.reporting.render import (
    ReportRenderError,
    ReportRenderTimeout,
    annual_report_html,
    render_annual_report,
    render_each,
    render_pdf,
    render_template,
    report_path,
    safe_filename_part,
    template_environment,
)

HOSTILE = '<img src="file:///etc/passwd">社区'
REPORTING_CODE = PROJECT_ROOT / "dagster_project" / "reporting"


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


# ---- Jinja ----


def test_autoescape_applies_to_files_and_strings():
    env = template_environment()
    assert env.from_string("{{ x }}").render(x="<b>&") == "&lt;b&gt;&amp;"
    assert env.get_template("annual_report.html.j2").environment.autoescape("annual_report.html.j2")


def test_missing_variable_fails_instead_of_printing_blank():
    with pytest.raises(jinja2.UndefinedError):
        template_environment().from_string("共有社区{{ n_communities }}个").render()
    with pytest.raises(jinja2.UndefinedError):
        render_template("annual_report.html.j2", stamp=STAMP, issued_on=ISSUED_ON)


def test_no_template_or_reporting_code_marks_data_safe():
    sources = [*REPORT_TEMPLATES_DIR.glob("*.j2"), *REPORTING_CODE.glob("*.py")]
    assert sources
    for path in sources:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\|\s*safe\b", text), path
        assert "Markup(" not in text, path
        assert "autoescape false" not in text, path


# ---- URL fetcher ----


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1/report.css",
        "https://example.com/logo.png",
        "ftp://example.com/x",
        f"file://otherhost{REPORT_TEMPLATES_DIR}/report.css",
        f"{REPORT_TEMPLATES_DIR.as_uri()}/../pyproject.toml",
        f"{REPORT_TEMPLATES_DIR.as_uri()}/%2e%2e/pyproject.toml",
        f"{REPORT_TEMPLATES_DIR.as_uri()}/no-such-asset.png",
    ],
)
def test_fetcher_refuses_anything_but_packaged_assets(url):
    fetcher = TemplateAssetFetcher()
    with pytest.raises(RefusedURLError):
        fetcher.fetch(url)
    assert fetcher.fetched == []


def test_fetcher_serves_template_assets_and_data_urls():
    fetcher = TemplateAssetFetcher()
    css = fetcher.fetch(f"{REPORT_TEMPLATES_DIR.as_uri()}/report.css")
    assert b"@page" in css.read() and css.content_type == "text/css"
    assert fetcher.fetch("data:text/plain;base64,5Lit5paH").read() == "中文".encode()


def test_fetcher_does_not_follow_symlinks_out_of_the_asset_directory(tmp_path):
    root = tmp_path / "assets"
    root.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    (root / "logo.png").symlink_to(secret)
    with pytest.raises(RefusedURLError):
        TemplateAssetFetcher(root).fetch((root / "logo.png").as_uri())


def test_a_refused_asset_fails_the_render_and_writes_nothing(tmp_path):
    target = tmp_path / "out" / "report.pdf"
    html = '<html><body><p>x</p><img src="file:///etc/passwd"></body></html>'
    with pytest.raises(ReportRenderError, match="etc/passwd"):
        render_pdf(html, target)
    assert not target.exists()
    assert list(target.parent.iterdir()) == []


def test_an_attachment_link_cannot_smuggle_a_file_in(tmp_path):
    html = '<html><head><link rel="attachment" href="file:///etc/passwd"></head><body>x</body></html>'
    with pytest.raises(ReportRenderError):
        render_pdf(html, tmp_path / "report.pdf")


# ---- hostile data ----


def test_hostile_area_name_is_printed_as_text_and_fetches_nothing(make_snapshot, tmp_path):
    snapshot = make_snapshot(city_name=HOSTILE)
    pdf = render_annual_report(snapshot, "2024", tmp_path, stamp=STAMP, issued_on=ISSUED_ON)
    assert pdf.parent == tmp_path / "2024"
    assert "/" not in pdf.name.removesuffix(".pdf").replace("年度社区治理调研报告_", "")
    text = pdf_text(pdf)
    assert HOSTILE in text
    assert "root:" not in text
    reader = PdfReader(pdf)
    assert not reader.attachments
    assert all(not page.images for page in reader.pages)

    # The same HTML rendered in-process: the only resource loaded is the stylesheet.
    with read_snapshot(snapshot) as con:
        report = load_annual_report(con, "2024", load_contract())
    html = annual_report_html(report, STAMP, ISSUED_ON)
    assert "<img" not in html
    fetcher = TemplateAssetFetcher()
    write_pdf(html, tmp_path / "inprocess.pdf", fetcher)
    assert fetcher.fetched == [f"{REPORT_TEMPLATES_DIR.resolve().as_uri()}/report.css"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("云川市", "云川市"),
        ("../../etc/passwd", "etc_passwd"),
        (HOSTILE, "img_src_file_etc_passwd_社区"),
        ("临江区／新区", "临江区_新区"),
        ("...", "area"),
    ],
)
def test_filenames_are_safe(name, expected, tmp_path):
    assert safe_filename_part(name, "area") == expected
    path = report_path(tmp_path, "2024", name)
    assert path.parent == tmp_path / "2024"


# ---- time limit ----


def test_a_render_over_the_time_limit_is_stopped(tmp_path):
    rows = "".join(f"<tr><td>第{i}行</td><td>{i}</td></tr>" for i in range(40000))
    html = f'<html><body><table>{rows}</table></body></html>'
    target = tmp_path / "huge.pdf"
    with pytest.raises(ReportRenderTimeout, match="limit"):
        render_pdf(html, target, time_limit_s=1.0)
    assert list(tmp_path.iterdir()) == []


def _pdf_workers() -> set[int]:
    """Children of this process that are PDF workers."""
    # Every thread's children: render_each starts workers from its own threads.
    children = {c for task in Path(f"/proc/{os.getpid()}/task").glob("*/children") for c in task.read_text().split()}
    return {
        int(child) for child in children
        if b"dagster_project.reporting.pdf_worker" in Path(f"/proc/{child}/cmdline").read_bytes()
    }


def test_one_worker_renders_many_pdfs_and_one_over_the_limit_is_replaced(tmp_path):
    small = "<html><body><p>第一页</p></body></html>"
    render_pdf(small, tmp_path / "a.pdf")
    workers = _pdf_workers()
    assert len(workers) == 1
    render_pdf(small.replace("第一页", "第二页"), tmp_path / "b.pdf")
    assert _pdf_workers() == workers
    assert "第二页" in pdf_text(tmp_path / "b.pdf")

    # A refused asset fails that render only; the worker goes on serving.
    with pytest.raises(ReportRenderError, match="etc/passwd"):
        render_pdf('<html><body><img src="file:///etc/passwd"></body></html>', tmp_path / "c.pdf")
    assert _pdf_workers() == workers

    rows = "".join(f"<tr><td>第{i}行</td><td>{i}</td></tr>" for i in range(40000))
    with pytest.raises(ReportRenderTimeout):
        render_pdf(f"<html><body><table>{rows}</table></body></html>", tmp_path / "d.pdf", time_limit_s=1.0)
    assert _pdf_workers() == set()

    render_pdf(small, tmp_path / "e.pdf")
    assert "第一页" in pdf_text(tmp_path / "e.pdf")
    assert len(_pdf_workers() - workers) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf", "b.pdf", "e.pdf"]


def test_worker_serves_requests_on_its_streams_and_reports_failures(tmp_path):
    html = "<html><body><p>中文</p></body></html>".encode()
    bad = b'<html><body><img src="http://127.0.0.1/x.png"></body></html>'
    requests = b"".join(
        json.dumps({"target": str(tmp_path / name), "length": len(body)}).encode() + b"\n" + body
        for name, body in [("one.pdf", html), ("bad.pdf", bad), ("two.pdf", html)]
    )
    replies = io.BytesIO()
    assert serve(io.BytesIO(requests), replies) == 0
    one, refused, two = (json.loads(line) for line in replies.getvalue().splitlines())
    assert one == {"ok": True, "error": None, "warnings": []} and two == one
    assert not refused["ok"] and "127.0.0.1" in refused["error"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.pdf", "two.pdf"]


def test_independent_reports_render_side_by_side_and_come_back_in_order(tmp_path):
    names = ["甲社区", "乙社区", "丙社区", "丁社区"]

    def render_one(name: str) -> Path:
        target = tmp_path / f"{name}.pdf"
        render_pdf(f"<html><body><p>{name}</p></body></html>", target)
        return target

    paths = render_each(render_one, names)
    assert paths == [tmp_path / f"{name}.pdf" for name in names]
    assert [pdf_text(p).strip() for p in paths] == names
    assert 1 <= len(_pdf_workers()) <= 2

    def failing(name: str) -> Path:
        if name == "丙社区":
            raise ReportRenderError("丙社区 failed")
        return render_one(name)

    with pytest.raises(ReportRenderError, match="丙社区"):
        render_each(failing, names)


# ---- typography ----


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


def test_chinese_prose_has_no_stray_spaces(shared_snapshot):
    with read_snapshot(shared_snapshot) as con:
        report = load_annual_report(con, "2024", load_contract())
    parser = _ParagraphText()
    parser.feed(annual_report_html(report, STAMP, ISSUED_ON))
    cjk_or_digit = r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef0-9%]"
    for paragraph in parser.paragraphs:
        # The ideographic space (U+3000) after "表1" is deliberate; ASCII whitespace never is.
        assert not re.search(rf"{cjk_or_digit}[ \t\r\n]+{cjk_or_digit}", paragraph.strip()), paragraph
