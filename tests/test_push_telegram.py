"""Daily push through the production Application and the fake Bot API, on virtual time.

The Application is the one `build_application` makes (HTML default parse mode, BotContext), talking
real HTTP to the fake server. The JobQueue is never started: tests run a job the way APScheduler
would (`job.run(app)`), and pacing waits go through a ManualClock, so nothing waits for the clock.
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main as cli_main
from bot.telegram_bot import push
from bot.telegram_bot.app import build_application
from knowledge.cases import Case, CaseLibrary
from knowledge.catalogue import CANONICAL_IDS
from scheduler.broadcast import ManualClock
from scheduler.warning import render_warning
from storage import push_log, subscriptions
from tests.support.telegram_fixtures import make_runtime, telegram_config

# 09:00:30 in Shanghai on 2 March 2026.
NOW = datetime(2026, 3, 2, 1, 0, 30, tzinfo=timezone.utc)
DAY = date(2026, 3, 2)
LIBRARY = CaseLibrary(cases=tuple(
    Case(id=f"{t}_{n}", type=t, subkind="", title=f"案例 {t} {n} <注意> & 小心",
         story="有人打来电话。她差点转账。", red_flag="陌生人要你转账", takeaway="不转账，先核实。",
         outcome="pattern", source="public: test", tags=())
    for t in CANONICAL_IDS for n in range(4)))


@dataclass
class Bot:
    """One running bot process: its Application, push runtime, database and virtual clock."""

    app: object
    rt: push.PushRuntime
    db: object
    clock: ManualClock

    async def run_daily_jobs(self, times: int = 1) -> None:
        """Fire every group's daily job `times` times (as a double-firing scheduler would)."""
        jobs = [j for j in self.app.job_queue.jobs() if j.name.startswith(push.JOB_PREFIX)]
        for _ in range(times):
            for job in jobs:
                await job.run(self.app)
        await self.rt.dispatcher.idle()

    async def run_job(self, name: str) -> None:
        [job] = self.app.job_queue.get_jobs_by_name(name)
        await job.run(self.app)
        await self.rt.dispatcher.idle()

    def job_names(self) -> set[str]:
        return {j.name for j in self.app.job_queue.jobs()}


@pytest.fixture
def start_bot(fake_bot_api, telegram_brain, tmp_path):
    """A factory: boot a bot process on the shared database file (call again to "restart")."""

    @asynccontextmanager
    async def boot(clock: ManualClock, **scheduler_changes):
        config = telegram_config(fake_bot_api)
        settings = replace(config.scheduler, **scheduler_changes)
        runtime = make_runtime(replace(config, scheduler=settings), telegram_brain, tmp_path / "fanzha.db")
        app = build_application(runtime, fake_bot_api.token, rate_limiter=False)
        async with app:
            rt = push.install(app, runtime.db, settings, LIBRARY, clock)
            await app.post_init(app)  # production start-up: command lists + push.schedule_all
            try:
                yield Bot(app, rt, runtime.db, clock)
            finally:
                await push.stop(app)
        runtime.db.close()

    return boot


def subscribe(db, chat: int, at: str = "09:00", tz: str = "Asia/Shanghai", **changes) -> None:
    subscriptions.subscribe(db, "telegram", str(chat), by="42", send_time=at, timezone=tz)
    db.execute("update subscriptions set subscribed_at = ? where target = ?", ["2026-01-01T00:00:00+00:00", str(chat)])
    if changes:
        subscriptions.update(db, "telegram", str(chat), **changes)


def counts(api, chats) -> dict[int, int]:
    return {chat: len(api.messages_to(chat)) for chat in chats}


@pytest.fixture
def seeded(tmp_path):
    """Create the database with subscriptions before the bot boots (as after a restart)."""
    from storage.db import open_db

    def seed(*subs):
        db = open_db(tmp_path / "fanzha.db")
        for sub in subs:
            subscribe(db, *sub) if isinstance(sub, tuple) else subscribe(db, sub)
        db.close()

    return seed


GROUPS = [-1001, -1002, -1003, -1004, -1005]


