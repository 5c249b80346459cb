"""Per-user dialogue state (JSON text), keyed by a hashed user key; never the raw messages."""

from __future__ import annotations

import sqlite_utils

from storage.db import now_iso

TABLE = "conversations"


def load(db: sqlite_utils.Database, key: str) -> str | None:
    """The stored state JSON for a user key, or None."""
    rows = list(db[TABLE].rows_where("key = ?", [key]))
    return rows[0]["state"] if rows else None


def save(db: sqlite_utils.Database, key: str, state_json: str) -> None:
    """Store (replace) the state for a user key."""
    db[TABLE].upsert({"key": key, "state": state_json, "updated_at": now_iso()}, pk="key")


def forget(db: sqlite_utils.Database, key: str) -> int:
    """Delete everything stored about one user key; returns rows deleted."""
    total = 0
    with db.conn:
        for table in ("conversations", "users"):
            total += db.execute(f"delete from {table} where key = ?", [key]).rowcount
        for table in ("questions", "feedback"):
            total += db.execute(f"delete from {table} where user_key = ?", [key]).rowcount
    return total
