"""Validation, normalisation and masking of Chinese identifiers.

Resident IDs (GB 11643), unified social credit codes (GB 32100), statistical division codes and
mainland mobile numbers. Pure functions: every stage that touches an identifier uses these, so a
value is judged the same way in ingestion, quality checks and the generator's self-tests.

Patterns are ASCII-only on purpose: bare ``\\d`` and ``str.isdigit`` accept non-ASCII digits.
"""

import operator
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# Summing ASCII codes is fast (the generator issues millions of IDs); it counts ord("0") per weight.
_ID_ASCII_OFFSET = ord("0") * sum(_ID_WEIGHTS)
_ID_CHECK_CHARS = "10X98765432"

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORGCODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

# Province-level codes per GB/T 2260, including Taiwan (71) and the HK/Macau/Taiwan permits (81–83).
PROVINCE_CODES = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23"}
    | {str(n) for n in range(31, 38)}
    | {str(n) for n in range(41, 47)}
    | {str(n) for n in range(50, 55)}
    | {str(n) for n in range(61, 66)}
    | {"71", "81", "82", "83"}
)

# Examples printed in GB 11643 itself: real files containing them are test data or placeholders.
KNOWN_EXAMPLE_IDS = frozenset({"11010519491231002X", "440524188001010014"})

MAX_PLAUSIBLE_AGE = 120

_SEPARATORS = re.compile(r"[\s\-]+")
_ID18 = re.compile(r"[0-9]{17}[0-9X]", re.ASCII)
_ID15 = re.compile(r"[0-9]{15}", re.ASCII)
_ID_CHARSET = re.compile(r"[0-9X]*", re.ASCII)
_DIGITS = re.compile(r"[0-9]+", re.ASCII)
_EXCEL_SCIENTIFIC = re.compile(r"[0-9]+(?:\.[0-9]+)?E\+?[0-9]+", re.ASCII | re.IGNORECASE)
_USCC = re.compile(f"[{USCC_ALPHABET}]{{18}}", re.ASCII)
_MOBILE = re.compile(r"1[3-9][0-9]{9}", re.ASCII)
_MOBILE_PREFIX = re.compile(r"(?:\+86|0086|86)(?=[0-9]{11}$)", re.ASCII)

# Order codes 996–999 were reserved for centenarians under GB 11643-1989.
_CENTENARIAN_ORDER_CODES = frozenset({"996", "997", "998", "999"})


@dataclass(frozen=True)
class IdCheck:
    value: str | None
    reason: str | None
    warnings: tuple[str, ...]
    birth_date: date | None
    sex: str | None
    area_code: str | None
    hint: str | None = None

    @property
    def accepted(self) -> bool:
        return self.reason is None


@dataclass(frozen=True)
class CodeCheck:
    value: str | None
    reason: str | None
    warnings: tuple[str, ...]

    @property
    def accepted(self) -> bool:
        return self.reason is None


def resident_id_check_char(body17: str) -> str:
    """GB 11643 check character (ISO 7064 MOD 11-2) of the first 17 digits."""
    if len(body17) != 17 or not _DIGITS.fullmatch(body17):
        raise ValueError("a resident ID body is 17 ASCII digits")
    total = sum(map(operator.mul, body17.encode("ascii"), _ID_WEIGHTS)) - _ID_ASCII_OFFSET
    return _ID_CHECK_CHARS[total % 11]


