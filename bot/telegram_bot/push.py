"""Daily-warning push on Telegram: JobQueue wiring, catch-up, and the PTB Sender adapter.

One ``run_daily`` job per active subscription (name ``push:telegram:<chat id>``, time with the
group's tzinfo). A job does not send by itself: it hands its group to the :class:`Dispatcher`,
which runs one paced :class:`~scheduler.broadcast.Broadcaster` at a time, so every group due in
the same minute (or still queued from the minute before) goes through one shared rate limit.

`schedule_all(application)` and `reschedule(application, chat_id)` are plain (synchronous)
functions: call them without ``await`` — from ``post_init`` and from /subscribe, /unsubscribe,
/settings. They find the database and settings through `install` (tests, CLI) or, failing
that, an object in ``bot_data`` with ``db`` and ``config`` attributes (bot.runtime.Runtime).
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlite_utils
from telegram import Bot
from telegram import error as tg
from telegram.ext import Application, ContextTypes

from knowledge.cases import Case, CaseError, CaseLibrary, load_cases
from scheduler import schedule
from scheduler.broadcast import (Broadcaster, Clock, Delivery, Forbidden, Migrated, NetworkError,
                                 Outcome, Pacer, Rejected, Report, RetryAfter, Sender, Sent,
                                 SystemClock)
from scheduler import daily
from scheduler.selection import select_case
from scheduler.settings import SchedulerSettings
from scheduler.warning import render_warning
from storage import push_log, subscriptions
from storage.subscriptions import Subscription

log = logging.getLogger(__name__)

CHANNEL = "telegram"
JOB_PREFIX = "push:telegram:"
CATCH_UP_JOB = "push:catch-up"
RECHECK_JOB = "push:recheck"  # a later catch-up: released sends, or claims whose lease runs out
RUNTIME_KEY = "push"
RETRY_RELEASED_AFTER = timedelta(minutes=5)


# --- Telegram → broadcast outcomes -------------------------------------------------------------

def _retry_seconds(exc: tg.RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that the int form becomes a timedelta
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramSender:
    """Sends plain text with a PTB Bot and reports the outcome the broadcaster understands."""

    def __init__(self, bot: Bot):
        self.bot = bot

    async def send(self, target: str, text: str) -> Outcome:
        """One sendMessage; PTB's exceptions become outcomes (order matters: see comments)."""
        try:
            # parse_mode=None overrides an HTML default: case text is plain and may hold < or &.
            await self.bot.send_message(chat_id=int(target), text=text, parse_mode=None)
        except tg.RetryAfter as exc:
            return RetryAfter(_retry_seconds(exc))
        except tg.Forbidden as exc:
            return Forbidden(exc.message)
        except tg.ChatMigrated as exc:
            return Migrated(str(exc.new_chat_id))
        except tg.BadRequest as exc:  # a NetworkError subclass in PTB: must come before it
            if "chat not found" in exc.message.lower():
                return Forbidden(exc.message)  # the group is gone: as good as removed
            return Rejected(exc.message)
        except tg.NetworkError as exc:  # includes TimedOut
            return NetworkError(exc.message)
        return Sent()


# --- runtime -----------------------------------------------------------------------------------

@dataclass
class PushRuntime:
    """What the push needs, kept in ``application.bot_data["push"]``."""

    db: sqlite_utils.Database
    settings: SchedulerSettings
    library: CaseLibrary
    clock: Clock = field(default_factory=SystemClock)
    dispatcher: "Dispatcher | None" = None


def install(application: Application, db: sqlite_utils.Database, settings: SchedulerSettings,
            library: CaseLibrary | None = None, clock: Clock | None = None) -> PushRuntime:
    """Attach the push runtime to `application` (loads the case library if not given)."""
    rt = PushRuntime(db=db, settings=settings, library=library or load_cases(), clock=clock or SystemClock())
    fast_commits(db)
    rt.dispatcher = Dispatcher(application, rt)
    application.bot_data[RUNTIME_KEY] = rt
    previous = application.post_stop

    async def post_stop(app: Application) -> None:
        await stop(app)  # give back claims of sends that had not started
        if previous is not None:
            await previous(app)

    application.post_stop = post_stop
    return rt