async def test_start_up_builds_one_daily_job_per_active_subscription(start_bot, seeded):
    seeded(-1001, (-1002, "20:30", "America/New_York"), (-1003, "07:15", "Europe/Berlin"))
    async with start_bot(ManualClock(NOW)) as bot:
        subscriptions.deactivate(bot.db, "telegram", "-1003")
        subscriptions.ensure_settings_row(bot.db, "telegram", "-1004")  # guardian-only group
        assert push.schedule_all(bot.app) == 2
        assert {n for n in bot.job_names() if n.startswith("push:")} == {"push:telegram:-1001", "push:telegram:-1002", push.CATCH_UP_JOB}
        [job] = bot.app.job_queue.get_jobs_by_name("push:telegram:-1002")
        trigger = job.job.trigger
        assert trigger.timezone == ZoneInfo("America/New_York")
        assert {f.name: str(f) for f in trigger.fields if f.name in ("hour", "minute")} == {"hour": "20", "minute": "30"}


@pytest.mark.parametrize("change, expected", [
    ({"send_time": "18:45"}, ("18", "45", "Asia/Shanghai")),
    ({"timezone": "Europe/London"}, ("9", "0", "Europe/London")),
    ({"active": False}, None),
], ids=["new-time", "new-zone", "unsubscribed"])
async def test_reschedule_follows_the_subscription(start_bot, seeded, change, expected):
    seeded(-1001)
    async with start_bot(ManualClock(NOW)) as bot:
        subscriptions.update(bot.db, "telegram", "-1001", **change)
        push.reschedule(bot.app, -1001)
        jobs = bot.app.job_queue.get_jobs_by_name("push:telegram:-1001")
        if expected is None:
            assert not jobs
        else:
            [job] = jobs
            fields = {f.name: str(f) for f in job.job.trigger.fields}
            assert (fields["hour"], fields["minute"], str(job.job.trigger.timezone)) == expected


async def test_daily_job_fired_twice_sends_one_message_per_group(start_bot, seeded, fake_bot_api):
    seeded(*GROUPS)
    async with start_bot(ManualClock(NOW)) as bot:
        await bot.run_daily_jobs(times=2)
        await bot.run_daily_jobs(times=1)  # and once more after the broadcast finished
        assert counts(fake_bot_api, GROUPS) == {g: 1 for g in GROUPS}
        assert all(push_log.get(bot.db, "telegram", str(g), DAY).status == "sent" for g in GROUPS)


async def test_message_is_plain_text_and_what_the_dry_run_showed(start_bot, seeded, fake_bot_api):
    seeded(-1001)
    async with start_bot(ManualClock(NOW)) as bot:
        sub = subscriptions.get(bot.db, "telegram", "-1001")
        preview = push.preview_case(bot.db, LIBRARY, sub, DAY, bot.rt.settings, DAY)
        await bot.run_daily_jobs()
        [sent] = fake_bot_api.messages_to(-1001)
        assert "parse_mode" not in sent.params  # overrides the app's HTML default: "<注意>" stays text
        assert sent.text == render_warning(preview)
        assert push_log.get(bot.db, "telegram", "-1001", DAY).case_id == preview.id
        assert "110" in sent.text and "96110" in sent.text and "三不一要" in sent.text


async def test_traditional_script_groups_get_traditional_text(start_bot, seeded, fake_bot_api):
    seeded(-1001, -1002)
    async with start_bot(ManualClock(NOW)) as bot:
        subscriptions.update(bot.db, "telegram", "-1002", script="hant")
        await bot.run_daily_jobs()
        assert "反诈" in fake_bot_api.messages_to(-1001)[0].text
        assert "反詐" in fake_bot_api.messages_to(-1002)[0].text


async def test_forbidden_group_is_deactivated_and_unscheduled(start_bot, seeded, fake_bot_api):
    seeded(*GROUPS)
    fake_bot_api.forbid(-1003, "Forbidden: bot was kicked from the group chat")
    async with start_bot(ManualClock(NOW)) as bot:
        await bot.run_daily_jobs()
        assert not subscriptions.get(bot.db, "telegram", "-1003").active
        assert "push:telegram:-1003" not in bot.job_names()
        assert push_log.get(bot.db, "telegram", "-1003", DAY).status == "failed"
        assert counts(fake_bot_api, GROUPS) == {g: 0 if g == -1003 else 1 for g in GROUPS}


