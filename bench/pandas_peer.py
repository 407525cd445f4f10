"""The pandas peer: the extracts loaded, validated and summarised the way most teams would do it.

pandas `read_csv` / `read_excel` of every extract, vectorised normalisation to the contract's canonical
columns (the same storage layout as raw.<table>: lineage, canonical columns, ID pseudonyms and their
derived attributes, no names or phones), the same GX 1.x suites from expectations/*.json run on the
DataFrames through a GX pandas datasource, and pandas groupbys for ten of the published indicators.

It is what bench/pipeline_bench.py compares govwh with. Rows are rejected as govwh rejects them where a
column rule says so (required values, value sets, ranges, formats, ID check digits, division codes
that the month's master does not hold, duplicate keys); files with more than the contract's share of
rejects are dropped whole. Its ID rule is the check digit and a birth date not after the period (govwh
also checks province codes, example IDs and plausible ages), which on generated data rejects the same
rows. Two things are out of its reach and are left out rather than faked:
GX's `unexpected_rows_expectation` (SQL against the other departments' tables; a pandas datasource
cannot run it) and the audit trail (ledger, reject reasons, Data Docs).
"""

import hashlib
import hmac
import io
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dagster_project.lib.contract import Column, Contract, Table, load_contract
from dagster_project.lib.periods import month_bounds

ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
ID_CHECK_CHARS = np.frombuffer(b"10X98765432", dtype=np.uint8)
PID_HEX_CHARS = 32
FULL_WIDTH = str.maketrans("０１２３４５６７８９．－，", "0123456789.-,")
NUMBER = re.compile(r"^\s*(-?\d+(?:\.\d+)?)")
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
BOOLS = {"是": True, "否": False}
TOTALS_TOKENS = tuple(load_contract().settings.totals_tokens)
# first characters of the contract's masked-value patterns ('^[*＊]+$', '^[Xx×]{2,}$')
MASK_CHARS = ("*", "＊", "X", "x", "×")
# SQL-only expectations: they join the batch with other departments' tables in the warehouse.
SQL_ONLY_EXPECTATIONS = frozenset({"unexpected_rows_expectation"})

# The indicators the peer computes: code -> (numerator measure, denominator measure, scale).
PEER_INDICATORS: dict[str, tuple[str, str | None, float]] = {
    "A05": ("households", "communities", 1),
    "A06": ("residents", None, 1),
    "A07": ("residents", "households", 1),
    "A08": ("floating_residents", "residents", 100),
    "A10": ("elderly_residents", "residents", 100),
    "A18": ("residents", "communities", 1),
    "B01": ("workers", None, 1),
    "B05": ("workers", "communities", 1),
    "B06": ("households", "workers", 1),
    "B13": ("workers_junior_college_plus", "workers", 100),
}
JUNIOR_COLLEGE_PLUS = ("大专", "本科", "研究生")
PUBLISHED_DECIMALS = 6


@dataclass
class PeerResult:
    seconds: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)  # process time (all threads) per step
    files: int = 0
    rows_read: int = 0
    rows_kept: int = 0
    expectations_run: int = 0
    expectations_failed: int = 0
    expectations_skipped: int = 0
    indicators: pd.DataFrame | None = None


# ---------------------------------------------------------------------------------------------------
# reading

def _norm_header(text: Any) -> str:
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    return "".join(str(text).split()).replace("（", "(").replace("）", ")").lstrip("\ufeff")