def uscc_check_char(body17: str) -> str:
    """GB 32100 check character (ISO 7064 MOD 31-3) of the first 17 characters."""
    if len(body17) != 17 or any(ch not in USCC_ALPHABET for ch in body17):
        raise ValueError("a USCC body is 17 characters of the GB 32100 alphabet")
    total = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(body17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def orgcode_check_char(body8: str) -> str:
    """GB 11714 organisation-code check character of its first 8 characters."""
    total = sum(int(ch, 36) * w for ch, w in zip(body8, _ORGCODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def _normalise(raw: str, prefix: str) -> tuple[str, list[str]]:
    """NFKC, separators removed, upper case; each change recorded as ``<prefix>_*_NORMALISED``."""
    warnings: list[str] = []
    text = unicodedata.normalize("NFKC", raw)
    if text != raw:
        warnings.append(f"{prefix}_FULLWIDTH_NORMALISED")
    compact = _SEPARATORS.sub("", text)
    if compact != text:
        warnings.append(f"{prefix}_WHITESPACE_NORMALISED")
    upper = compact.upper()
    if upper != compact:
        warnings.append(f"{prefix}_CASE_NORMALISED")
    return upper, warnings


def _id_reject(reason: str, warnings: list[str], hint: str | None = None) -> IdCheck:
    return IdCheck(None, reason, tuple(warnings), None, None, None, hint)


def _birth_date(value: str) -> date | None:
    try:
        return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None


def _age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def check_resident_id(raw: str, reference_date: date) -> IdCheck:
    """Validate a resident ID as at ``reference_date`` (the extract's period end).

    Accepts 18-character IDs and upgrades legacy 15-digit ones; leading ``9`` is the foreign
    permanent-resident ID, which shares the layout and check but not the area code.
    """
    text, warnings = _normalise(raw, "ID")
    if _EXCEL_SCIENTIFIC.fullmatch(text):
        return _id_reject(
            "ID_EXCEL_SCIENTIFIC", warnings, "stored as a number in Excel: digits lost"
        )
    if not _ID_CHARSET.fullmatch(text):
        return _id_reject(
            "ID_BAD_CHARACTER", warnings, "characters other than digits and a final X"
        )
    if text and set(text) == {"0"}:
        return _id_reject("ID_ALL_ZERO", warnings)

    if len(text) == 15 and _ID15.fullmatch(text):
        body = text[:6] + "19" + text[6:]
        text = body + resident_id_check_char(body)
        warnings.append("ID_LEGACY_15")
        if text[14:17] in _CENTENARIAN_ORDER_CODES:
            warnings.append("ID_AMBIGUOUS_CENTURY")
    elif len(text) != 18:
        hint = None
        if len(text) == 17 and _DIGITS.fullmatch(text) and resident_id_check_char(text) == "X":
            hint = "appending X makes it valid: trailing X lost?"
        return _id_reject("ID_LENGTH", warnings, hint)
    elif not _ID18.fullmatch(text):
        return _id_reject("ID_BAD_CHARACTER", warnings, "X is allowed only as the last character")

    expected = resident_id_check_char(text[:17])
    if text[17] != expected:
        if text.endswith("000"):
            return _id_reject(
                "ID_EXCEL_PRECISION", warnings, "Excel kept only 15 significant digits"
            )
        return _id_reject("ID_CHECKSUM", warnings, f"check character should be {expected}")

    if text[0] == "9":
        warnings.append("ID_FOREIGN_PERMANENT")
    elif text[:2] not in PROVINCE_CODES:
        return _id_reject("ID_AREA", warnings, "first two digits are not a province-level code")

    birth = _birth_date(text)
    if birth is None:
        return _id_reject("ID_BIRTH_DATE", warnings, "digits 7–14 are not a calendar date")
    if birth > reference_date:
        return _id_reject(
            "ID_BIRTH_FUTURE", warnings, "birth date after the extract's reference date"
        )
    if _age_on(birth, reference_date) > MAX_PLAUSIBLE_AGE:
        warnings.append("ID_AGE_IMPLAUSIBLE")
    if text in KNOWN_EXAMPLE_IDS:
        warnings.append("ID_KNOWN_EXAMPLE")

    sex = "男" if int(text[16]) % 2 else "女"
    return IdCheck(text, None, tuple(warnings), birth, sex, text[:6])


_ID_WEIGHT_VECTOR = np.array(_ID_WEIGHTS, dtype=np.int64)
_ID_CHECK_CODES = np.frombuffer(_ID_CHECK_CHARS.encode("ascii"), dtype=np.uint8).astype(np.int64)
_PROVINCE_TABLE = np.zeros(100, dtype=bool)
_PROVINCE_TABLE[[int(code) for code in PROVINCE_CODES]] = True
_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)

PlainId = tuple[int, int, str, str]  # birth year, birth month, sex, area code


def plain_resident_ids(values: Sequence[str], reference_date: date) -> list[PlainId | None]:
    """The IDs that ``check_resident_id`` accepts as they stand, judged in bulk.

    An entry is set when the value is already canonical (17 ASCII digits and a digit or X, so nothing
    is normalised) and passes every check of ``check_resident_id`` without a single note; the ID is
    then the value itself and the entry holds its derived attributes. Every other value (None) must
    go through ``check_resident_id``, which alone says why it fails or what it notes.
    """
    out: list[PlainId | None] = [None] * len(values)
    picked = [i for i, v in enumerate(values) if len(v) == 18 and v.isascii()]
    if not picked:
        return out
    codes = np.frombuffer("".join([values[i] for i in picked]).encode("ascii"), dtype=np.uint8)
    d = codes.reshape(-1, 18).astype(np.int64) - ord("0")
    body = d[:, :17]
    last = d[:, 17] + ord("0")
    ok = ((body >= 0) & (body <= 9)).all(axis=1)
    ok &= _ID_CHECK_CODES[(body * _ID_WEIGHT_VECTOR).sum(axis=1) % 11] == last
    province = np.clip(d[:, 0] * 10 + d[:, 1], 0, 99)
    ok &= (d[:, 0] != 9) & _PROVINCE_TABLE[province]
    year = d[:, 6] * 1000 + d[:, 7] * 100 + d[:, 8] * 10 + d[:, 9]
    month = d[:, 10] * 10 + d[:, 11]
    day = d[:, 12] * 10 + d[:, 13]
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_days = _MONTH_DAYS[np.clip(month, 0, 12)] + ((month == 2) & leap)
    ok &= (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= month_days)
    ref = reference_date
    ok &= year * 10000 + month * 100 + day <= ref.year * 10000 + ref.month * 100 + ref.day
    age = ref.year - year - ((ref.month * 100 + ref.day) < (month * 100 + day))
    ok &= age <= MAX_PLAUSIBLE_AGE
    odd = (d[:, 16] % 2 == 1).tolist()
    for i, good, y, m, is_odd in zip(picked, ok.tolist(), year.tolist(), month.tolist(), odd):
        if good:
            value = values[i]
            if value not in KNOWN_EXAMPLE_IDS:
                out[i] = (y, m, "男" if is_odd else "女", value[:6])
    return out


_PLAIN_MOBILE = re.compile(r"1[3-9][0-9]{9}", re.ASCII)


def plain_mobiles(values: Sequence[str]) -> list[bool]:
    """Which values ``check_mobile`` accepts exactly as written (nothing to strip or normalise)."""
    return [m is not None for m in map(_PLAIN_MOBILE.fullmatch, values)]


def check_uscc(raw: str) -> CodeCheck:
    """Validate a unified social credit code; a failing embedded organisation code only warns."""
    text, normalised = _normalise(raw, "USCC")
    # Only the case change is worth reporting for codes: separators and width are routine.
    warnings = ["USCC_CASE_NORMALISED"] if "USCC_CASE_NORMALISED" in normalised else []
    if len(text) != 18:
        return CodeCheck(None, "USCC_LENGTH", tuple(warnings))
    if not _USCC.fullmatch(text):
        return CodeCheck(None, "USCC_CHARSET", tuple(warnings))
    if uscc_check_char(text[:17]) != text[17]:
        return CodeCheck(None, "USCC_CHECKSUM", tuple(warnings))
    if orgcode_check_char(text[8:16]) != text[16]:
        warnings.append("USCC_ORGCODE")
    return CodeCheck(text, None, tuple(warnings))


def check_division_code(raw: str, length: int = 12) -> CodeCheck:
    """Format of a division code: ASCII digits of exactly ``length``.

    A 12-digit code must also respect the NBS layout: township and village parts at most 599, and no
    village under township 000. Whether the code exists is a lookup in the period's ca_division.
    """
    text = raw.strip()
    if len(text) != length or not _DIGITS.fullmatch(text):
        return CodeCheck(None, "CODE_FORMAT", ())
    if length == 12:
        township, village = int(text[6:9]), int(text[9:12])
        if township > 599 or village > 599 or (township == 0 and village != 0):
            return CodeCheck(None, "CODE_FORMAT", ())
    return CodeCheck(text, None, ())


def check_mobile(raw: str) -> CodeCheck:
    """Mainland mobile as its 11 national digits (``+86``/``0086`` and separators removed)."""
    text = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw))
    text = _MOBILE_PREFIX.sub("", text, count=1)
    if not _MOBILE.fullmatch(text):
        return CodeCheck(None, "PHONE_FORMAT", ())
    return CodeCheck(text, None, ())