async def test_migrated_group_gets_the_warning_at_its_new_id(start_bot, seeded, fake_bot_api):
    seeded(-1001, -1002)
    fake_bot_api.migrated(-1002, -100777)
    async with start_bot(ManualClock(NOW)) as bot:
        await bot.run_daily_jobs()
        assert counts(fake_bot_api, [-1001, -1002, -100777]) == {-1001: 1, -1002: 0, -100777: 1}
        assert subscriptions.get(bot.db, "telegram", "-100777").active
        assert push_log.get(bot.db, "telegram", "-100777", DAY).status == "sent"
        assert "push:telegram:-100777" in bot.job_names() and "push:telegram:-1002" not in bot.job_names()
        await bot.run_daily_jobs()  # the new id's job the same day: still one warning
        assert len(fake_bot_api.messages_to(-100777)) == 1


async def test_retry_after_is_honoured(start_bot, seeded, fake_bot_api):
    seeded(*GROUPS)
    fake_bot_api.retry_after(-1002, 7)
    clock = ManualClock(NOW)
    async with start_bot(clock) as bot:
        await bot.run_daily_jobs()
        assert counts(fake_bot_api, GROUPS) == {g: 1 for g in GROUPS}
        assert clock.monotonic() >= 7  # everyone waited out the flood pause (virtually)
        assert bot.rt.dispatcher.total.retry_after == 1


async def test_network_failure_gives_the_day_back_and_a_recheck_sends_it(start_bot, seeded, fake_bot_api):
    seeded(-1001, -1002)
    fake_bot_api.fail(-1002, 502, "Bad Gateway", times=4)
    clock = ManualClock(NOW)
    async with start_bot(clock, max_retries=3) as bot:
        await bot.run_daily_jobs()
        assert push_log.get(bot.db, "telegram", "-1002", DAY).status == "retry"
        assert push.RECHECK_JOB in bot.job_names()
        clock.advance(300)
        await bot.run_job(push.RECHECK_JOB)
        assert counts(fake_bot_api, [-1001, -1002]) == {-1001: 1, -1002: 1}


class HangingSender:
    """Delivers `before` messages, then hangs inside the next call (a process about to die)."""

    def __init__(self, inner, before: int, reached: asyncio.Event):
        self.inner, self.before, self.reached = inner, before, reached

    async def send(self, target, text):
        if self.before == 0:
            self.reached.set()
            await asyncio.Event().wait()  # never returns: the process is killed here
        self.before -= 1
        return await self.inner.send(target, text)


@pytest.mark.parametrize("downtime_minutes", [2, 15], ids=["restart-within-lease", "restart-after-lease"])
async def test_crash_mid_broadcast_then_restart_gives_every_group_exactly_one(
        start_bot, seeded, fake_bot_api, downtime_minutes):
    groups = [-2000 - k for k in range(12)]
    seeded(*groups)
    clock = ManualClock(NOW)
    async with start_bot(clock, max_in_flight=1) as bot:
        reached = asyncio.Event()
        bot.rt.dispatcher.sender_factory = lambda b: HangingSender(push.TelegramSender(b), 5, reached)
        jobs = [j for j in bot.app.job_queue.jobs() if j.name.startswith(push.JOB_PREFIX)]
        for job in jobs:
            await job.run(bot.app)
        await reached.wait()
    # Killed: 5 sent, one claimed with its call under way, the rest never claimed.
    assert sum(counts(fake_bot_api, groups).values()) == 5

    clock.advance(downtime_minutes * 60)
    async with start_bot(clock) as bot:
        await bot.run_job(push.CATCH_UP_JOB)
        if downtime_minutes * 60 < bot.rt.settings.claim_lease_seconds:
            assert sum(counts(fake_bot_api, groups).values()) == 11  # the orphan waits for its lease
            clock.advance(bot.rt.settings.claim_lease_seconds)
            await bot.run_job(push.RECHECK_JOB)
        assert counts(fake_bot_api, groups) == {g: 1 for g in groups}
        await bot.run_daily_jobs()  # the scheduler firing late as well changes nothing
        assert counts(fake_bot_api, groups) == {g: 1 for g in groups}


