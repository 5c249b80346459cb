"""Helpers shared by the maintainers' reports (review, stats): dates and opening the database."""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import sqlite_utils

from bot.commands.common import config_or_exit
from bot.config import Config
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


def add_report_args(parser: argparse.ArgumentParser, default_days: int) -> None:
    """--since, --config and --db, as every maintainers' report takes them."""
    parser.add_argument("--since", type=since_arg, default=None, metavar="YYYY-MM-DD",
                        help=f"from this day on (UTC; default: {default_days} days ago)")
    parser.add_argument("--config", help="config file")
    parser.add_argument("--db", help="SQLite file (default: [storage] path)")


def open_report(args: argparse.Namespace, default_days: int) -> tuple[Config, str, sqlite_utils.Database]:
    """The config, the first day and the existing database a report reads (exits 2 on problems)."""
    config = config_or_exit(args.config)
    since = args.since or days_ago(default_days)
    return config, since, open_existing_db(args.db or config.storage.path)
