"""Per-user dialogue state (JSON text), keyed by a hashed user key; never the raw messages."""

from __future__ import annotations

import sqlite_utils

from storage.db import now_iso

# load/save run twice per message on every channel: plain parameterised SQL here, because
# sqlite-utils' rows_where/upsert introspect the table on each call (about 0.5 ms each).

def load(db: sqlite_utils.Database, key: str) -> str | None:
    """The stored state JSON for a user key, or None."""
    row = db.conn.execute("select state from conversations where key = ?", [key]).fetchone()
    return row[0] if row else None


def save(db: sqlite_utils.Database, key: str, state_json: str) -> None:
    """Store (replace) the state for a user key."""
    with db.conn:
        db.conn.execute(
            "insert into conversations (key, state, updated_at) values (?, ?, ?) "
            "on conflict(key) do update set state = excluded.state, updated_at = excluded.updated_at",
            [key, state_json, now_iso()])


def forget(db: sqlite_utils.Database, key: str) -> int:
    """Delete everything stored about one user key; returns rows deleted."""
    total = 0
    with db.conn:
        for table in ("conversations", "users"):
            total += db.execute(f"delete from {table} where key = ?", [key]).rowcount
        for table in ("questions", "feedback"):
            total += db.execute(f"delete from {table} where user_key = ?", [key]).rowcount
    return total
