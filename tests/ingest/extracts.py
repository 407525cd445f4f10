"""Small handwritten extracts for ingestion tests (the generator makes the large ones)."""

import csv
import io
from pathlib import Path

from dagster_project.lib.contract import load_contract
from dagster_project.lib.identifiers import resident_id_check_char

DIVISIONS = [
    ("330100000000", "测试市", "市", "", ""),
    ("330102000000", "东区", "区", "330100000000", ""),
    ("330102001000", "东街道", "街道", "330102000000", ""),
    ("330102001001", "桂花社区", "社区", "330102001000", "111"),
    ("330102001002", "荷花社区", "社区", "330102001000", "112"),
]


def resident_id(body17: str) -> str:
    return body17 + resident_id_check_char(body17)


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def headers(table: str) -> list[str]:
    return [c.header for c in load_contract().tables[table].columns]


def write(inbox: Path, department: str, period: str, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = inbox / department / period / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def write_divisions(inbox: Path, period: str) -> Path:
    return write(inbox, "civil_affairs", period, "ca_division.csv",
                 csv_text(headers("ca_division"), [list(r) for r in DIVISIONS]))


def resident_rows(n: int, community: str = "330102001001", start: int = 1) -> list[list[str]]:
    rows = []
    for i in range(start, start + n):
        body = f"33010219{80 + i % 20:02d}0101{i:03d}"[:17]
        rows.append([resident_id(body), "张三", f"H{i // 3}", community, "户籍人口" if i % 4 else "流动人口",
                     "2020-01-01", "13800138000"])
    return rows
