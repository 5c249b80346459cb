"""Schedule maths: send times, time zones (Shanghai and others), day boundaries, grace windows."""

from datetime import date, datetime, time, timezone

import pytest

from scheduler.schedule import (catch_up_date, is_due, last_send, local_date, next_send, parse_hhmm,
                                send_instant)

UTC = timezone.utc


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize("text, expected", [
    ("09:00", time(9, 0)), ("9:05", time(9, 5)), ("00:00", time(0, 0)), ("23:59", time(23, 59)),
    (" 18:30 ", time(18, 30)),
], ids=["padded", "one-digit-hour", "midnight", "last-minute", "spaces"])
def test_parse_hhmm_accepts(text, expected):
    assert parse_hhmm(text) == expected


@pytest.mark.parametrize("text", ["24:00", "12:60", "0900", "9:5", "nine", "", "12:00:00", "-1:00", "123:00"])
def test_parse_hhmm_rejects(text):
    with pytest.raises(ValueError):
        parse_hhmm(text)


@pytest.mark.parametrize("instant, tz, expected", [
    (utc(2026, 3, 1, 15, 59), "Asia/Shanghai", date(2026, 3, 1)),
    (utc(2026, 3, 1, 16, 0), "Asia/Shanghai", date(2026, 3, 2)),  # 00:00 in Shanghai
    (utc(2026, 3, 2, 3, 0), "America/New_York", date(2026, 3, 1)),  # 22:00 the evening before
    (utc(2026, 3, 2, 3, 0), "Europe/London", date(2026, 3, 2)),
    (utc(2026, 3, 1, 11, 0), "Pacific/Auckland", date(2026, 3, 2)),  # UTC+13 in March
], ids=["shanghai-before-midnight", "shanghai-midnight", "new-york-behind", "london", "auckland-ahead"])
def test_local_date(instant, tz, expected):
    assert local_date(instant, tz) == expected


@pytest.mark.parametrize("day, hhmm, tz, expected", [
    (date(2026, 3, 2), "09:00", "Asia/Shanghai", utc(2026, 3, 2, 1, 0)),
    (date(2026, 3, 2), "07:30", "Asia/Shanghai", utc(2026, 3, 1, 23, 30)),  # previous UTC day
    (date(2026, 1, 15), "09:00", "America/New_York", utc(2026, 1, 15, 14, 0)),  # EST, UTC-5
    (date(2026, 7, 15), "09:00", "America/New_York", utc(2026, 7, 15, 13, 0)),  # EDT, UTC-4
    (date(2026, 3, 8), "02:30", "America/New_York", utc(2026, 3, 8, 7, 30)),  # skipped by DST: 03:30 EDT
    (date(2026, 11, 1), "01:30", "America/New_York", utc(2026, 11, 1, 5, 30)),  # repeated: first one
    (date(2026, 7, 15), "09:00", "Europe/Berlin", utc(2026, 7, 15, 7, 0)),
], ids=["shanghai", "shanghai-early", "new-york-winter", "new-york-summer", "dst-gap", "dst-fold", "berlin"])
def test_send_instant(day, hhmm, tz, expected):
    assert send_instant(day, hhmm, tz) == expected


@pytest.mark.parametrize("now, hhmm, tz, expected", [
    (utc(2026, 3, 2, 0, 59), "09:00", "Asia/Shanghai", utc(2026, 3, 2, 1, 0)),
    (utc(2026, 3, 2, 1, 0), "09:00", "Asia/Shanghai", utc(2026, 3, 2, 1, 0)),  # exactly now: still now
    (utc(2026, 3, 2, 1, 1), "09:00", "Asia/Shanghai", utc(2026, 3, 3, 1, 0)),  # just missed: tomorrow
    (utc(2026, 3, 1, 15, 59), "00:00", "Asia/Shanghai", utc(2026, 3, 1, 16, 0)),  # local midnight
    (utc(2026, 3, 7, 15, 0), "09:00", "America/New_York", utc(2026, 3, 8, 13, 0)),  # 23 h later: DST starts
], ids=["before", "at", "after", "midnight", "across-dst"])
def test_next_send(now, hhmm, tz, expected):
    assert next_send(now, hhmm, tz) == expected


@pytest.mark.parametrize("now, hhmm, tz, expected_day", [
    (utc(2026, 3, 2, 1, 30), "09:00", "Asia/Shanghai", date(2026, 3, 2)),
    (utc(2026, 3, 2, 0, 30), "09:00", "Asia/Shanghai", date(2026, 3, 1)),  # today's not yet: yesterday's
    (utc(2026, 3, 1, 16, 10), "23:50", "Asia/Shanghai", date(2026, 3, 1)),  # 00:10 local: last night's
    (utc(2026, 3, 2, 4, 0), "22:00", "America/New_York", date(2026, 3, 1)),
], ids=["today", "yesterday", "across-midnight", "new-york"])
def test_last_send(now, hhmm, tz, expected_day):
    day, instant = last_send(now, hhmm, tz)
    assert day == expected_day and instant == send_instant(expected_day, hhmm, tz) <= now


@pytest.mark.parametrize("now, day, expected", [
    (utc(2026, 3, 2, 0, 59, 59), date(2026, 3, 2), False),
    (utc(2026, 3, 2, 1, 0), date(2026, 3, 2), True),
    (utc(2026, 3, 2, 1, 0), date(2026, 3, 3), False),
])
def test_is_due(now, day, expected):
    assert is_due(now, day, "09:00", "Asia/Shanghai") is expected


@pytest.mark.parametrize("now, hhmm, tz, grace, expected", [
    (utc(2026, 3, 2, 1, 30), "09:00", "Asia/Shanghai", 180, date(2026, 3, 2)),  # 30 min late
    (utc(2026, 3, 2, 4, 0), "09:00", "Asia/Shanghai", 180, date(2026, 3, 2)),  # exactly at the edge
    (utc(2026, 3, 2, 4, 1), "09:00", "Asia/Shanghai", 180, None),  # one minute too late
    (utc(2026, 3, 2, 0, 30), "09:00", "Asia/Shanghai", 180, None),  # yesterday's is 23.5 h old
    (utc(2026, 3, 1, 16, 30), "23:50", "Asia/Shanghai", 60, date(2026, 3, 1)),  # last night's, 40 min
    (utc(2026, 3, 2, 2, 0), "20:30", "America/New_York", 60, date(2026, 3, 1)),  # 30 min, NY evening
    (utc(2026, 3, 2, 1, 0), "09:00", "Asia/Shanghai", 0, date(2026, 3, 2)),  # zero grace: on time only
], ids=["within", "edge", "beyond", "yesterday-too-old", "across-midnight", "new-york", "zero-grace"])
def test_catch_up_date(now, hhmm, tz, grace, expected):
    assert catch_up_date(now, hhmm, tz, grace) == expected


def test_naive_instants_are_refused():
    with pytest.raises(ValueError):
        local_date(datetime(2026, 3, 2, 9, 0), "Asia/Shanghai")


def test_unknown_zone_is_a_value_error():
    with pytest.raises(ValueError, match="unknown time zone"):
        send_instant(date(2026, 3, 2), "09:00", "Mars/Olympus_Mons")