def header_names(rows: list[list[Any]], table: Table, search_rows: int) -> tuple[int, list[str]]:
    """(index of the last header row, canonical name or '' per position) of a sheet's first rows.

    The header is the row naming most contract headers; a spreadsheet may split it over two rows
    (a group heading above, with the column's own name below or the two joined).
    """
    wanted = {_norm_header(c.header): c.name for c in table.columns}
    best_index, best_names, best_hits = -1, [], 0
    for i, row in enumerate(rows[:search_rows]):
        above = rows[i - 1] if i > 0 else []
        names = []
        for pos, cell in enumerate(row):
            upper = _norm_header(above[pos]) if pos < len(above) else ""
            lower = _norm_header(cell)
            name = wanted.get(lower) or wanted.get(upper + lower) or (wanted.get(upper) if not lower else None)
            names.append(name or "")
        hits = sum(bool(n) for n in names)
        if hits > best_hits:
            best_index, best_names, best_hits = i, names, hits
    if best_hits * 2 < len(table.columns):
        raise ValueError(f"{table.name}: no header row names the contract's columns")
    return best_index, best_names


def read_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def read_extract(path: Path, table: Table, search_rows: int = 10) -> pd.DataFrame:
    """All cells as strings under canonical column names, plus `line_number` (1-based, as delivered)."""
    if path.suffix == ".xlsx":
        raw = pd.read_excel(path, header=None, dtype=str, engine="openpyxl")
        head = raw.head(search_rows).astype(object).where(raw.head(search_rows).notna(), None).values.tolist()
        index, names = header_names(head, table, search_rows)
        body = raw.iloc[index + 1:]
        line_numbers = body.index.to_numpy() + 1
    else:
        text = read_text(path)
        first = [line.split(",") for line in text.splitlines()[:search_rows]]
        index, names = header_names(first, table, search_rows)
        try:
            body = pd.read_csv(io.StringIO(text), header=None, skiprows=index + 1, dtype=str,
                               keep_default_na=False, skip_blank_lines=False)
        except pd.errors.EmptyDataError:  # a header and no rows: an empty month
            body = pd.DataFrame(columns=range(len(names)), dtype="str")
        line_numbers = np.arange(len(body)) + index + 2
    totals = body.isin(TOTALS_TOKENS).any(axis=1).to_numpy()
    body, line_numbers = body[~totals], line_numbers[~totals]
    keep = [pos for pos, n in enumerate(names) if n and pos < body.shape[1]]
    frame = body.iloc[:, keep].copy()
    frame.columns = [names[pos] for pos in keep]
    frame.insert(0, "line_number", line_numbers)
    return frame.reset_index(drop=True)


# ---------------------------------------------------------------------------------------------------
# normalising

def _missing(stripped: pd.Series, contract: Contract) -> pd.Series:
    """Empty, a null token or a masked value (******, XXXX); `stripped` is already stripped."""
    missing = stripped.isna() | stripped.isin(contract.settings.null_tokens)
    maybe_masked = stripped.str.slice(0, 1).isin(MASK_CHARS) & ~missing
    if maybe_masked.any():
        masked = stripped[maybe_masked]
        hit = pd.Series(False, index=masked.index)
        for pattern in contract.settings.masked_patterns:
            hit |= masked.str.fullmatch(pattern.pattern).fillna(False).astype(bool)
        missing[maybe_masked] = hit
    return missing


def parse_numbers(values: pd.Series) -> pd.Series:
    cleaned = values.str.translate(FULL_WIDTH).str.replace(",", "", regex=False)
    return pd.to_numeric(cleaned.str.extract(NUMBER, expand=False), errors="coerce")


