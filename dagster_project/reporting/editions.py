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
"""

import os
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import PdfReadError

EDITION_KEY = "/govwhedition"
FINGERPRINT_KEY = "/govwhdatafingerprint"
REPLACES_KEY = "/govwhreplacesfingerprint"


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
    return IssuedReport(
        edition=Edition(number, str(replaces) if replaces else None),
        fingerprint=str(fingerprint) if fingerprint else None,
    )


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