def fast_commits(db: sqlite_utils.Database) -> None:
    """WAL with synchronous=NORMAL: commits reach the OS without an fsync each.

    Every push is two commits (claim, sent) on the event loop; with the default FULL each waits
    for an fsync (~6 ms here), which stalls the loop by ~40% at 30 msg/s and delays residents'
    replies. In WAL mode NORMAL is still durable against a crash of this process (the claim and
    sent marks are in the OS's hands), so exactly-once holds; only a power cut or kernel crash
    can forget the last few marks. TODO(lead): belongs in storage.db.open_db for every writer.
    """
    if db.execute("pragma journal_mode").fetchone()[0] == "wal":
        db.execute("pragma synchronous = normal")


def runtime(application: Application) -> PushRuntime | None:
    """The installed runtime, or one built from bot_data's ``db`` + ``config`` object."""
    rt = application.bot_data.get(RUNTIME_KEY)
    if isinstance(rt, PushRuntime):
        return rt
    for value in list(application.bot_data.values()):
        db, config = getattr(value, "db", None), getattr(value, "config", None)
        if isinstance(db, sqlite_utils.Database) and config is not None:
            try:
                return install(application, db, config.scheduler, load_cases(require_complete=False))
            except CaseError as exc:
                log.error("push disabled: the case library has problems:\n%s", exc)
                return None
    log.error("push disabled: no push runtime installed and no db/config in bot_data")
    return None


# --- what to send ------------------------------------------------------------------------------

def case_for(db: sqlite_utils.Database, library: CaseLibrary, sub: Subscription, day: date,
             settings: SchedulerSettings) -> Case | None:
    """The case `sub` gets on `day`: the one already logged for that day, else the selection."""
    return daily.case_for(db, library, sub.channel, sub.target, day, sub.topics, settings.no_repeat_days)


def preview_case(db: sqlite_utils.Database, library: CaseLibrary, sub: Subscription, day: date,
                 settings: SchedulerSettings, today: date) -> Case | None:
    """What `sub` will get on `day`, assuming every push from `today` until then goes out.

    Days between `today` and `day` that have no push log yet are simulated with the same
    selection, so a preview of next Tuesday shows next Tuesday's case, not today's.
    """
    if day <= today:
        return case_for(db, library, sub, day, settings)
    since = today - timedelta(days=settings.no_repeat_days + 1)
    history = push_log.history(db, sub.channel, sub.target, since)
    logged = {d for d, _ in history}
    cursor = today
    while cursor < day and (cursor - today).days <= 366:
        if cursor not in logged:
            pick = select_case(library, sub.target, cursor, history, sub.topics, settings.no_repeat_days)
            if pick is not None:
                history.append((cursor, pick.id))
        cursor += timedelta(days=1)
    return select_case(library, sub.target, day, history, sub.topics, settings.no_repeat_days)


def delivery_for(db: sqlite_utils.Database, library: CaseLibrary, sub: Subscription, day: date,
                 settings: SchedulerSettings) -> Delivery | None:
    """The message for `sub` on `day`, or None when its topics match no case."""
    case = case_for(db, library, sub, day, settings)
    if case is None:
        log.warning("push: no case matches the topics of %s %s", sub.channel, sub.target)
        return None
    return Delivery(sub.target, str(day), case.id, render_warning(case, sub.script))


@dataclass(frozen=True)
class Slot:
    """A subscription's most recent send at or before now, and what to do about it."""

    sub: Subscription
    day: date
    instant: datetime
    state: str  # "due", "late" (beyond grace), "done", "in_flight" (fresh claim), "new" (subscribed after)
    record: push_log.PushRecord | None


def slots(db: sqlite_utils.Database, subs: Sequence[Subscription], now: datetime,
          grace_minutes: int | None, stale_before: datetime) -> list[Slot]:
    """Classify each subscription's latest send (grace None = any age is still due)."""
    latest = [(s, *schedule.last_send(now, s.send_time, s.timezone)) for s in subs]
    rows = push_log.on_dates(db, CHANNEL, {d for _, d, _ in latest}) if subs else {}
    stale = stale_before.isoformat(timespec="seconds")
    out = []
    for sub, day, instant in latest:
        row = rows.get((sub.target, str(day)))
        if row is not None and row.status in push_log.FINAL:
            state = "done"
        elif row is not None and row.status == push_log.CLAIMED and row.claimed_at >= stale:
            state = "in_flight"
        elif sub.subscribed_at and sub.subscribed_at > instant.isoformat(timespec="seconds"):
            state = "new"  # subscribed after today's slot: the first warning is the next one
        elif grace_minutes is None or now - instant <= timedelta(minutes=grace_minutes):
            state = "due"
        else:
            state = "late"
        out.append(Slot(sub, day, instant, state, row))
    return out


