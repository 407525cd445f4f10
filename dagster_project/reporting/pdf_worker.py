"""Child process that turns one report's HTML (on stdin) into a PDF at the path given as argument.

Rendering runs here rather than in the caller so that a pathological document can be stopped by
killing this process when it exceeds the report's time limit. Exit status 0 means the PDF is complete;
otherwise the last stderr line says why.
"""

import logging
import sys
from pathlib import Path

from weasyprint.urls import FatalURLFetchingError

from dagster_project.reporting.pdf import write_pdf


def _describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    if exc.__cause__ is not None:
        text += f" ({type(exc.__cause__).__name__}: {exc.__cause__})"
    return text


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m dagster_project.reporting.pdf_worker TARGET.pdf < report.html", file=sys.stderr)
        return 2
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("weasyprint %(levelname)s: %(message)s"))
    weasy_logger = logging.getLogger("weasyprint")
    weasy_logger.addHandler(handler)
    weasy_logger.setLevel(logging.WARNING)
    html = sys.stdin.buffer.read().decode("utf-8")
    try:
        write_pdf(html, Path(argv[0]))
    # A refused or missing asset arrives as FatalURLFetchingError, which is a BaseException.
    except (Exception, FatalURLFetchingError) as exc:
        print(_describe(exc), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
