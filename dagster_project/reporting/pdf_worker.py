"""Child process that turns report HTML into PDFs, so that the caller can stop it at a time limit.

Rendering runs here rather than in the caller so that a pathological document can be stopped by
killing this process when it exceeds the report's time limit. Two ways to run it:

- `python -m dagster_project.reporting.pdf_worker TARGET.pdf < report.html` renders one PDF; exit
  status 0 means the PDF is complete, otherwise the last stderr line says why;
- `python -m dagster_project.reporting.pdf_worker --serve` renders one PDF per request until its
  input closes, which is how render.render_pdf uses it: starting Python and importing WeasyPrint
  costs more than rendering a five-page report, and a long-lived worker pays it once and keeps its
  fonts loaded. Each request is a JSON line {"target": path, "length": n} followed by n bytes of
  UTF-8 HTML; each reply is one JSON line {"ok": bool, "error": str | null, "warnings": [str]}.

Replies go to a private copy of the original stdout; file descriptor 1 is pointed at stderr, so
nothing a library prints can be mistaken for a reply.
"""

import json
import logging
import os
import sys
from pathlib import Path
from typing import BinaryIO

from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError

from dagster_project.reporting.pdf import write_pdf

SERVE_FLAG = "--serve"


class _Collected(logging.Handler):
    """Keeps WeasyPrint's warnings of the current render so they travel back with its reply."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.setFormatter(logging.Formatter("weasyprint %(levelname)s: %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def _describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    if exc.__cause__ is not None:
        text += f" ({type(exc.__cause__).__name__}: {exc.__cause__})"
    return text


def _weasyprint_logger(handler: logging.Handler) -> None:
    weasy_logger = logging.getLogger("weasyprint")
    weasy_logger.addHandler(handler)
    weasy_logger.setLevel(logging.WARNING)


def render_one(html: str, target: Path, font_config: FontConfiguration | None = None) -> str | None:
    """Render `html` to `target`; None when the PDF is complete, else why it is not."""
    try:
        write_pdf(html, target, font_config=font_config)
    # A refused or missing asset arrives as FatalURLFetchingError, which is a BaseException.
    except (Exception, FatalURLFetchingError) as exc:
        return _describe(exc)
    return None


def serve(requests: BinaryIO, replies: BinaryIO) -> int:
    """Answer render requests until `requests` ends (the caller closed it or exited)."""
    collected = _Collected()
    _weasyprint_logger(collected)
    font_config = FontConfiguration()
    try:
        while header := requests.readline():
            request = json.loads(header)
            html = requests.read(request["length"]).decode("utf-8")
            collected.lines = []
            error = render_one(html, Path(request["target"]), font_config)
            reply = {"ok": error is None, "error": error, "warnings": collected.lines}
            replies.write(json.dumps(reply, ensure_ascii=False).encode("utf-8") + b"\n")
            replies.flush()
    finally:
        logging.getLogger("weasyprint").removeHandler(collected)
    return 0


def _serve_on_private_stdout() -> int:
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb", buffering=0)
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    return serve(sys.stdin.buffer, replies)


def main(argv: list[str]) -> int:
    if argv == [SERVE_FLAG]:
        return _serve_on_private_stdout()
    if len(argv) != 1:
        print(
            "usage: python -m dagster_project.reporting.pdf_worker TARGET.pdf < report.html\n"
            f"       python -m dagster_project.reporting.pdf_worker {SERVE_FLAG}",
            file=sys.stderr,
        )
        return 2
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("weasyprint %(levelname)s: %(message)s"))
    _weasyprint_logger(handler)
    error = render_one(sys.stdin.buffer.read().decode("utf-8"), Path(argv[0]))
    if error is not None:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
