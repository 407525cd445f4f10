"""HTML to PDF with WeasyPrint, allowed to read nothing but the packaged template assets.

WeasyPrint's default fetcher follows any URL it meets (file://, http://, ftp://), so markup that slipped
into a report could read local files into the PDF or reach the network. The fetcher here serves files
under report_templates/ and data: URLs, refuses everything else, and makes any refusal or missing asset
fail the render instead of silently producing a different document.
"""

import mimetypes
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from dagster_project.lib.paths import REPORT_TEMPLATES_DIR


class RefusedURLError(ValueError):
    """A report tried to load something other than a packaged template asset."""


class TemplateAssetFetcher(URLFetcher):
    """Serves files under `root` and data: URLs; raises for every other URL."""

    def __init__(self, root: Path = REPORT_TEMPLATES_DIR) -> None:
        super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False, fail_on_errors=True)
        self.root = root.resolve()
        self.fetched: list[str] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        scheme = url.partition(":")[0].lower()
        if scheme == "data":
            response = super().fetch(url, headers)
        elif scheme == "file":
            response = self._asset(url)
        else:
            raise RefusedURLError(f"refused {url!r}: reports may only load packaged template assets")
        self.fetched.append(url)
        return response

    def _asset(self, url: str) -> URLFetcherResponse:
        parts = urlsplit(url)
        # resolve() collapses '..' and follows symlinks, so the containment check sees the real file.
        path = Path(url2pathname(parts.path)).resolve()
        if parts.netloc not in ("", "localhost") or not path.is_relative_to(self.root):
            raise RefusedURLError(f"refused {url!r}: outside the report template directory {self.root}")
        if not path.is_file():
            raise RefusedURLError(f"refused {url!r}: no such template asset")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})


def base_url(root: Path = REPORT_TEMPLATES_DIR) -> str:
    """Relative links in a report resolve against the template directory."""
    return root.resolve().as_uri() + "/"


def write_pdf(
    html: str,
    target: Path,
    fetcher: TemplateAssetFetcher | None = None,
    font_config: FontConfiguration | None = None,
) -> None:
    """Render in this process; callers that need a time limit use render.render_pdf instead.

    A `font_config` kept across renders keeps Pango's font map, so the CJK faces are opened once per
    process rather than once per report. Reports load no web fonts (@font-face would have to be a
    packaged asset), so sharing it carries nothing from one report into the next.
    """
    fetcher = fetcher or TemplateAssetFetcher()
    # custom_metadata carries the reproducibility stamp's <meta> names into the PDF info dictionary.
    HTML(string=html, base_url=base_url(fetcher.root), url_fetcher=fetcher).write_pdf(
        target, custom_metadata=True, font_config=font_config
    )
