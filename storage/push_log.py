"""The push log: at most one daily warning per (channel, target, local date), ever.

Life of a row (``status``)::

    claim ──► claimed ──► sent                  (delivered: final)
                  │ ────► failed                (permanent: bot removed, chat gone: final)
                  │ ────► retry ──claim──► claimed   (known NOT delivered: may be re-claimed)
    skip ───► skipped ──claim──► claimed        (missed beyond the catch-up grace)

Exactly-once rests on two facts:

* ``claim`` is the decision to send and is a single atomic write on the table's unique key
  (INSERT OR IGNORE, or a compare-and-set UPDATE on a re-claimable row), so two processes, or a
  job fired twice, can never both hold the claim for a day.
* The sender claims *before* the HTTP call and marks ``sent`` right after it, so a crash leaves
  a ``claimed`` row. Such an orphan is re-claimed (and re-sent) once its lease has expired:
  ``claim(..., stale_before=now - lease)``. Because delivery and the ``sent`` mark cannot be one
  atomic step across Telegram and SQLite, a crash *during* that one HTTP call (message delivered,
  mark not written) is the single window where a group could get the day's warning twice; every
  other crash point either re-sends something that was never delivered or sends nothing.

``release`` is only for sends known not to have been delivered (Telegram refused with 429,
network errors exhausted, shutdown before the call).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

import sqlite_utils

from storage import subscriptions

TABLE = "push_log"
CLAIMED, SENT, FAILED, RETRY, SKIPPED = "claimed", "sent", "failed", "retry", "skipped"
FINAL = frozenset({SENT, FAILED})
# A group "received" a case if it was sent, or claimed (possibly delivered before a crash).
RECEIVED = (SENT, CLAIMED)


@dataclass(frozen=True)
class PushRecord:
    """One row of the push log."""

    channel: str
    target: str
    local_date: str
    case_id: str
    status: str
    claimed_at: str
    sent_at: str
    error: str
    attempts: int


def _iso(now: datetime | None) -> str:
    return (now or datetime.now(timezone.utc)).astimezone(timezone.utc).isoformat(timespec="seconds")


def _key(channel: str, target: str | int, local_date: date | str) -> list[str]:
    return [channel, str(target), str(local_date)]


def claim(db: sqlite_utils.Database, channel: str, target: str | int, local_date: date | str,
          case_id: str, *, now: datetime | None = None, stale_before: datetime | None = None) -> bool:
    """Take the right to send today's warning; True means *you* send it, now.

    A new row is created as ``claimed``. An existing row is taken over only if it is ``retry`` or
    ``skipped``, or ``claimed`` with ``claimed_at`` before `stale_before` (an orphan of a crashed
    sender). A taken-over row records `case_id` anew; callers pass the case already logged for
    the day when there is one (selection is deterministic, so it is normally the same anyway).
    """
    at = _iso(now)
    key = _key(channel, target, local_date)
    with db.atomic():
        inserted = db.execute(
            "insert or ignore into push_log (channel, target, local_date, case_id, status, claimed_at,"
            " sent_at, error, attempts) values (?, ?, ?, ?, ?, ?, '', '', 1)",
            [*key, case_id, CLAIMED, at],
        ).rowcount
        if inserted:
            return True
        stale = _iso(stale_before) if stale_before is not None else ""
        # Compare-and-set: the WHERE is re-checked under SQLite's write lock, so of two racing
        # takers only the first sees a re-claimable row.
        taken = db.execute(
            "update push_log set status = ?, case_id = ?, claimed_at = ?, attempts = attempts + 1,"
            " error = '' where channel = ? and target = ? and local_date = ?"
            " and (status in (?, ?) or (status = ? and claimed_at < ?))",
            [CLAIMED, case_id, at, *key, RETRY, SKIPPED, CLAIMED, stale],
        ).rowcount
    return bool(taken)


def touch(db: sqlite_utils.Database, channel: str, target: str | int, local_date: date | str,
          *, now: datetime | None = None) -> None:
    """Renew a held claim's lease before another attempt (so it is not mistaken for an orphan)."""
    db.execute("update push_log set claimed_at = ? where channel = ? and target = ? and local_date = ?"
               " and status = ?", [_iso(now), *_key(channel, target, local_date), CLAIMED])


def _finish(db: sqlite_utils.Database, key: list[str], status: str, error: str, sent_at: str) -> None:
    db.execute("update push_log set status = ?, error = ?, sent_at = ? where channel = ? and target = ?"
               " and local_date = ? and status = ?", [status, error[:500], sent_at, *key, CLAIMED])


