"""Time maths for the daily warning: when a group's send falls, and whether it is due or missed.

Pure functions over aware datetimes and IANA time zones (zoneinfo); no clock is read here, the
caller passes ``now``. A group's send for a local date is the instant its wall-clock send time
occurs on that date in its own time zone; the push log is keyed by that local date.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def parse_hhmm(text: str) -> time:
    """``"HH:MM"`` (24-hour, one or two digit hour) → naive :class:`datetime.time`.

    Raises ValueError with a readable message for anything else ("9:5", "24:00", "0900").
    """
    hh, sep, mm = text.strip().partition(":")
    if not sep or not hh.isdigit() or len(mm) != 2 or not mm.isdigit() or len(hh) > 2:
        raise ValueError(f"{text!r} is not a time like 09:00")
    hour, minute = int(hh), int(mm)
    if hour > 23 or minute > 59:
        raise ValueError(f"{text!r} is not a time of day (00:00–23:59)")
    return time(hour, minute)


def zone(name: str) -> ZoneInfo:
    """The IANA time zone `name`; ValueError (not KeyError) for an unknown or malformed name."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def _aware(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("instant must be timezone-aware")
    return instant


def local_date(instant: datetime, tz: str) -> date:
    """The calendar date in `tz` at `instant` (which must be aware)."""
    return _aware(instant).astimezone(zone(tz)).date()


def send_instant(day: date, send_time: str, tz: str) -> datetime:
    """The UTC instant of the send for local date `day`.

    A wall time skipped by a daylight-saving jump (02:30 on a spring-forward night) is sent at
    the same offset after the jump (03:30), as zoneinfo's fold=0 arithmetic gives; a repeated
    wall time (autumn) is sent at its first occurrence.
    """
    wall = datetime.combine(day, parse_hhmm(send_time), tzinfo=zone(tz))
    return wall.astimezone(timezone.utc)


def next_send(now: datetime, send_time: str, tz: str) -> datetime:
    """The first send instant at or after `now` (UTC)."""
    today = local_date(now, tz)
    for offset in (-1, 0, 1, 2):  # local "today" ±1 covers every UTC offset and DST shift
        candidate = send_instant(today + timedelta(days=offset), send_time, tz)
        if candidate >= _aware(now):
            return candidate
    raise AssertionError("unreachable: a send falls within any two local days")


def last_send(now: datetime, send_time: str, tz: str) -> tuple[date, datetime]:
    """The most recent send at or before `now`: (its local date, its UTC instant)."""
    today = local_date(now, tz)
    for offset in (0, -1, -2):
        day = today + timedelta(days=offset)
        candidate = send_instant(day, send_time, tz)
        if candidate <= _aware(now):
            return day, candidate
    raise AssertionError("unreachable: a send falls within any two local days")


def is_due(now: datetime, day: date, send_time: str, tz: str) -> bool:
    """Whether the send for local date `day` has come (its instant is at or before `now`)."""
    return send_instant(day, send_time, tz) <= _aware(now)


def catch_up_date(now: datetime, send_time: str, tz: str, grace_minutes: int) -> date | None:
    """The local date of a missed send still worth making up, or None.

    The most recent send at or before `now` is made up when it is at most `grace_minutes` old;
    an older one is skipped (a warning at 15:00 for a 09:00 slot is noise, and tomorrow's comes
    anyway). Whether it was in fact missed is the push log's business, not this function's.
    """
    day, instant = last_send(now, send_time, tz)
    return day if _aware(now) - instant <= timedelta(minutes=grace_minutes) else None
