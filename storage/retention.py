"""Retention: delete what residents left behind once it is older than `[privacy] retention_days`.

Questions and feedback (verdicts, and redacted texts kept with consent), conversation state of
users who have gone quiet, and their consent rows go after `retention_days`. The push log is
kept for `max(retention_days, keep_push_days)`: case selection reads it to avoid repeating a
case to a group within `[scheduler] no_repeat_days`. Subscriptions are group settings, not
residents' data, and are never purged here.

Timestamps are UTC ISO-8601 text (``storage.db.now_iso``), so "older than" is a string
comparison against a cutoff in the same format.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import sqlite_utils

logger = logging.getLogger(__name__)


def _iso(at: datetime) -> str:
    return at.astimezone(timezone.utc).isoformat(timespec="seconds")


def purge(db: sqlite_utils.Database, now: datetime, retention_days: int, keep_push_days: int) -> dict[str, int]:
    """Delete rows older than the retention windows; the number deleted per table.

    :param now: the current time (timezone-aware); passed in so tests and the job agree on "now".
    :param retention_days: questions, feedback, conversations and consent older than this go.
    :param keep_push_days: the push log is kept at least this long (normally no_repeat_days).
    """
    if retention_days < 1:
        raise ValueError(f"retention_days must be at least 1, got {retention_days}")
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    cutoff = _iso(now - timedelta(days=retention_days))
    push_days = max(retention_days, keep_push_days)
    # push_log is keyed by the group's local date; a day of slack covers every time zone.
    push_cutoff = (now.astimezone(timezone.utc) - timedelta(days=push_days + 1)).date().isoformat()
    deleted: dict[str, int] = {}
    with db.atomic():
        deleted["questions"] = db.execute("delete from questions where created_at < ?", [cutoff]).rowcount
        deleted["feedback"] = db.execute("delete from feedback where created_at < ?", [cutoff]).rowcount
        deleted["conversations"] = db.execute(
            "delete from conversations where updated_at < ?", [cutoff]).rowcount
        # Consent lives on only while its conversation does: a user who has been quiet for the
        # whole window is asked again, rather than kept on file.
        deleted["users"] = db.execute(
            "delete from users where updated_at < ? and key not in (select key from conversations)",
            [cutoff]).rowcount
        deleted["push_log"] = db.execute("delete from push_log where local_date < ?", [push_cutoff]).rowcount
    return deleted


def daily_purge(db: sqlite_utils.Database, retention_days: int, keep_push_days: int,
                now: datetime | None = None) -> dict[str, int]:
    """`purge` as the daily job runs it: at the current time, with one log line of counts."""
    deleted = purge(db, now or datetime.now(timezone.utc), retention_days, keep_push_days)
    logger.info("retention purge (%s days, push log %s days): %s", retention_days,
                max(retention_days, keep_push_days),
                ", ".join(f"{table} {n}" for table, n in deleted.items()))
    return deleted
