"""Finding what the departments delivered: the inbox layout `<inbox>/<department>/<YYYY-MM>/<table>.<ext>`.

File and folder names are untrusted. A name is accepted only when it is exactly a known department, a
valid period and a known table with an allowed extension; everything else becomes a refusal with a
plain reason, and no path is ever built from a supplied name. Symbolic links are never followed.
"""

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from dagster_project.lib.contract import Contract
from dagster_project.lib.periods import is_month, month_bounds

MANIFEST_TABLE = "_manifest"


@dataclass(frozen=True)
class Delivery:
    """One regular file found in the inbox, classified against the contract."""

    path: Path
    rel_path: str
    department: str | None
    period: str | None
    table: str | None
    fmt: str | None
    refusal: str | None  # plain reason when the delivery is refused, else None

    @property
    def accepted(self) -> bool:
        return self.refusal is None


def _refuse(path: Path, rel: str, reason: str, department: str | None = None,
            period: str | None = None, table: str | None = None) -> Delivery:
    return Delivery(path, rel, department, period, table, None, reason)


def classify(inbox: Path, path: Path, contract: Contract) -> Delivery:
    rel = path.relative_to(inbox).as_posix()
    parts = rel.split("/")
    if path.is_symlink():
        return _refuse(path, rel, "symbolic link: not followed")
    if len(parts) != 3:
        return _refuse(path, rel, "not in the layout <department>/<YYYY-MM>/<table>.<ext>")
    department, period, name = parts
    if department not in contract.departments:
        return _refuse(path, rel, f"unknown department folder {department!r}")
    if not is_month(period):
        return _refuse(path, rel, f"invalid period folder {period!r} (expected YYYY-MM)", department)
    if name == contract.settings.manifest_name:
        return Delivery(path, rel, department, period, MANIFEST_TABLE, "csv", None)
    stem, dot, ext = name.rpartition(".")
    if not dot or stem not in contract.tables:
        return _refuse(path, rel, f"unknown table file name {name!r}", department, period)
    table = contract.tables[stem]
    if table.department != department:
        return _refuse(path, rel, f"table {stem} belongs to {table.department}, not {department}",
                       department, period, stem)
    if ext not in table.formats:
        allowed = "/".join(table.formats)
        return _refuse(path, rel, f"format {ext!r} not allowed for {stem} (allowed: {allowed})",
                       department, period, stem)
    month = month_bounds(period)[0].month
    if not table.delivered_in(month):
        return _refuse(path, rel, f"{stem} is quarterly and is delivered only in months 03/06/09/12",
                       department, period, stem)
    return Delivery(path, rel, department, period, stem, ext, None)


def scan(inbox: Path, contract: Contract) -> list[Delivery]:
    """Every regular file or symlink under the inbox, classified; directories are walked, never links."""
    found: list[Delivery] = []
    if not inbox.exists():
        return found
    stack = [inbox]
    while stack:
        folder = stack.pop()
        with os.scandir(folder) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                path = Path(entry.path)
                if entry.is_symlink():
                    found.append(classify(inbox, path, contract))
                elif entry.is_dir(follow_symlinks=False):
                    stack.append(path)
                elif entry.is_file(follow_symlinks=False):
                    if entry.name.startswith(".") and entry.name.endswith(".part"):
                        continue  # a transfer still in progress
                    found.append(classify(inbox, path, contract))
    return sorted(found, key=lambda d: d.rel_path)


@dataclass(frozen=True)
class Fingerprint:
    sha256: str
    size: int
    mtime_ns: int


def read_bytes_nofollow(path: Path) -> bytes:
    """The file's bytes, refusing to open through a symbolic link."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path} is not a regular file")
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def fingerprint(path: Path, data: bytes | None = None) -> Fingerprint:
    st = path.lstat()
    if data is None:
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        sha = digest.hexdigest()
    else:
        sha = hashlib.sha256(data).hexdigest()
    return Fingerprint(sha, st.st_size, st.st_mtime_ns)
