"""Opening the database: one SQLite file, WAL mode, migrations applied on open."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

from storage.migrations import migrations


def open_db(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) the database at `path` and bring its schema up to date.

    ``":memory:"`` gives a throw-away database. The connection allows use from another thread
    because PTB's job queue and the WeChat server may call in from worker threads; every write
    still goes through one connection, so SQLite serialises them.
    """
    if str(path) == ":memory:":
        conn = sqlite3.connect(":memory:", check_same_thread=False)
    else:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
    db = sqlite_utils.Database(conn)
    if str(path) != ":memory:":
        db.enable_wal()
        # With WAL, NORMAL still survives a crash of the process; only a power cut can lose the
        # last commits. FULL made every send's bookkeeping wait for a disk sync (~13 ms each),
        # which stalled the event loop and the daily broadcast.
        db.execute("PRAGMA synchronous=NORMAL")
    migrations.apply(db)
    return db


def now_iso() -> str:
    """Current UTC time as ISO-8601 text (what every timestamp column holds)."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def user_key(channel: str, user_id: str | int) -> str:
    """A stable, non-reversible key for a user: residents' ids are never stored in clear."""
    return hashlib.sha256(f"fanzha:{channel}:{user_id}".encode()).hexdigest()[:24]
