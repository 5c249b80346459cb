"""Operators' tools on Telegram: /reload, the reload watcher job, and the daily retention purge.

Operators are the user ids in ``[telegram] operators``; anyone else asking for /reload gets a
polite refusal and nothing happens. The watcher (``bot.reload.ReloadWatcher``) is shared by
/reload, the control-file poll and SIGHUP, so every trigger reloads the same way: a catalogue
that fails validation is refused, the error is logged and the catalogue in service stays.

Wiring (two calls, both synchronous):

* ``schedule_maintenance(application)`` from ``post_init``: the reload poll job and the daily
  purge job.
* ``announce_process(application)`` from ``fanzha run`` before polling starts: the pid file and
  the SIGHUP handler, which only a real bot process should have (tests build the same
  application and must not write pid files or take over signals).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import time as dtime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import Application

from bot.reload import ReloadOutcome, ReloadWatcher
from bot.telegram_bot.context import SERVICES_KEY, BotContext, Services
from bot.telegram_bot.render import escape
from bot.telegram_bot.sending import send_text
from storage.retention import daily_purge

logger = logging.getLogger(__name__)

WATCHER_KEY = "reload_watcher"
RELOAD_JOB = "maintenance:reload-watch"
PURGE_JOB = "maintenance:retention-purge"
OPERATOR_ONLY = "抱歉，这个命令只供维护人员使用。有问题想问，直接把情况发给我就好。"
MAX_PROBLEMS_SHOWN = 10  # a broken catalogue can have dozens; the log has them all

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def _services(application: AnyApplication) -> Services:
    return application.bot_data[SERVICES_KEY]  # type: ignore[no-any-return]


def watcher_of(application: AnyApplication) -> ReloadWatcher:
    """The process's reload watcher, created on first use from the services and [maintenance]."""
    watcher = application.bot_data.get(WATCHER_KEY)
    if watcher is None:
        services = _services(application)
        settings = services.config.maintenance
        watcher = ReloadWatcher(services.brain, Path(settings.reload_file), Path(settings.pid_file))
        application.bot_data[WATCHER_KEY] = watcher
    return watcher  # type: ignore[no-any-return]


def render_outcome(outcome: ReloadOutcome) -> str:
    """The operator's answer, in plain text (escaped by the caller)."""
    if outcome.ok:
        return f"已重新加载诈骗类型库：{outcome.entries} 个条目在用。"
    shown = [f"- {p}" for p in outcome.problems[:MAX_PROBLEMS_SHOWN]]
    more = len(outcome.problems) - len(shown)
    if more > 0:
        shown.append(f"……还有 {more} 个问题，见日志或 fanzha kb check")
    return "新的诈骗类型库没有通过校验，已拒绝；原来的继续在用。\n" + "\n".join(shown)


async def reload_command(update: Update, context: BotContext) -> None:
    """/reload: an operator reloads the catalogue; anyone else is politely refused."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    if user.id not in context.services.config.telegram.operators:
        await send_text(context.bot, chat.id, escape(OPERATOR_ONLY))
        return
    # Loading takes about a second of CPU: off the event loop, so other chats keep being answered.
    outcome = await asyncio.to_thread(watcher_of(context.application).reload, f"telegram /reload by {user.id}")
    await send_text(context.bot, chat.id, escape(render_outcome(outcome)))


async def reload_watch_job(context: BotContext) -> None:
    """Reload when `fanzha kb reload` (control file or SIGHUP) asked; tell the operator chat."""
    outcome = await asyncio.to_thread(watcher_of(context.application).poll)
    chat_id = context.services.config.telegram.operator_chat_id
    if outcome is not None and chat_id:
        await send_text(context.bot, chat_id, escape(render_outcome(outcome)))


async def retention_job(context: BotContext) -> None:
    """Delete stored rows older than [privacy] retention_days (push log: the longer of that and no_repeat_days)."""
    config = context.services.config
    daily_purge(context.services.db, config.privacy.retention_days, config.scheduler.no_repeat_days)


def schedule_maintenance(application: AnyApplication) -> None:
    """Schedule the reload poll and the daily purge (call from post_init; idempotent)."""
    config = _services(application).config
    queue = application.job_queue
    if queue is None:  # PTB installed without the job-queue extra
        logger.warning("no job queue: the reload watcher and the retention purge are not scheduled")
        return
    watcher_of(application)
    for name in (RELOAD_JOB, PURGE_JOB):
        for job in queue.get_jobs_by_name(name):
            job.schedule_removal()
    interval = config.maintenance.reload_poll_seconds
    queue.run_repeating(reload_watch_job, interval=interval, first=interval, name=RELOAD_JOB)
    hh, mm = (int(x) for x in config.maintenance.purge_time.split(":"))
    at = dtime(hh, mm, tzinfo=ZoneInfo(config.scheduler.default_timezone))
    queue.run_daily(retention_job, time=at, name=PURGE_JOB)


def announce_process(application: AnyApplication) -> bool:
    """Write the pid file and route SIGHUP to the watcher (call from `fanzha run`, main thread).

    Returns whether SIGHUP is handled (False on Windows or off the main thread, where
    `fanzha kb reload` still works through the control file).
    """
    watcher = watcher_of(application)
    handled = watcher.install_sighup()
    if handled:
        watcher.write_pid_file()
    return handled
