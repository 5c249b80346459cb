"""Helpers shared by the maintainers' reports (review, stats): dates and opening the database."""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import sqlite_utils

from storage.db import open_db


def since_arg(text: str) -> str:
    """argparse type for --since: a real calendar day as YYYY-MM-DD."""
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day as YYYY-MM-DD") from None


def days_ago(days: int, today: date | None = None) -> str:
    """The UTC day `days` before today, as YYYY-MM-DD (the default --since)."""
    return ((today or datetime.now(timezone.utc).date()) - timedelta(days=days)).isoformat()


def open_existing_db(path: str | Path) -> sqlite_utils.Database:
    """Open the bot's database; exit 2 if there is none (a report must not create an empty one)."""
    if str(path) != ":memory:" and not Path(path).is_file():
        print(f"fanzha: no database at {path} (set [storage] path in config.toml, or pass --db)", file=sys.stderr)
        raise SystemExit(2)
    return open_db(path)