def _stars(n: int) -> str:
    return "*" * max(n, 0)


def mask_id(value: str) -> str:
    """First 6 and last 4 characters kept (``110105********002X``); short values fully masked."""
    if len(value) < 10:
        return _stars(len(value))
    return value[:6] + _stars(len(value) - 10) + value[-4:]


def mask_name(value: str) -> str:
    """Surname kept: first character of 2–3-character names, first two of longer (compound)."""
    keep = 2 if len(value) >= 4 else 1 if len(value) >= 2 else 0
    return value[:keep] + _stars(len(value) - keep)


def mask_phone(value: str) -> str:
    """``138****8000``: a valid mobile is masked in its canonical form, anything else as given."""
    checked = check_mobile(value)
    text = checked.value or value
    if len(text) < 8:
        return _stars(len(text))
    return text[:3] + _stars(len(text) - 7) + text[-4:]


MASKED_VALUE_MAX_CHARS = 60

_MASKERS = {"resident_id": mask_id, "name": mask_name, "phone": mask_phone}


def mask_value(value: str, column_type: str) -> str:
    """Mask a value for audit display according to its contract column type."""
    masker = _MASKERS.get(column_type)
    masked = masker(value) if masker is not None else value
    return masked[:MASKED_VALUE_MAX_CHARS]