# (chat, send time, zone, the local date of its latest slot, what the start-up catch-up at
# 10:00 Shanghai = 02:00 UTC does with it; grace 180 min)
CATCH_UP = [
    (-3001, "09:00", "Asia/Shanghai", "2026-03-02", "sent"),  # 1 h late
    (-3002, "07:01", "Asia/Shanghai", "2026-03-02", "sent"),  # 2 h 59 min late
    (-3003, "06:00", "Asia/Shanghai", "2026-03-02", "skipped"),  # 4 h late
    (-3004, "11:00", "Asia/Shanghai", "2026-03-01", "skipped"),  # today's not yet; yesterday's 23 h late
    (-3005, "20:30", "America/New_York", "2026-03-01", "sent"),  # 30 min late, still 1 March there
    (-3006, "00:30", "Europe/London", "2026-03-02", "sent"),  # 90 min late
]


async def test_catch_up_after_downtime(start_bot, seeded, fake_bot_api):
    seeded(*[(chat, at, tz) for chat, at, tz, _, _ in CATCH_UP])
    async with start_bot(ManualClock(datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc))) as bot:
        await bot.run_job(push.CATCH_UP_JOB)
        for chat, _, _, day, expected in CATCH_UP:
            assert push_log.get(bot.db, "telegram", str(chat), day).status == expected, chat
            assert len(fake_bot_api.messages_to(chat)) == (expected == "sent"), chat
        assert push.catch_up(bot.app, bot.rt)["done"] == 4  # a second pass: nothing new
        await bot.rt.dispatcher.idle()
        assert sum(len(fake_bot_api.messages_to(c)) for c, *_ in CATCH_UP) == 4


async def test_no_catch_up_for_a_group_that_subscribed_after_its_slot(start_bot, seeded, fake_bot_api):
    seeded(-1001)
    async with start_bot(ManualClock(NOW)) as bot:
        subscriptions.subscribe(bot.db, "telegram", "-1009", by="42", send_time="09:00", timezone="Asia/Shanghai")
        bot.db.execute("update subscriptions set subscribed_at = ? where target = '-1009'",
                       [(NOW - timedelta(seconds=10)).isoformat(timespec="seconds")])
        assert push.catch_up(bot.app, bot.rt)["new"] == 1
        await bot.rt.dispatcher.idle()
        assert counts(fake_bot_api, [-1001, -1009]) == {-1001: 1, -1009: 0}


def write_config(tmp_path: Path, api) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[storage]\npath = "{tmp_path / "fanzha.db"}"\n\n[telegram]\nbase_url = "{api.base_url}"\n'
                    f'base_file_url = "{api.base_file_url}"\n', encoding="utf-8")
    return path


async def test_cli_dry_run_then_now_send_the_previewed_cases_once(tmp_path, fake_bot_api, seeded, monkeypatch,
                                                                  capsys):
    seeded(-1001, (-1002, "00:00", "Asia/Shanghai"))
    monkeypatch.setattr("bot.commands.push.load_cases", lambda **_: LIBRARY)
    config = write_config(tmp_path, fake_bot_api)
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    assert await asyncio.to_thread(cli_main, ["push", "--dry-run", "--config", str(config)]) == 0
    preview = capsys.readouterr().out
    assert "-1001" in preview and "-1002" in preview and str(today) in preview

    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert await asyncio.to_thread(cli_main, ["push", "--now", "--config", str(config)]) == 2
    assert "TELEGRAM_BOT_TOKEN" in capsys.readouterr().err

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", fake_bot_api.token)
    for _ in range(2):  # twice: the second run finds it sent
        assert await asyncio.to_thread(cli_main, ["push", "--now", "--config", str(config)]) == 0
    [sent] = fake_bot_api.messages_to(-1002)  # 00:00 has always passed today
    case_id = next(line.split()[6] for line in preview.splitlines() if line.startswith("telegram  -1002"))
    assert sent.text == render_warning(LIBRARY.by_id(case_id))
