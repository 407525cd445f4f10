"""Editions of a report: a re-issue after the data changed is a 修订版, and the earlier PDF is kept.

A report for one period and area always lives at the same path. Before it is rendered again, the
data fingerprint recorded in the existing PDF's metadata is compared with the new one:

- no earlier PDF: first edition;
- same fingerprint: the same edition is rendered again in place (a code or run change is not a
  revision, and a 修订版 stays one);
- different fingerprint (a superseding file, a late delivery): the next edition, marked 修订版 on
  the cover and in the metadata; the earlier PDF is kept beside it as <name>_v<its edition>.pdf.

The earlier PDF is moved aside only once the new one has rendered completely, so a failed render
leaves the published report as it was.

A report whose new rendering would differ from the PDF in place only by its run id and issue date is
not rendered again at all (is_current): the PDF records a digest of its HTML with those two left out
(content_digest, in its metadata), and the new HTML, rendered the same way, is compared with it. The
digest covers everything printed (every figure whatever year or file it comes from, the edition, the
data fingerprint and the code version), so changed data, a new edition or other code always renders.
"""

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import PdfReadError

EDITION_KEY = "/govwhedition"
FINGERPRINT_KEY = "/govwhdatafingerprint"
REPLACES_KEY = "/govwhreplacesfingerprint"
DIGEST_KEY = "/govwhcontentdigest"
# WeasyPrint turns <meta name="govwh-content-digest"> into DIGEST_KEY of the PDF info dictionary.
DIGEST_META_NAME = "govwh-content-digest"


@dataclass(frozen=True)
class Edition:
    """Which issue of a report this is; `replaces` is the data fingerprint of the issue it supersedes."""

    number: int = 1
    replaces: str | None = None

    @property
    def revised(self) -> bool:
        return self.number > 1


FIRST_EDITION = Edition()


@dataclass(frozen=True)
class IssuedReport:
    """What an existing PDF says about itself."""

    edition: Edition
    fingerprint: str | None
    content_digest: str | None = None


def read_issued(path: Path) -> IssuedReport | None:
    """The edition and data fingerprint recorded in an existing report, or None if there is none.

    A file that is not a readable PDF of ours counts as a first edition of unknown data, so it is
    kept as an earlier version rather than overwritten.
    """
    if not path.exists():
        return None
    try:
        meta = PdfReader(path).metadata or {}
    except (PdfReadError, OSError, ValueError):
        meta = {}
    try:
        number = max(1, int(str(meta.get(EDITION_KEY, "1"))))
    except ValueError:
        number = 1
    fingerprint = meta.get(FINGERPRINT_KEY)
    replaces = meta.get(REPLACES_KEY) or None
    digest = meta.get(DIGEST_KEY)
    return IssuedReport(
        edition=Edition(number, str(replaces) if replaces else None),
        fingerprint=str(fingerprint) if fingerprint else None,
        content_digest=str(digest) if digest else None,
    )


def content_digest(html: str) -> str:
    """Digest of a report's HTML as rendered with a blank run id and a fixed issue date."""
    return "sha256:" + hashlib.sha256(html.encode("utf-8")).hexdigest()


def with_content_digest(html: str, digest: str) -> str:
    """The HTML with a <meta> carrying `digest` into the PDF metadata (unchanged if it has no </head>)."""
    head_end = html.find("</head>")
    if head_end < 0:
        return html
    return f'{html[:head_end]}<meta name="{DIGEST_META_NAME}" content="{digest}">\n{html[head_end:]}'


def is_current(target: Path, digest: str) -> bool:
    """Whether the PDF at `target` records `digest`: rendering again would change only run id and date."""
    issued = read_issued(target)
    return issued is not None and issued.content_digest == digest


def plan_edition(target: Path, fingerprint: str) -> Edition:
    """The edition a report rendered now from data with `fingerprint` must carry."""
    issued = read_issued(target)
    if issued is None:
        return FIRST_EDITION
    if issued.fingerprint == fingerprint:
        return issued.edition
    return Edition(issued.edition.number + 1, issued.fingerprint)


def archived_path(target: Path, number: int) -> Path:
    """Where edition `number` of `target` is kept once superseded: <stem>_v<number>.pdf (never reused)."""
    candidate = target.with_name(f"{target.stem}_v{number}{target.suffix}")
    extra = 2
    while candidate.exists():
        candidate = target.with_name(f"{target.stem}_v{number}-{extra}{target.suffix}")
        extra += 1
    return candidate


def install(staged: Path, target: Path, edition: Edition) -> Path | None:
    """Put a completely rendered PDF in place; keep the earlier edition if this one supersedes it.

    Returns the path the earlier edition was kept at, or None when nothing was kept.
    """
    kept = None
    issued = read_issued(target)
    if issued is not None and edition.number > issued.edition.number:
        kept = archived_path(target, issued.edition.number)
        os.replace(target, kept)
    os.replace(staged, target)
    return kept
