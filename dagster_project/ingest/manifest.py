"""Batch manifests (`_manifest.csv`: 文件名,行数,SHA256): what a department says it sent.

A listed file must be present with exactly that many data rows and that digest; a file that disagrees
fails as a whole (MANIFEST_MISMATCH), and a listed file that never arrived fails the manifest itself.
"""

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from dagster_project.ingest.decode import DecodeError, decode
from dagster_project.ingest.inbox import read_bytes_nofollow
from dagster_project.lib.contract import Settings


class ManifestError(ValueError):
    pass


@dataclass(frozen=True)
class ManifestEntry:
    file_name: str
    rows: int
    sha256: str


def parse_manifest(data: bytes, settings: Settings) -> list[ManifestEntry]:
    try:
        text = decode(data).text
    except DecodeError as exc:
        raise ManifestError(f"manifest cannot be decoded: {exc}") from exc
    names = settings.manifest_columns
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip() for h in (reader.fieldnames or [])]
        missing = [v for v in names.values() if v not in header]
        if missing:
            raise ManifestError("manifest lacks columns: " + "、".join(missing))
        reader.fieldnames = header
        entries = []
        for row in reader:
            if not any((v or "").strip() for v in row.values()):
                continue
            rows = (row[names["rows"]] or "").strip()
            if not rows.isascii() or not rows.isdigit():
                raise ManifestError(f"manifest line {reader.line_num}: row count {rows!r} is not a number")
            entries.append(ManifestEntry(row[names["file_name"]].strip(), int(rows),
                                         row[names["sha256"]].strip().lower()))
    except csv.Error as exc:
        raise ManifestError(f"manifest is malformed: {exc}") from exc
    return entries


def read_manifest(folder: Path, settings: Settings) -> list[ManifestEntry] | None:
    """The folder's manifest entries, None when the batch has no manifest."""
    path = folder / settings.manifest_name
    if not path.exists() or path.is_symlink():
        return None
    return parse_manifest(read_bytes_nofollow(path), settings)


def mismatch(entry: ManifestEntry, sha256: str, rows_physical: int) -> str | None:
    """Why a delivered file disagrees with its manifest entry, or None when it agrees."""
    problems = []
    if entry.sha256 != sha256:
        problems.append("SHA256 differs from the manifest")
    if entry.rows != rows_physical:
        problems.append(f"{rows_physical} data rows, the manifest says {entry.rows}")
    return "MANIFEST_MISMATCH: " + "; ".join(problems) if problems else None