# --- dispatching -------------------------------------------------------------------------------

class Dispatcher:
    """Queues (chat, local date) pairs and drains them through one paced broadcast at a time."""

    def __init__(self, application: Application, rt: PushRuntime):
        self.application = application
        self.rt = rt
        s = rt.settings.broadcast()
        self.pacer = Pacer(s.rate_per_second, s.per_chat_per_minute, rt.clock, s.headroom)
        self._pending: deque[tuple[str, date]] = deque()
        self._queued: set[tuple[str, date]] = set()
        self._task: asyncio.Task[None] | None = None
        self.total = Report()
        self.sender_factory: Callable[[Bot], Sender] = TelegramSender  # tests wrap it to simulate crashes

    def enqueue(self, target: str, day: date) -> bool:
        """Queue a group's warning for `day` (once); start draining if idle."""
        key = (str(target), day)
        if key in self._queued:
            return False
        self._queued.add(key)
        self._pending.append(key)
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._drain(), name="push:broadcast")
        return True

    async def idle(self) -> None:
        """Wait until everything queued so far has been handled."""
        while self._task is not None:
            await asyncio.shield(self._task)

    async def stop(self) -> None:
        """Cancel the running broadcast (claims of sends not yet started are given back)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
        self._pending.clear()
        self._queued.clear()

    def _deliveries(self) -> Iterator[Delivery]:
        rt = self.rt
        while self._pending:
            target, day = self._pending.popleft()
            self._queued.discard((target, day))
            sub = subscriptions.get(rt.db, CHANNEL, target)
            if sub is None or not sub.active:
                continue  # unsubscribed or removed while queued
            delivery = delivery_for(rt.db, rt.library, sub, day, rt.settings)
            if delivery is not None:
                yield delivery

    async def _drain(self) -> None:
        try:
            broadcaster = Broadcaster(self.sender_factory(self.application.bot),
                                      push_log.PushLedger(self.rt.db, CHANNEL, self.rt.clock),
                                      self.rt.settings.broadcast(), self.rt.clock, self.pacer)
            # Groups queued while a run finishes are picked up by the next turn of this loop;
            # no await separates the final emptiness check from clearing _task.
            while self._pending:
                report = await broadcaster.run(self._deliveries())
                self.total.merge(report)
                log.info("push: sent %d, already done %d, removed %d, migrated %d, rejected %d, "
                         "released %d", report.sent, report.already_claimed, report.forbidden,
                         report.migrated, report.rejected, report.released)
                # Jobs follow the subscriptions: a migrated group's job moves to its new id, a
                # removed group's job goes.
                for old, new in report.migrations:
                    reschedule(self.application, old)
                    reschedule(self.application, new)
                for target in report.removed_targets:
                    reschedule(self.application, target)
                if report.released:
                    _schedule_catch_up(self.application, RETRY_RELEASED_AFTER)
        finally:
            if self._task is asyncio.current_task():
                self._task = None


async def stop(application: Application) -> None:
    """Stop pushing (call from post_stop; `install` chains it in for you)."""
    rt = application.bot_data.get(RUNTIME_KEY)
    if isinstance(rt, PushRuntime) and rt.dispatcher is not None:
        await rt.dispatcher.stop()


# --- jobs --------------------------------------------------------------------------------------

def _job_name(chat_id: int | str) -> str:
    return f"{JOB_PREFIX}{chat_id}"


def _add_job(application: Application, sub: Subscription, settings: SchedulerSettings) -> None:
    assert application.job_queue is not None
    at = schedule.parse_hhmm(sub.send_time).replace(tzinfo=schedule.zone(sub.timezone))
    application.job_queue.run_daily(
        daily_push_job, time=at, name=_job_name(sub.target), data=sub.target,
        # 10,000 jobs due in one minute take APScheduler more than its default 1 s misfire grace
        # to hand out; a late job still runs (its send is checked against the grace itself).
        job_kwargs={"misfire_grace_time": max(60, settings.catch_up_grace_minutes * 60), "coalesce": True},
    )


def _schedule_catch_up(application: Application, after: timedelta) -> None:
    jq = application.job_queue
    if jq is not None and not jq.get_jobs_by_name(RECHECK_JOB):
        jq.run_once(catch_up_job, when=after, name=RECHECK_JOB)


def schedule_all(application: Application) -> int:
    """Rebuild one daily job per active Telegram subscription, and queue the start-up catch-up.

    Returns the number of daily jobs. The catch-up runs as a job as soon as the JobQueue starts:
    it makes up sends missed within ``catch_up_grace_minutes`` and logs (and records as
    ``skipped``) older ones.
    """
    rt = runtime(application)
    if rt is None or application.job_queue is None:
        if application.job_queue is None:
            log.error("push disabled: install python-telegram-bot[job-queue]")
        return 0
    for job in application.job_queue.jobs():
        if job.name and (job.name.startswith(JOB_PREFIX) or job.name in (CATCH_UP_JOB, RECHECK_JOB)):
            job.schedule_removal()
    subs = subscriptions.active(rt.db, CHANNEL)
    for sub in subs:
        _add_job(application, sub, rt.settings)
    application.job_queue.run_once(catch_up_job, when=0, name=CATCH_UP_JOB)
    log.info("push: %d daily warning job(s) scheduled", len(subs))
    return len(subs)


def reschedule(application: Application, chat_id: int | str) -> None:
    """Replace the daily job of one chat after /subscribe, /unsubscribe or /settings."""
    rt = runtime(application)
    if rt is None or application.job_queue is None:
        return
    for job in application.job_queue.get_jobs_by_name(_job_name(chat_id)):
        job.schedule_removal()
    sub = subscriptions.get(rt.db, CHANNEL, str(chat_id))
    if sub is not None and sub.active and sub.send_time:
        _add_job(application, sub, rt.settings)


async def daily_push_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """A group's send time has come: queue its warning for the day that slot belongs to."""
    rt = runtime(context.application)
    job: Any = context.job
    if rt is None or rt.dispatcher is None or job is None:
        return
    sub = subscriptions.get(rt.db, CHANNEL, str(job.data))
    if sub is None or not sub.active or not sub.send_time:
        job.schedule_removal()
        return
    # The slot's own date, not "today": a 23:59 job that fires at 00:00:01 is still yesterday's.
    day, instant = schedule.last_send(rt.clock.now(), sub.send_time, sub.timezone)
    if rt.clock.now() - instant <= timedelta(minutes=rt.settings.catch_up_grace_minutes):
        rt.dispatcher.enqueue(sub.target, day)