def mark_sent(db: sqlite_utils.Database, channel: str, target: str | int, local_date: date | str,
              *, now: datetime | None = None) -> None:
    """The claimed send was delivered."""
    _finish(db, _key(channel, target, local_date), SENT, "", _iso(now))


def mark_failed(db: sqlite_utils.Database, channel: str, target: str | int, local_date: date | str,
                error: str) -> None:
    """The claimed send can never succeed today (bot removed, chat not found): final."""
    _finish(db, _key(channel, target, local_date), FAILED, error, "")


def release(db: sqlite_utils.Database, channel: str, target: str | int, local_date: date | str,
            error: str) -> None:
    """Give back a claim whose message was certainly not delivered, so a later pass may retry."""
    _finish(db, _key(channel, target, local_date), RETRY, error, "")


def skip(db: sqlite_utils.Database, channel: str, target: str | int, local_date: date | str,
         case_id: str, reason: str, *, now: datetime | None = None) -> bool:
    """Record a send missed beyond the grace window (once; True if newly recorded)."""
    return bool(db.execute(
        "insert or ignore into push_log (channel, target, local_date, case_id, status, claimed_at,"
        " sent_at, error, attempts) values (?, ?, ?, ?, ?, ?, '', ?, 0)",
        [*_key(channel, target, local_date), case_id, SKIPPED, _iso(now), reason[:500]],
    ).rowcount)


def get(db: sqlite_utils.Database, channel: str, target: str | int, local_date: date | str) -> PushRecord | None:
    """The row for one group and day, if any."""
    rows = list(db.query("select * from push_log where channel = ? and target = ? and local_date = ?",
                         _key(channel, target, local_date)))
    return PushRecord(**rows[0]) if rows else None


def on_dates(db: sqlite_utils.Database, channel: str, dates: set[date]) -> dict[tuple[str, str], PushRecord]:
    """(target, local date) → row, for every row of `channel` on any of `dates`."""
    if not dates:
        return {}
    marks = ", ".join("?" for _ in dates)
    rows = db.query(f"select * from push_log where channel = ? and local_date in ({marks})",
                    [channel, *sorted(str(d) for d in dates)])
    return {(r["target"], r["local_date"]): PushRecord(**r) for r in rows}


def history(db: sqlite_utils.Database, channel: str, target: str | int, since: date) -> list[tuple[date, str]]:
    """(local date, case id) of the warnings a group received (or may have) on or after `since`."""
    rows = db.query(
        "select local_date, case_id from push_log where channel = ? and target = ? and local_date >= ?"
        " and status in (?, ?) order by local_date",
        [channel, str(target), str(since), *RECEIVED],
    )
    return [(date.fromisoformat(r["local_date"]), r["case_id"]) for r in rows]


@dataclass(frozen=True)
class PushLedger:
    """The push log and subscriptions of one channel, in the shape the broadcaster expects."""

    db: sqlite_utils.Database
    channel: str
    clock: object = None  # anything with .now() -> aware datetime; None = the system clock

    def _now(self) -> datetime | None:
        return self.clock.now() if self.clock is not None else None  # type: ignore[attr-defined]

    def claim(self, target: str, local_date: str, case_id: str, stale_before: datetime | None = None) -> bool:
        """See :func:`claim`."""
        return claim(self.db, self.channel, target, local_date, case_id, now=self._now(),
                     stale_before=stale_before)

    def touch(self, target: str, local_date: str) -> None:
        """See :func:`touch`."""
        touch(self.db, self.channel, target, local_date, now=self._now())

    def mark_sent(self, target: str, local_date: str) -> None:
        """See :func:`mark_sent`."""
        mark_sent(self.db, self.channel, target, local_date, now=self._now())

    def mark_failed(self, target: str, local_date: str, error: str) -> None:
        """See :func:`mark_failed`."""
        mark_failed(self.db, self.channel, target, local_date, error)

    def release(self, target: str, local_date: str, error: str) -> None:
        """See :func:`release`."""
        release(self.db, self.channel, target, local_date, error)

    def deactivate(self, target: str) -> None:
        """The bot was removed or blocked: stop scheduling this group."""
        subscriptions.deactivate(self.db, self.channel, target)

    def migrate(self, old_target: str, new_target: str) -> None:
        """The group got a new id (supergroup upgrade): move its subscription and push log."""
        subscriptions.migrate(self.db, self.channel, old_target, new_target)
