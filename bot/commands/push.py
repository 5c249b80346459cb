"""fanzha push: preview the daily warnings, or send today's due ones now.

Examples:
    fanzha push --dry-run                      # each subscribed group: time, zone, case it gets today
    fanzha push --dry-run --date 2026-03-10    # ... on that (local) date
    TELEGRAM_BOT_TOKEN=... fanzha push --now   # send every Telegram warning due today, not yet sent

``--now`` goes through the same push log as the running bot, so running it next to the bot, or
twice, never gives a group a second warning on the same day.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import unicodedata
from datetime import date, datetime, timedelta, timezone

import sqlite_utils
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.commands.common import config_or_exit
from bot.config import Config, secret
from bot.telegram_bot import push
from knowledge.cases import CaseError, CaseLibrary, load_cases
from scheduler import schedule
from scheduler.broadcast import Broadcaster
from storage import push_log, subscriptions
from storage.db import open_db

TOKEN_ENV = "TELEGRAM_BOT_TOKEN"


def configure(parser: argparse.ArgumentParser) -> None:
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--dry-run", action="store_true", help="print what each subscribed group would get")
    mode.add_argument("--now", action="store_true", help=f"send today's due Telegram warnings (token from {TOKEN_ENV})")
    parser.add_argument("--date", type=date.fromisoformat, help="local date to preview, YYYY-MM-DD (default: today)")
    parser.add_argument("--config", help="config file")
    parser.add_argument("--db", help="database file (default: [storage] path)")


def _library() -> CaseLibrary:
    try:
        return load_cases(require_complete=False)  # completeness is `fanzha cases check`'s verdict
    except CaseError as exc:
        print("fanzha: the case library has problems:\n" + "\n".join(f"  - {p}" for p in exc.problems),
              file=sys.stderr)
        raise SystemExit(2) from None


def _width(text: str) -> int:
    """Terminal columns: Chinese characters take two, so columns stay aligned."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _dry_run(config: Config, db: sqlite_utils.Database, library: CaseLibrary, on: date | None) -> int:
    now = datetime.now(timezone.utc)
    subs = subscriptions.active(db)
    if not subs:
        print("no active subscriptions")
        return 0
    rows = [("channel", "group", "time", "timezone", "date", "status", "case", "title")]
    for sub in subs:
        today = schedule.local_date(now, sub.timezone)
        day = on or today
        case = push.preview_case(db, library, sub, day, config.scheduler, today)
        record = push_log.get(db, sub.channel, sub.target, day)
        status = record.status if record else ("due" if schedule.is_due(now, day, sub.send_time, sub.timezone)
                                               else "planned")
        group = f"{sub.target} {sub.title}".strip()
        rows.append((sub.channel, group, sub.send_time, sub.timezone, str(day), status,
                     case.id if case else "-", case.title if case else "(no case matches its topics)"))
    widths = [max(_width(r[k]) for r in rows) for k in range(len(rows[0]) - 1)]
    for r in rows:
        print("  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(r, widths)) + "  " + r[-1])
    return 0


async def _send_now(config: Config, db: sqlite_utils.Database, library: CaseLibrary, token: str) -> int:
    settings = config.scheduler
    now = datetime.now(timezone.utc)
    subs = subscriptions.active(db, push.CHANNEL)
    # No grace limit: an operator asking for "now" wants today's missed warnings too.
    due = [s for s in push.slots(db, subs, now, None, now - timedelta(seconds=settings.claim_lease_seconds))
           if s.state == "due" and s.day == schedule.local_date(now, s.sub.timezone)]

    def deliveries():
        for slot in due:
            delivery = push.delivery_for(db, library, slot.sub, slot.day, settings)
            if delivery is not None:
                yield delivery

    push.fast_commits(db)
    request = HTTPXRequest(connection_pool_size=settings.max_in_flight + 4)
    bot = Bot(token, base_url=config.telegram.base_url, base_file_url=config.telegram.base_file_url,
              request=request)
    async with bot:
        broadcaster = Broadcaster(push.TelegramSender(bot), push_log.PushLedger(db, push.CHANNEL),
                                  settings.broadcast())
        report = await broadcaster.run(deliveries())
    print(f"due {len(due)}: sent {report.sent}, already sent {report.already_claimed}, "
          f"bot removed {report.forbidden}, migrated {report.migrated}, rejected {report.rejected}, "
          f"not sent (retry later) {report.released}")
    return 1 if report.released or report.errors else 0


def run(args: argparse.Namespace) -> int:
    config = config_or_exit(args.config)
    library = _library()
    db = open_db(args.db or config.storage.path)
    if args.dry_run:
        return _dry_run(config, db, library, args.date)
    token = secret(TOKEN_ENV)
    if not token:
        print(f"fanzha push --now: set {TOKEN_ENV} to the bot's token (it is never read from a file)",
              file=sys.stderr)
        return 2
    if args.date:
        print("fanzha push --now: --date is for --dry-run only (--now sends today's warnings)", file=sys.stderr)
        return 2
    return asyncio.run(_send_now(config, db, library, token))