def parse_dates(values: pd.Series, formats: Iterable[str]) -> pd.Series:
    text = values
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    for fmt in (*formats, "%Y-%m-%d %H:%M:%S"):
        todo = parsed.isna() & text.notna()
        if not todo.any():
            break
        parsed[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce").astype("datetime64[ns]")
    serial = parsed.isna() & text.str.fullmatch(r"\d{5}(\.0+)?").fillna(False).astype(bool)
    if serial.any():
        days = pd.to_numeric(text[serial]).astype("int64")
        parsed[serial] = EXCEL_EPOCH + pd.to_timedelta(days, unit="D")
    return parsed


def id_checksum_ok(ids: pd.Series) -> pd.Series:
    """GB 11643: 17 digits and a check character, the weighted digit sum mod 11 mapping to it."""
    shaped = ids.str.fullmatch(r"\d{17}[\dX]").fillna(False).astype(bool)
    ok = pd.Series(False, index=ids.index)
    if shaped.any():
        chars = np.frombuffer("".join(ids[shaped]).encode("ascii"), dtype=np.uint8).reshape(-1, 18)
        total = ((chars[:, :17].astype(np.int64) - 48) * ID_WEIGHTS).sum(axis=1) % 11
        ok[shaped] = ID_CHECK_CHARS[total] == chars[:, 17]
    return ok


def pseudonym(key: bytes, canonical_id: str) -> str:
    return hmac.new(key, canonical_id.encode("ascii"), hashlib.sha256).hexdigest()[:PID_HEX_CHARS]


def _resident_id(values: pd.Series, prefix: str, period_end: date,
                 key: bytes) -> tuple[dict[str, pd.Series], pd.Series]:
    ids = values.str.upper()
    births = pd.to_datetime(ids.str.slice(6, 14), format="%Y%m%d", errors="coerce")
    ok = id_checksum_ok(ids.fillna("")) & births.notna() & (births <= pd.Timestamp(period_end))
    ok &= births.dt.year >= 1890
    clean = ids.where(ok)
    pids = pd.Series([pseudonym(key, v) if isinstance(v, str) else None for v in clean], index=values.index,
                     dtype="str")
    columns = {
        f"{prefix}_pid": pids,
        f"{prefix}_birth_year": births.dt.year.where(ok).astype("Int64"),
        f"{prefix}_birth_month": births.dt.month.where(ok).astype("Int64"),
        f"{prefix}_sex": clean.str.slice(16, 17).map(
            lambda d: ("男" if int(d) % 2 else "女") if isinstance(d, str) else None).astype("str"),
        f"{prefix}_area_code": clean.str.slice(0, 6),
    }
    return columns, ok


def _joined_pattern(values: Iterable[str], separator: str) -> str:
    one = "(?:" + "|".join(re.escape(v) for v in values) + ")"
    return f"{one}(?:{re.escape(separator)}{one})*"


def _enum(values: pd.Series, column: Column) -> tuple[pd.Series, pd.Series]:
    text = values
    if column.synonyms:
        text = text.replace(column.synonyms)
    if column.multi:
        valid = text.str.fullmatch(_joined_pattern(column.values, column.multi)).fillna(False).astype(bool)
    else:
        valid = text.isin(column.values)
    return text.where(valid), valid


def _list(values: pd.Series, column: Column) -> tuple[pd.Series, pd.Series]:
    text = values.str.replace("；", ";", regex=False).str.replace(column.separator or ";", ";", regex=False)
    text = text.str.replace(r"\s*;\s*", ";", regex=True).str.strip()
    valid = text.str.fullmatch(_joined_pattern(column.values, ";")).fillna(False).astype(bool)
    return text.where(valid), valid


def normalise(frame: pd.DataFrame, table: Table, period: str, file_id: str, key: bytes,
              divisions: pd.DataFrame | None, contract: Contract) -> tuple[pd.DataFrame, int]:
    """The extract in raw.<table>'s storage layout, and the number of rows rejected."""
    _, period_end = month_bounds(period)
    stripped = {c: frame[c].str.strip() for c in frame.columns if c != "line_number"}
    missing_cells = pd.DataFrame({c: _missing(v, contract) for c, v in stripped.items()}, index=frame.index)
    blank = missing_cells.all(axis=1)
    frame = frame[~blank]
    out: dict[str, pd.Series] = {"file_id": pd.Series(file_id, index=frame.index, dtype="str"),
                                 "period": pd.Series(period, index=frame.index, dtype="str"),
                                 "line_number": frame["line_number"].astype("int64")}
    reject = pd.Series(False, index=frame.index)
    canonical: dict[str, pd.Series] = {}
    community_codes = division_codes = None
    if divisions is not None:
        division_codes = set(divisions["division_code"])
        community_codes = set(divisions.loc[divisions["level"] == "社区", "division_code"])
    for column in table.columns:
        if column.name in frame:
            raw, missing = stripped[column.name][~blank], missing_cells[column.name][~blank]
        else:
            raw = pd.Series(None, index=frame.index, dtype="str")
            missing = pd.Series(True, index=frame.index)
        if column.values:  # a null token that is also one of the values (无) is that value
            missing &= ~raw.isin(column.values)
        raw = raw.where(~missing)
        valid = pd.Series(True, index=frame.index)
        if column.is_pii_dropped:
            continue
        if column.is_resident_id:
            derived, valid = _resident_id(raw, column.pseudonym or column.name, period_end, key)
            out.update(derived)
            value = derived[f"{column.pseudonym or column.name}_pid"]
        elif column.type in ("int", "decimal"):
            value = parse_numbers(raw)
            valid = value.notna()
            if column.min is not None:
                valid &= value >= column.min
            if column.max is not None:
                valid &= value <= column.max
            if column.type == "int":
                valid &= value.isna() | (value == value.round())
                value = value.round().astype("Int64")
        elif column.type == "date":
            value = parse_dates(raw, contract.settings.date_formats)
            valid = value.notna()
            if column.not_after_period_end or column.in_period:
                valid &= value <= pd.Timestamp(period_end)
        elif column.type == "bool":
            value = raw.map(BOOLS).astype("boolean")
            valid = value.notna()
        elif column.type == "enum":
            value, valid = _enum(raw, column)
        elif column.type == "list":
            value, valid = _list(raw, column)
        elif column.type == "division":
            value = raw
            known = community_codes if column.level == "社区" else division_codes
            if column.multi:
                value = value.str.replace(r"\s*[;；]\s*", column.multi, regex=True)
                parts = value.str.split(column.multi).explode()
                ok = parts.str.fullmatch(r"\d{12}").fillna(False).astype(bool)
                if column.references and known is not None:
                    ok &= parts.isin(known)
                valid = ok.groupby(level=0).all()
            else:
                valid = value.str.fullmatch(r"\d{12}").fillna(False).astype(bool)
                if column.references and known is not None:
                    valid &= value.isin(known)
        elif column.type == "district":
            value = raw
            valid = value.str.fullmatch(r"\d{6}").fillna(False).astype(bool)
        elif column.type == "uscc":
            value = raw.str.upper()
            valid = value.str.fullmatch(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}").fillna(False)
            valid = valid.astype(bool)
        else:
            value = raw
        required = pd.Series(not column.nullable, index=frame.index)
        for other, values in column.required_when.items():
            required = canonical[other].isin(values) if other in canonical else frame[other].isin(values)
        reject |= missing & required
        reject |= ~missing & ~valid
        canonical[column.name] = value
        if not column.is_resident_id:
            out[column.name] = value
    for check in table.checks:
        if check.kind == "not_greater" and check.severity == "reject":
            reject |= (canonical[check.column] > canonical[check.other]).fillna(False).astype(bool)
    key_columns = [c for c in table.key if c in canonical]
    keys = pd.DataFrame({c: canonical[c] for c in key_columns})
    reject |= keys.duplicated(keep="first") & ~reject
    result = pd.DataFrame(out)
    if len(frame) and reject.mean() > contract.settings.max_reject_share:
        return result.iloc[0:0], int(len(frame))
    return result[~reject].reset_index(drop=True), int(reject.sum())


# ---------------------------------------------------------------------------------------------------
# validating

def date_columns(table: str) -> frozenset[str]:
    return frozenset(c.name for c in load_contract().tables[table].columns if c.type == "date")


def _as_datetime_bounds(expectation: dict[str, Any], dates: frozenset[str]) -> dict[str, Any]:
    """A date bound written as 'YYYY-MM-DD' becomes midnight of that day, for a datetime64 column."""
    kwargs = expectation["kwargs"]
    if expectation["type"] != "expect_column_values_to_be_between" or kwargs.get("column") not in dates:
        return expectation
    bounds = {k: f"{v}T00:00:00" for k, v in kwargs.items()
              if k in ("min_value", "max_value") and isinstance(v, str) and len(v) == 10}
    return {**expectation, "kwargs": {**kwargs, **bounds}}


def validate(frames: dict[tuple[str, str], pd.DataFrame]) -> tuple[int, int, int]:
    """Each (table, period) frame against its suite: (expectations run, failed, skipped as SQL-only)."""
    from dagster_project.quality import gx_compat
    from dagster_project.quality.gx_runner import RESULT_FORMAT, Delivery, suite_parameters
    from dagster_project.quality.suites import PERIOD_END, load_suite_json

    context = gx_compat.ephemeral_context()
    datasource = context.data_sources.add_pandas("peer")
    run = failed = skipped = 0
    previous_rows: dict[str, tuple[str, int]] = {}
    suites = {}
    for (table, period), frame in sorted(frames.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        suite_json = load_suite_json(table)
        if table not in suites:
            kept = [_as_datetime_bounds(e, date_columns(table)) for e in suite_json["expectations"]
                    if e["type"] not in SQL_ONLY_EXPECTATIONS]
            suites[table] = gx_compat.suite_from_json({**suite_json, "expectations": kept})
        skipped += len(suite_json["expectations"]) - len(suites[table].expectations)
        asset = datasource.add_dataframe_asset(f"{table}_{period}")
        batch = asset.add_batch_definition_whole_dataframe("all").get_batch(batch_parameters={"dataframe": frame})
        before = previous_rows.get(table)
        # an empty delivery sets no bounds, as in the warehouse
        previous = Delivery(*before) if before and before[1] else None
        parameters = suite_parameters(period, suite_json, previous)
        # date columns are datetime64 here, which compares with datetimes but not with dates
        parameters[PERIOD_END] = datetime.combine(parameters[PERIOD_END], datetime.min.time())
        result = batch.validate(suites[table], result_format=RESULT_FORMAT, expectation_parameters=parameters)
        run += len(result.results)
        failed += sum(not r.success for r in result.results)
        previous_rows[table] = (period, len(frame))
    return run, failed, skipped


# ---------------------------------------------------------------------------------------------------
# indicators

def community_measures(residents: pd.DataFrame, workers: pd.DataFrame, divisions: pd.DataFrame) -> pd.DataFrame:
    """One row per (period, community) of each month's division master, for the months with both a
    resident register and a worker roster: the measures the peer's indicators divide."""
    communities = divisions.loc[divisions["level"] == "社区", ["period", "division_code"]]
    communities = communities.rename(columns={"division_code": "community_code"}).drop_duplicates()
    months = sorted(set(residents["period"]) & set(workers["period"]))
    communities = communities[communities["period"].isin(months)]

    year = residents["period"].str.slice(0, 4).astype(int)
    month = residents["period"].str.slice(5, 7).astype(int)
    age = ((year * 12 + month) - (residents["person_birth_year"] * 12 + residents["person_birth_month"])) // 12
    people = residents.assign(floating=residents["residence_kind"] == "流动人口", elderly=age >= 60)
    households = (people.groupby(["period", "community_code", "household_no"], dropna=False)
                  .agg(members=("person_pid", "nunique"), floating=("floating", "sum"), elderly=("elderly", "sum"))
                  .groupby(["period", "community_code"])
                  .agg(households=("members", "size"), residents=("members", "sum"),
                       floating_residents=("floating", "sum"), elderly_residents=("elderly", "sum")))

    roster = workers.sort_values("line_number").drop_duplicates(["period", "community_code", "person_pid"])
    roster = roster.assign(junior_college_plus=roster["education"].isin(JUNIOR_COLLEGE_PLUS))
    staff = roster.groupby(["period", "community_code"]).agg(
        workers=("person_pid", "size"), workers_junior_college_plus=("junior_college_plus", "sum"))

    measures = (communities.set_index(["period", "community_code"])
                .join(households, how="left").join(staff, how="left").fillna(0).astype("int64"))
    measures["communities"] = 1
    return measures.reset_index()


def indicator_values(measures: pd.DataFrame, city_code: str) -> pd.DataFrame:
    """The peer's indicators per community and for the city: numerator, denominator, value."""
    city = measures.drop(columns="community_code").groupby("period").sum().reset_index()
    city["area_code"], city["area_level"] = city_code, "city"
    local = measures.rename(columns={"community_code": "area_code"}).assign(area_level="community")
    frames = []
    for level in (local, city):
        for code, (numerator, denominator, scale) in PEER_INDICATORS.items():
            num = level[numerator].astype("float64")
            den = level[denominator].astype("float64") if denominator else pd.Series(np.nan, index=level.index)
            value = num if denominator is None else (num / den.where(den != 0)) * scale
            frames.append(pd.DataFrame({
                "indicator_code": code, "area_code": level["area_code"], "area_level": level["area_level"],
                "period": level["period"], "numerator": num, "denominator": den,
                "value": value.round(PUBLISHED_DECIMALS)}))
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------------------------------------------
# the whole peer

def run_peer(deliveries: list[tuple[Path, str, str]], key: bytes) -> PeerResult:
    """deliveries: (path, table, period) of every accepted extract. Times each step separately."""
    contract = load_contract()
    result = PeerResult(files=len(deliveries))

    started, cpu_started = time.perf_counter(), time.process_time()
    raw: dict[tuple[str, str], list[tuple[str, pd.DataFrame]]] = {}
    for path, table, period in deliveries:
        frame = read_extract(path, contract.tables[table], contract.settings.header_search_rows)
        raw.setdefault((table, period), []).append((path.name, frame))
        result.rows_read += len(frame)
    result.seconds["read"] = time.perf_counter() - started
    result.cpu["read"] = time.process_time() - cpu_started

    started, cpu_started = time.perf_counter(), time.process_time()
    frames: dict[tuple[str, str], pd.DataFrame] = {}
    order = sorted(raw, key=lambda tp: (tp[1], tp[0] != "ca_division"))
    for table, period in order:
        divisions = frames.get(("ca_division", period))
        parts = [normalise(frame, contract.tables[table], period, f"{period}/{name}", key, divisions, contract)[0]
                 for name, frame in raw[(table, period)]]
        frames[(table, period)] = pd.concat(parts, ignore_index=True)
    result.rows_kept = sum(len(f) for f in frames.values())
    result.seconds["normalise"] = time.perf_counter() - started
    result.cpu["normalise"] = time.process_time() - cpu_started

    started, cpu_started = time.perf_counter(), time.process_time()
    result.expectations_run, result.expectations_failed, result.expectations_skipped = validate(frames)
    result.seconds["validate"] = time.perf_counter() - started
    result.cpu["validate"] = time.process_time() - cpu_started

    started, cpu_started = time.perf_counter(), time.process_time()

    def all_of(table: str) -> pd.DataFrame:
        return pd.concat([f for (t, _), f in frames.items() if t == table], ignore_index=True)

    divisions = all_of("ca_division")
    city_code = divisions.loc[divisions["level"] == "市", "division_code"].iloc[0]
    measures = community_measures(all_of("ps_resident"), all_of("ca_worker"), divisions)
    result.indicators = indicator_values(measures, city_code)
    result.seconds["indicators"] = time.perf_counter() - started
    result.cpu["indicators"] = time.process_time() - cpu_started
    return result
