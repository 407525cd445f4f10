"""The bulk screens used by columnar ingestion agree with the one-value checks they stand in for."""

import hashlib
import hmac
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from dagster_project.lib.identifiers import (
    KNOWN_EXAMPLE_IDS,
    check_mobile,
    check_resident_id,
    plain_mobiles,
    plain_resident_ids,
    resident_id_check_char,
)
from dagster_project.lib.pseudonym import Pseudonymiser

REFERENCE_DATE = date(2025, 3, 31)

_digits = st.text(alphabet="0123456789", min_size=17, max_size=17)


@st.composite
def _id_like(draw: st.DrawFn) -> str:
    """Mostly well-formed IDs (valid, wrong check, odd dates and areas), plus near misses and noise."""
    body = draw(st.one_of(
        _digits,
        st.builds(lambda area, y, m, d, seq: f"{area}{y:04d}{m:02d}{d:02d}{seq}",
                  st.sampled_from(["110105", "330102", "910102", "000000", "990101", "710000", "830000"]),
                  st.integers(0, 2100), st.integers(0, 13), st.integers(0, 32),
                  st.text(alphabet="0123456789", min_size=3, max_size=3)),
    ))
    last = draw(st.one_of(st.just(resident_id_check_char(body)), st.sampled_from("0123456789Xx")))
    value = body + last
    return draw(st.sampled_from([value, value, value, value.lower(), f" {value}", value[:17], value + "0",
                                 value.replace("1", "１"), "0" * 18, *sorted(KNOWN_EXAMPLE_IDS)]))


@given(st.lists(st.one_of(_id_like(), st.text(max_size=20)), max_size=60),
       st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31)))
def test_plain_resident_ids_are_exactly_the_ids_accepted_as_they_stand(values: list[str], on: date) -> None:
    for value, plain in zip(values, plain_resident_ids(values, on), strict=True):
        check = check_resident_id(value, on)
        as_it_stands = check.reason is None and not check.warnings and check.value == value
        assert (plain is not None) == as_it_stands, (value, check)
        if plain is not None:
            assert plain == (check.birth_date.year, check.birth_date.month, check.sex, check.area_code)


@given(st.lists(st.one_of(st.from_regex(r"1[0-9]{10}", fullmatch=True), st.text(max_size=14)), max_size=40))
def test_plain_mobiles_are_valid_as_written(values: list[str]) -> None:
    for value, plain in zip(values, plain_mobiles(values), strict=True):
        check = check_mobile(value)
        assert plain == (check.reason is None and check.value == value), value


@given(st.lists(st.text(alphabet="0123456789X", min_size=1, max_size=18), max_size=20),
       st.binary(min_size=32, max_size=100))
def test_bulk_pseudonyms_are_hmac_sha256(values: list[str], key: bytes) -> None:
    pseudonymiser = Pseudonymiser(key)
    expected = [hmac.new(key, v.encode("ascii"), hashlib.sha256).hexdigest()[:32] for v in values]
    assert pseudonymiser.pids(values) == expected
    assert [pseudonymiser.pid(v) for v in values] == expected
