"""Daily-warning subscriptions: one row per (channel, target), e.g. ("telegram", "-100123")."""

from __future__ import annotations

import json
from dataclasses import dataclass

import sqlite_utils

from storage.db import now_iso

TABLE = "subscriptions"


@dataclass(frozen=True)
class Subscription:
    """A subscribed group (Telegram chat id or WeCom robot name as `target`)."""

    channel: str
    target: str
    send_time: str  # "HH:MM" local time
    timezone: str
    topics: tuple[str, ...]  # scam type ids or tags; empty = all
    script: str  # "hans" or "hant"
    guardian: bool
    active: bool
    subscribed_at: str
    subscribed_by: str
    title: str = ""


def _from_row(row: dict) -> Subscription:
    return Subscription(
        channel=row["channel"], target=row["target"], send_time=row["send_time"],
        timezone=row["timezone"], topics=tuple(json.loads(row["topics"] or "[]")),
        script=row["script"] or "hans", guardian=bool(row["guardian"]), active=bool(row["active"]),
        subscribed_at=row["subscribed_at"] or "", subscribed_by=row["subscribed_by"] or "",
        title=row.get("title") or "",
    )


def get(db: sqlite_utils.Database, channel: str, target: str) -> Subscription | None:
    """The subscription row for a group, active or not."""
    rows = list(db[TABLE].rows_where("channel = ? and target = ?", [channel, str(target)]))
    return _from_row(rows[0]) if rows else None


def subscribe(db: sqlite_utils.Database, channel: str, target: str, by: str, send_time: str,
              timezone: str, title: str = "") -> Subscription:
    """Create or re-activate a subscription, keeping earlier settings (topics, script, guardian)."""
    old = get(db, channel, target)
    now = now_iso()
    db[TABLE].upsert({
        "channel": channel, "target": str(target), "send_time": send_time, "timezone": timezone,
        "topics": json.dumps(list(old.topics) if old else [], ensure_ascii=False),
        "script": old.script if old else "hans", "guardian": int(old.guardian) if old else 0,
        "active": 1, "subscribed_at": now, "subscribed_by": str(by), "updated_at": now,
        "title": title or (old.title if old else ""),
    }, pk=("channel", "target"))
    return get(db, channel, target)  # type: ignore[return-value]


def update(db: sqlite_utils.Database, channel: str, target: str, **changes: object) -> Subscription | None:
    """Change settings: send_time, timezone, topics (list), script, guardian (bool), active (bool), title."""
    if get(db, channel, target) is None:
        return None
    allowed = {"send_time", "timezone", "topics", "script", "guardian", "active", "title"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"unknown subscription setting(s): {sorted(unknown)}")
    row: dict[str, object] = {"updated_at": now_iso()}
    for key, value in changes.items():
        if key == "topics":
            value = json.dumps(list(value), ensure_ascii=False)  # type: ignore[arg-type]
        elif key in ("guardian", "active"):
            value = int(bool(value))
        row[key] = value
    db[TABLE].update((channel, str(target)), row)
    return get(db, channel, target)


def ensure_settings_row(db: sqlite_utils.Database, channel: str, target: str) -> Subscription:
    """A row to hold group settings (e.g. guardian mode) even when the group has not subscribed."""
    sub = get(db, channel, target)
    if sub is not None:
        return sub
    now = now_iso()
    db[TABLE].insert({
        "channel": channel, "target": str(target), "send_time": "", "timezone": "", "topics": "[]",
        "script": "hans", "guardian": 0, "active": 0, "subscribed_at": "", "subscribed_by": "",
        "updated_at": now, "title": "",
    }, pk=("channel", "target"))
    return get(db, channel, target)  # type: ignore[return-value]


def deactivate(db: sqlite_utils.Database, channel: str, target: str) -> bool:
    """Mark inactive (unsubscribed, bot removed, or blocked). True if a row changed."""
    sub = get(db, channel, target)
    if sub is None or not sub.active:
        return False
    update(db, channel, target, active=False)
    return True


def migrate(db: sqlite_utils.Database, channel: str, old_target: str, new_target: str) -> bool:
    """A group became a supergroup (new chat id): move its subscription and push history."""
    if get(db, channel, old_target) is None:
        return False
    with db.conn:
        db.execute("delete from subscriptions where channel = ? and target = ?", [channel, str(new_target)])
        db.execute("update subscriptions set target = ?, updated_at = ? where channel = ? and target = ?",
                   [str(new_target), now_iso(), channel, str(old_target)])
        db.execute("update or ignore push_log set target = ? where channel = ? and target = ?",
                   [str(new_target), channel, str(old_target)])
    return True


def active(db: sqlite_utils.Database, channel: str | None = None) -> list[Subscription]:
    """All active subscriptions with a send time (optionally of one channel), in a stable order."""
    where, params = "active = 1 and send_time != ''", []
    if channel:
        where += " and channel = ?"
        params.append(channel)
    return [_from_row(r) for r in db[TABLE].rows_where(where, params, order_by="channel, target")]
