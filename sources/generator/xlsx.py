"""Civil-affairs ledgers as Excel workbooks: a title row, a subtitle, a two-row merged header, a
leading 序号 column and a 合计 row, the way street offices keep them.

Headers are laid out so that ingestion must combine the two header rows: most columns sit under a
merged group cell, some header cells span both rows, and one header is split between the group cell
and the cell below it (``办公用房`` + ``面积（㎡）``). Workbooks are byte-for-byte reproducible.
"""

import os
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.writer.excel import ExcelWriter

from dagster_project.lib.contract import Table
from sources.generator.formats import Cell

SERIAL_HEADER = "序号"
TOTALS_LABEL = "合计"
# Title, subtitle, then the two header rows.
FIRST_DATA_ROW = 5
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Layout:
    # (group cell over the columns, or None for header cells spanning both rows; columns).
    groups: tuple[tuple[str | None, tuple[str, ...]], ...]
    # Lower header cells that complete the group cell above them instead of repeating the header.
    split: tuple[tuple[str, str], ...] = ()
    summed: tuple[str, ...] = ()
    # (column, unit word) of the 合计 row's head count, e.g. 共 12 人.
    counted: tuple[str, str] | None = None

    @property
    def columns(self) -> list[str]:
        return [name for _, names in self.groups for name in names]


LAYOUTS = {
    "ca_community": Layout(
        groups=(
            ("基本情况", ("community_code", "community_name", "community_type",
                          "households_reported")),
            ("办公用房", ("office_area_m2", "office_tenure")),
            ("服务设施", ("has_service_hall", "outdoor_area_m2", "has_day_care")),
            ("经费保障", ("annual_funding_10k_yuan", "collective_income_10k_yuan")),
            ("党组织建设", ("party_org_level", "one_shoulder")),
            ("自治与信息化", ("volunteers_registered", "has_info_platform", "data_shared_with")),
        ),
        split=(("office_area_m2", "面积（㎡）"),),
        summed=("households_reported", "office_area_m2", "outdoor_area_m2",
                "annual_funding_10k_yuan", "collective_income_10k_yuan", "volunteers_registered"),
    ),
    "ca_worker": Layout(
        groups=(
            (None, ("name",)),
            ("基本情况", ("gender", "id_number", "education", "phone")),
            ("任职情况", ("community_code", "position", "hire_type", "hire_date")),
            ("专业能力", ("sw_cert", "emergency_trained")),
            (None, ("monthly_pay_yuan",)),
        ),
        counted=("name", "人"),
    ),
    "ca_social_org": Layout(
        groups=(
            (None, ("org_name",)),
            ("登记信息", ("registration_kind", "uscc", "filing_no", "established_date")),
            ("基本情况", ("community_code", "field", "status", "active_last_year")),
        ),
        counted=("org_name", "个"),
    ),
}


class _ReproducibleZip(zipfile.ZipFile):
    """A zip whose entries carry a fixed timestamp instead of the time of writing."""

    def writestr(self, zinfo_or_arcname: str | zipfile.ZipInfo, data: str | bytes,
                 compress_type: int | None = None, compresslevel: int | None = None) -> None:
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            zinfo_or_arcname = zipfile.ZipInfo(zinfo_or_arcname, date_time=_FIXED_TIME)
            zinfo_or_arcname.compress_type = self.compression
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename: str | os.PathLike[str], arcname: str | None = None,
              compress_type: int | None = None, compresslevel: int | None = None) -> None:
        self.writestr(arcname or str(filename), Path(filename).read_bytes(), compress_type,
                      compresslevel)


def _header(table: Table, layout: Layout) -> tuple[list[Cell], list[Cell], list[str]]:
    """The two header rows (group row, lower row) and the cell ranges to merge."""
    headers = {c.name: c.header for c in table.columns}
    split = dict(layout.split)
    top: list[Cell] = [SERIAL_HEADER]
    lower: list[Cell] = [None]
    merges = ["A3:A4"]
    col = 2
    for group, names in layout.groups:
        first = col
        for name in names:
            if group is None:
                top.append(headers[name].replace("(", "（").replace(")", "）"))
                lower.append(None)
                merges.append(f"{get_column_letter(col)}3:{get_column_letter(col)}4")
            else:
                top.append(group if col == first else None)
                lower.append(split.get(name, headers[name]))
            col += 1
        if group is not None and col - first > 1:
            merges.append(f"{get_column_letter(first)}3:{get_column_letter(col - 1)}3")
    return top, lower, merges


def totals_row(layout: Layout, rows: list[list[Cell]]) -> list[Cell]:
    """合计: sums of the numeric cells (text cells are skipped, as Excel's SUM does) and a count."""
    columns = layout.columns
    totals: list[Cell] = [TOTALS_LABEL] + [None] * len(columns)
    for name in layout.summed:
        i = columns.index(name)
        totals[i + 1] = round(sum(r[i] for r in rows if isinstance(r[i], (int, float))), 2)
    if layout.counted is not None:
        name, unit = layout.counted
        totals[columns.index(name) + 1] = f"共{len(rows)}{unit}"
    return totals


def write_workbook(path: Path, table: Table, title: str, subtitle: str,
                   rows: Iterable[list[Cell] | None]) -> int:
    """Write the ledger; ``None`` rows are blank lines. Returns the sheet row of the 合计 row."""
    layout = LAYOUTS[table.name]
    last = get_column_letter(len(layout.columns) + 1)
    # Write-only: rows stream to disk, so a province-sized ledger costs no memory.
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(table.title_zh)
    top, lower, merges = _header(table, layout)
    for cells in (f"A1:{last}1", f"A2:{last}2", *merges):
        sheet.merged_cells.add(CellRange(cells))
    for row in ([title], [subtitle], top, lower):
        sheet.append(row)
    data: list[list[Cell]] = []
    totals_line = FIRST_DATA_ROW
    for row in rows:
        totals_line += 1
        if row is None:
            sheet.append([])
            continue
        # A row pasted twice keeps its 序号.
        serial = len(data) if data and row == data[-1] else len(data) + 1
        data.append(row)
        sheet.append([serial, *row])
    sheet.append(totals_row(layout, data))
    workbook.properties.created = workbook.properties.modified = datetime(*_FIXED_TIME)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _ReproducibleZip(path, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()
    return totals_line
