"""Identifier rules against the published test vectors (V/I/N/U/X, division codes, mobiles)."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from dagster_project.lib.identifiers import (
    CodeCheck,
    check_division_code,
    check_mobile,
    check_resident_id,
    check_uscc,
    mask_id,
    mask_name,
    mask_phone,
    mask_value,
    resident_id_check_char,
    uscc_check_char,
)

REFERENCE = date(2025, 12, 31)
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@pytest.mark.parametrize(
    ("raw", "birth", "sex", "area"),
    [
        ("11010519491231002X", date(1949, 12, 31), "女", "110105"),  # V1
        ("440524188001010014", date(1880, 1, 1), "男", "440524"),  # V2
        ("360426199101010071", date(1991, 1, 1), "男", "360426"),  # V3
        ("34052419800101001X", date(1980, 1, 1), "男", "340524"),  # V4
        ("110101199003071233", date(1990, 3, 7), "男", "110101"),  # V5
        ("11010520240229002X", date(2024, 2, 29), "女", "110105"),  # V6
        ("130503196704010016", date(1967, 4, 1), "男", "130503"),  # V7
        ("830000199001011234", date(1990, 1, 1), "男", "830000"),  # V8
    ],
)
def test_valid_resident_ids(raw: str, birth: date, sex: str, area: str) -> None:
    result = check_resident_id(raw, REFERENCE)
    assert result.reason is None
    assert result.value == raw
    assert (result.birth_date, result.sex, result.area_code) == (birth, sex, area)


def test_standard_examples_are_flagged_not_rejected() -> None:
    assert check_resident_id("11010519491231002X", REFERENCE).warnings == ("ID_KNOWN_EXAMPLE",)
    v2 = check_resident_id("440524188001010014", REFERENCE)
    assert set(v2.warnings) == {"ID_KNOWN_EXAMPLE", "ID_AGE_IMPLAUSIBLE"}


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("110105194912310021", "ID_CHECKSUM"),  # I1
        ("11010519491231102X", "ID_CHECKSUM"),  # I2
        ("11010514991231002X", "ID_CHECKSUM"),  # I3
        ("110105194902290029", "ID_BIRTH_DATE"),  # I4
        ("110101199002301236", "ID_BIRTH_DATE"),  # I5
        ("110105209912310029", "ID_BIRTH_FUTURE"),  # I6
        ("00000019900101123X", "ID_AREA"),  # I8
        ("1101051949123100", "ID_LENGTH"),  # I9
        ("110105194912310020X", "ID_LENGTH"),  # I9
        ("11010519491231002", "ID_LENGTH"),  # I10
        ("110105194912310000", "ID_EXCEL_PRECISION"),  # I11
        ("1.10105E+17", "ID_EXCEL_SCIENTIFIC"),  # I12
        ("1.1010519491231E+17", "ID_EXCEL_SCIENTIFIC"),  # I12
        ("11010519491231002×", "ID_BAD_CHARACTER"),  # N4
        ("11010519491231002\u200bX", "ID_BAD_CHARACTER"),  # N4
        ("١١٠١٠٥١٩٤٩١٢٣١٠٠٢X", "ID_BAD_CHARACTER"),  # Arabic-Indic digits are not ASCII digits
        ("000000000000000000", "ID_ALL_ZERO"),
        ("", "ID_LENGTH"),
    ],
)
def test_rejected_resident_ids(raw: str, reason: str) -> None:
    result = check_resident_id(raw, REFERENCE)
    assert result.reason == reason
    assert result.value is None


def test_implausible_age_is_a_warning() -> None:  # I7
    result = check_resident_id("110105189912310023", REFERENCE)
    assert result.reason is None
    assert result.warnings == ("ID_AGE_IMPLAUSIBLE",)


def test_lost_trailing_x_gets_a_hint() -> None:  # I10
    assert "trailing X" in (check_resident_id("11010519491231002", REFERENCE).hint or "")
    assert check_resident_id("1101051949123100", REFERENCE).hint is None


def test_birth_date_equal_to_reference_date_is_accepted() -> None:
    body = "11010520251231002"
    raw = body + resident_id_check_char(body)
    assert check_resident_id(raw, date(2025, 12, 31)).reason is None
    assert check_resident_id(raw, date(2025, 12, 30)).reason == "ID_BIRTH_FUTURE"


@pytest.mark.parametrize(
    ("raw", "warning"),
    [
        ("11010519491231002x", "ID_CASE_NORMALISED"),  # N1
        ("１１０１０５１９４９１２３１００２Ｘ", "ID_FULLWIDTH_NORMALISED"),  # N2
        (" 110105 19491231 002X ", "ID_WHITESPACE_NORMALISED"),  # N3
        ("110105-19491231-002X", "ID_WHITESPACE_NORMALISED"),
        ("110105491231002", "ID_LEGACY_15"),  # N5
    ],
)
def test_normalised_to_v1(raw: str, warning: str) -> None:
    result = check_resident_id(raw, REFERENCE)
    assert result.value == "11010519491231002X"
    assert warning in result.warnings


def test_legacy_15_upgrade_v7() -> None:
    result = check_resident_id("130503670401001", REFERENCE)
    assert result.value == "130503196704010016"
    assert result.warnings == ("ID_LEGACY_15",)


def test_legacy_15_centenarian_order_code_is_ambiguous() -> None:  # N6
    result = check_resident_id("110105491231996", REFERENCE)
    assert result.reason is None
    assert {"ID_LEGACY_15", "ID_AMBIGUOUS_CENTURY"} <= set(result.warnings)


def test_foreign_permanent_resident_id_is_routed_not_rejected() -> None:
    body = "91560019900101001"
    result = check_resident_id(body + resident_id_check_char(body), REFERENCE)
    assert result.reason is None
    assert result.warnings == ("ID_FOREIGN_PERMANENT",)
    assert result.birth_date == date(1990, 1, 1)


def test_unknown_province_is_rejected_even_with_valid_checksum() -> None:
    body = "29010519900101001"
    assert check_resident_id(body + resident_id_check_char(body), REFERENCE).reason == "ID_AREA"


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_resident_check_char_matches_stdnum(body: str) -> None:
    assert resident_id_check_char(body) == ric.calc_check_digit(body + "0")


@given(
    st.text(alphabet="0123456789", min_size=17, max_size=17), st.integers(0, 16), st.integers(1, 9)
)
def test_any_single_digit_substitution_is_detected(body: str, position: int, shift: int) -> None:
    valid = body + resident_id_check_char(body)
    digit = (int(valid[position]) + shift) % 10
    corrupted = valid[:position] + str(digit) + valid[position + 1 :]
    assert resident_id_check_char(corrupted[:17]) != corrupted[17]


@given(st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17))
def test_uscc_check_char_matches_stdnum(body: str) -> None:
    assert uscc_check_char(body) == uscc.calc_check_digit(body)


@pytest.mark.parametrize("body", ["1234567890123456", "1234567890123456a", "١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧"])
def test_check_char_refuses_malformed_body(body: str) -> None:
    with pytest.raises(ValueError):
        resident_id_check_char(body)


@pytest.mark.parametrize(
    "raw",
    [
        "91110000600037341L",  # U1
        "91350100M000100Y43",  # U2
        "9144030071526726XG",  # U3
        "121200004013590816",  # U4
        "51440300MJL000016M",  # U5
        "52440300MJL000024D",  # U5
        "53440300MJL0000325",  # U5
        "N2110108MA0000015A",  # U6
    ],
)
def test_valid_uscc(raw: str) -> None:
    assert check_uscc(raw) == CodeCheck(raw, None, ())


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("91110000600037341K", "USCC_CHECKSUM"),  # X1
        ("9111000060003734IL", "USCC_CHARSET"),  # X2
        ("91110000600037341O", "USCC_CHARSET"),  # X2
        ("91110000600037341", "USCC_LENGTH"),  # X3
    ],
)
def test_rejected_uscc(raw: str, reason: str) -> None:
    assert check_uscc(raw).reason == reason


def test_uscc_lower_case_is_normalised() -> None:  # X4
    result = check_uscc("91110000600037341l")
    assert result.value == "91110000600037341L"
    assert result.warnings == ("USCC_CASE_NORMALISED",)


def test_uscc_failing_embedded_orgcode_is_a_warning() -> None:  # X5
    result = check_uscc("52440300MJL0000012")
    assert result.reason is None
    assert result.warnings == ("USCC_ORGCODE",)


@pytest.mark.parametrize(
    "raw", ["440983102001", "440983102201", "131025105201", "522632210500", "330100000000"]
)
def test_valid_division_codes(raw: str) -> None:
    assert check_division_code(raw).value == raw


@pytest.mark.parametrize(
    "raw",
    [
        "44098310200",  # 11 digits
        "44098310A001",  # letter
        "440983102600",  # village part above 599
        "440983000001",  # township 000 cannot have villages
        "４４０９８３１０２００１",  # full-width digits are not accepted in codes
    ],
)
def test_invalid_division_codes(raw: str) -> None:
    assert check_division_code(raw).reason == "CODE_FORMAT"


def test_unknown_county_is_a_lookup_matter_not_a_format_error() -> None:
    assert check_division_code("990000102001").reason is None


def test_district_code_length() -> None:
    assert check_division_code("330102", length=6).value == "330102"
    assert check_division_code("330102000000", length=6).reason == "CODE_FORMAT"


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("13800138000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("0086-138-0013-8000", "13800138000"),
        ("8613800138000", "13800138000"),
        ("19912345678", "19912345678"),
        ("16612345678", "16612345678"),
        ("19212345678", "19212345678"),
        ("14812345678", "14812345678"),  # format valid; allocation is not this check's business
    ],
)
def test_valid_mobiles(raw: str, canonical: str) -> None:
    assert check_mobile(raw).value == canonical


@pytest.mark.parametrize(
    "raw",
    ["12345678901", "1380013800", "138001380000", "10012345678", "1380013800O", "010-12345678", ""],
)
def test_invalid_mobiles(raw: str) -> None:
    assert check_mobile(raw).reason == "PHONE_FORMAT"


def test_mask_id() -> None:
    assert mask_id("11010519491231002X") == "110105********002X"
    assert mask_id("1101051949123100") == "110105******3100"
    assert mask_id("123456789") == "*********"


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张", "*"), ("张三", "张*"), ("张三丰", "张**"), ("欧阳修文", "欧阳**"), ("", "")],
)
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def test_mask_phone() -> None:
    assert mask_phone("13800138000") == "138****8000"
    assert mask_phone("+86 138 0013 8000") == "138****8000"
    assert mask_phone("010-12345678") == "010*****5678"
    assert mask_phone("12345") == "*****"


def test_mask_value_dispatches_on_column_type() -> None:
    assert mask_value("11010519491231002X", "resident_id") == "110105********002X"
    assert mask_value("张三", "name") == "张*"
    assert mask_value("13800138000", "phone") == "138****8000"
    assert mask_value("桂花社区", "text") == "桂花社区"
    assert mask_value("x" * 100, "text") == "x" * 60
