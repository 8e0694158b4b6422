"""Properties of the API's id and time parsing (tenancy.parsing and the fields built on it): whatever text
a client sends, the answer is a value or a clear refusal, never an exception a view would turn into a 500;
and every time the API writes is RFC 3339."""

import datetime as dt
import re

import pytest
from django import forms
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.api import DateTimeField, DateTimeFilter
from tenancy.parsing import MAX_ID, MAX_OFFSET, BadTime, parse_api_datetime, parse_id, rfc3339, storable_text

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)$")
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BERLIN = dt.timezone(dt.timedelta(hours=1))

# Text shaped like what a fuzzer sends: digits of every script, signs, separators, NULs and surrogates.
OTHER_DIGITS = "\u0660\u0661\u0662\u0663\u0966\u0967\u07c0\U0001d7ce\U0001d7cf"  # Arabic-Indic, Devanagari, NKo, bold
digits_of_every_kind = st.text(st.sampled_from("0123456789¹²³⁴" + OTHER_DIGITS + " +-_.\x00\ud800"), max_size=25)
any_text = st.one_of(st.text(max_size=40), digits_of_every_kind)
offsets = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(lambda m: dt.timedelta(minutes=m))
times = st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30))


def _offset_text(offset: dt.timedelta) -> str:
    sign = "-" if offset < dt.timedelta(0) else "+"
    minutes = abs(offset) // dt.timedelta(minutes=1)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _instant(value: dt.datetime) -> dt.datetime:
    # By the offset the value itself states: == across zones is never true for a time in a DST gap.
    return value.replace(tzinfo=None) - value.utcoffset()


@SETTINGS
@given(any_text)
def test_parse_id_is_an_id_or_none_for_any_text(text):
    pk = parse_id(text)
    assert pk is None or (isinstance(pk, int) and 0 <= pk <= MAX_ID)
    if pk is not None:
        assert text.strip().isascii() and int(text.strip()) == pk


@SETTINGS
@given(st.integers(min_value=0, max_value=MAX_ID))
def test_parse_id_reads_every_bigint_back(pk):
    assert parse_id(str(pk)) == pk == parse_id(pk)


@SETTINGS
@given(st.one_of(st.integers(max_value=-1), st.integers(min_value=MAX_ID + 1)))
def test_parse_id_refuses_numbers_no_column_holds(number):
    assert parse_id(str(number)) is None and parse_id(number) is None


def test_parse_id_refuses_digits_int_cannot_read_or_a_person_would_not_type():
    for text in ("¹", "²³", "\u0661", "\U0001d7cf", "1\x00", "", " ", "1.0", "1e3", True):
        assert parse_id(text) is None, text


@SETTINGS
@given(st.text(max_size=40))
def test_storable_text_is_text_without_nul_or_lone_surrogate(text):
    assert storable_text(text) == ("\x00" not in text and not any(0xD800 <= ord(c) <= 0xDFFF for c in text))


@SETTINGS
@given(any_text)
def test_parse_api_datetime_is_a_time_postgres_takes_or_bad_time(text):
    try:
        parsed = parse_api_datetime(text, zone=BERLIN)
    except BadTime as error:
        assert str(error)
        return
    assert parsed.tzinfo is not None and abs(parsed.utcoffset()) <= MAX_OFFSET
    parsed.astimezone(dt.UTC)


@SETTINGS
@given(times, offsets)
def test_parse_api_datetime_takes_offsets_to_1559_and_refuses_beyond(naive, offset):
    text = naive.replace(microsecond=0).isoformat() + _offset_text(offset)
    try:
        aware = naive.replace(microsecond=0, tzinfo=dt.timezone(offset))
        aware.astimezone(dt.UTC)
    except OverflowError:
        with pytest.raises(BadTime):
            parse_api_datetime(text)
        return
    if abs(offset) > MAX_OFFSET:
        with pytest.raises(BadTime, match="a UTC offset lies between -15:59 and \\+15:59"):
            parse_api_datetime(text)
    else:
        assert parse_api_datetime(text) == aware


@SETTINGS
@given(any_text)
def test_the_time_filter_field_answers_a_time_or_a_validation_error(text):
    field = DateTimeFilter().field
    try:
        value = field.clean(text)
    except forms.ValidationError:
        return
    assert value is None or abs(value.utcoffset()) <= MAX_OFFSET


@SETTINGS
@given(st.datetimes(timezones=st.timezones(), min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30)))
def test_rfc3339_writes_the_same_instant_with_whole_minute_offsets(value):
    text = rfc3339(value)
    assert RFC3339.match(text), text
    assert _instant(dt.datetime.fromisoformat(text.replace("Z", "+00:00"))) == _instant(value)


@SETTINGS
@given(
    st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31), timezones=st.just(dt.UTC)),
    st.timezones(),
)
def test_the_api_writes_every_time_in_rfc_3339_in_any_tenant_zone(value, zone):
    text = DateTimeField(default_timezone=zone).to_representation(value)
    assert RFC3339.match(text), text
    assert dt.datetime.fromisoformat(text.replace("Z", "+00:00")) == value


def test_a_berlin_time_before_1893_is_written_in_utc_and_after_in_berlin():
    from zoneinfo import ZoneInfo

    field = DateTimeField(default_timezone=ZoneInfo("Europe/Berlin"))
    assert field.to_representation(dt.datetime(1850, 1, 1, 12, tzinfo=dt.UTC)) == "1850-01-01T12:00:00Z"
    assert field.to_representation(dt.datetime(2026, 7, 1, 12, tzinfo=dt.UTC)) == "2026-07-01T14:00:00+02:00"