async def catch_up_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Start-up (and retry) pass: see `catch_up`."""
    rt = runtime(context.application)
    if rt is not None:
        catch_up(context.application, rt)


def catch_up(application: Application, rt: PushRuntime) -> dict[str, int]:
    """Queue every missed send within grace; record older ones as skipped; returns counts by state.

    Claims still fresh (a crashed or parallel sender's, younger than the lease) are looked at
    again when their lease runs out.
    """
    now = rt.clock.now()
    lease = timedelta(seconds=rt.settings.claim_lease_seconds)
    counts = {"due": 0, "late": 0, "done": 0, "in_flight": 0, "new": 0}
    recheck: datetime | None = None
    for slot in slots(rt.db, subscriptions.active(rt.db, CHANNEL), now, rt.settings.catch_up_grace_minutes,
                      now - lease):
        counts[slot.state] += 1
        if slot.state == "due" and rt.dispatcher is not None:
            rt.dispatcher.enqueue(slot.sub.target, slot.day)
        elif slot.state == "late" and slot.record is None:
            push_log.skip(rt.db, CHANNEL, slot.sub.target, slot.day, "",
                          f"missed by more than {rt.settings.catch_up_grace_minutes} min", now=now)
            log.warning("push: skipped %s for %s: missed at %s, beyond the catch-up grace",
                        slot.sub.target, slot.day, slot.instant.isoformat(timespec="minutes"))
        elif slot.state == "in_flight" and slot.record is not None:
            expires = datetime.fromisoformat(slot.record.claimed_at) + lease
            recheck = expires if recheck is None else min(recheck, expires)
    if recheck is not None:
        _schedule_catch_up(application, max(timedelta(seconds=1), recheck - now + timedelta(seconds=1)))
    log.info("push catch-up: %s", ", ".join(f"{k} {v}" for k, v in counts.items()))
    return counts
