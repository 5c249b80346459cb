"""The paced broadcaster on virtual time: limits, RetryAfter, backoff, Forbidden, migration, crashes.

A scripted Sender stands in for the transport; the ledger is the real push log on a SQLite file.
ManualClock makes every wait instant, so nothing here really sleeps.
"""

import asyncio
from collections import defaultdict
from datetime import datetime, timezone

import pytest

from scheduler.broadcast import (BroadcastSettings, Broadcaster, Delivery, Forbidden, ManualClock,
                                 Migrated, NetworkError, Pacer, Rejected, RetryAfter, Sent, max_in_window)
from storage import push_log, subscriptions
from storage.db import open_db

DAY = "2026-03-02"
START = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)


class ScriptedSender:
    """Answers from a per-target script (then Sent), records virtual send times and concurrency."""

    def __init__(self, clock: ManualClock, latency: float = 0.05, scripts=None):
        self.clock = clock
        self.latency = latency
        self.scripts = defaultdict(list, scripts or {})
        self.calls: list[tuple[str, float]] = []
        self.delivered: list[str] = []
        self.in_flight = self.max_in_flight = 0

    async def send(self, target, text):
        self.calls.append((target, self.clock.monotonic()))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await self.clock.sleep(self.latency)
        finally:
            self.in_flight -= 1
        outcome = self.scripts[target].pop(0) if self.scripts[target] else Sent()
        if isinstance(outcome, Sent):
            self.delivered.append(target)
        return outcome


@pytest.fixture()
def db(tmp_path):
    db = open_db(tmp_path / "fanzha.db")
    db.execute("pragma synchronous = normal")  # as the running bot has it (push.fast_commits)
    return db


@pytest.fixture()
def clock():
    return ManualClock(START)


def deliveries(n, day=DAY):
    return [Delivery(f"-{1000 + k}", day, f"case_{k % 7}", f"提醒 {k}") for k in range(n)]


def make(db, clock, sender, **settings):
    return Broadcaster(sender, push_log.PushLedger(db, "telegram", clock), BroadcastSettings(**settings), clock)


async def test_paces_under_30_per_second_and_close_to_it(db, clock):
    sender = ScriptedSender(clock)
    report = await make(db, clock, sender).run(deliveries(600))
    times = [t for _, t in sender.calls]
    assert report.sent == 600 and sorted(sender.delivered) == sorted(d.target for d in deliveries(600))
    assert max_in_window(times, 1.0) <= 30
    assert 14 <= sum(t < 1.0 for t in times) <= 16  # the first second ramps up at about half rate
    steady = times[30:]
    rate = (len(steady) - 1) / (steady[-1] - steady[0])
    assert 0.9 * 30 <= rate <= 30
    overall = (len(times) - 1) / (times[-1] - times[0])
    assert overall >= 0.9 * 30, overall  # ramp included


async def test_per_chat_limit_holds_across_days(db, clock):
    """25 days' warnings to one chat (a backlog) never exceed 20 in any minute."""
    sender = ScriptedSender(clock)
    items = [Delivery("-1", f"2026-03-{d:02d}", "c", "t") for d in range(1, 26)]
    report = await make(db, clock, sender, per_chat_per_minute=20).run(items)
    assert report.sent == 25
    assert max_in_window([t for _, t in sender.calls], 60.0) == 20


async def test_bounded_concurrency_and_lazy_input(db, clock):
    sender = ScriptedSender(clock, latency=2.0)  # slow API: in-flight sends pile up to the cap
    pulled = 0

    def lazy():
        nonlocal pulled
        for item in deliveries(200):
            pulled += 1
            assert pulled - len(sender.calls) <= 8 + 1  # never read far ahead of the senders
            yield item

    report = await make(db, clock, sender, max_in_flight=8).run(lazy())
    assert report.sent == 200 and sender.max_in_flight == 8


async def test_running_twice_sends_once(db, clock):
    sender = ScriptedSender(clock)
    first = await make(db, clock, sender).run(deliveries(20))
    second = await make(db, clock, sender).run(deliveries(20))
    assert (first.sent, second.sent, second.already_claimed) == (20, 0, 20)
    assert len(sender.calls) == 20


async def test_retry_after_pauses_everyone(db, clock):
    sender = ScriptedSender(clock, scripts={"-1003": [RetryAfter(5)]})
    report = await make(db, clock, sender).run(deliveries(30))
    flood_at = next(t for target, t in sender.calls if target == "-1003")
    answered_at = flood_at + sender.latency
    after = [t for _, t in sender.calls if t > flood_at]
    # Sends already paced before the 429 came back may go; none starts inside the pause.
    assert not [t for t in after if answered_at <= t < answered_at + 5]
    assert report.retry_after == 1 and report.sent == 30
    assert sender.delivered.count("-1003") == 1


@pytest.mark.parametrize("script, status, retries_waited", [
    ([NetworkError("timeout"), NetworkError("reset")], "sent", [1.0, 2.0]),
    ([NetworkError("down")] * 4, "retry", [1.0, 2.0, 4.0]),
], ids=["recovers", "gives-the-day-back"])
async def test_network_errors_back_off_then_succeed_or_release(db, clock, script, status, retries_waited):
    sender = ScriptedSender(clock, latency=0.0, scripts={"-1000": list(script)})
    report = await make(db, clock, sender, max_retries=3, max_in_flight=1).run(deliveries(1))
    times = [t for _, t in sender.calls]
    gaps = [round(b - a, 3) for a, b in zip(times, times[1:])]
    assert gaps == pytest.approx(retries_waited, abs=0.05)
    assert push_log.get(db, "telegram", "-1000", DAY).status == status
    assert report.released == (status == "retry")


async def test_forbidden_deactivates_the_subscription(db, clock):
    subscriptions.subscribe(db, "telegram", "-1001", by="1", send_time="09:00", timezone="Asia/Shanghai")
    sender = ScriptedSender(clock, scripts={"-1001": [Forbidden("bot was kicked")]})
    report = await make(db, clock, sender).run(deliveries(3))
    assert report.forbidden == 1 and report.sent == 2
    assert not subscriptions.get(db, "telegram", "-1001").active
    assert push_log.get(db, "telegram", "-1001", DAY).status == "failed"


async def test_migrated_group_gets_it_at_its_new_id(db, clock):
    subscriptions.subscribe(db, "telegram", "-1001", by="1", send_time="09:00", timezone="Asia/Shanghai")
    sender = ScriptedSender(clock, scripts={"-1001": [Migrated("-100777")]})
    report = await make(db, clock, sender).run(deliveries(3))
    assert report.migrations == [("-1001", "-100777")]
    assert "-100777" in sender.delivered and "-1001" not in sender.delivered
    assert push_log.get(db, "telegram", "-100777", DAY).status == "sent"
    assert subscriptions.get(db, "telegram", "-100777").active
    assert subscriptions.get(db, "telegram", "-1001") is None


async def test_rejected_send_is_final_for_the_day(db, clock):
    sender = ScriptedSender(clock, scripts={"-1000": [Rejected("message is too long")]})
    report = await make(db, clock, sender).run(deliveries(1))
    assert report.rejected == 1 and push_log.get(db, "telegram", "-1000", DAY).status == "failed"


async def test_cancel_gives_back_unsent_claims_and_keeps_the_one_in_flight(db, clock):
    sender = ScriptedSender(clock, latency=0.5)
    task = asyncio.create_task(make(db, clock, sender, max_in_flight=4).run(deliveries(50)))
    while len(sender.delivered) < 10:
        await asyncio.sleep(0)
    under_way = sender.in_flight
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    statuses = [push_log.get(db, "telegram", d.target, DAY) for d in deliveries(50)]
    by_status = defaultdict(int)
    for s in statuses:
        by_status[s.status if s else None] += 1
    assert by_status["sent"] == len(sender.delivered)
    # The calls under way when stopped may have been delivered: they stay claimed (resumed after
    # their lease). Claims still waiting for a slot are given back.
    assert by_status["claimed"] == under_way == len(sender.calls) - len(sender.delivered) > 0
    assert by_status["sent"] + by_status["claimed"] + by_status["retry"] + by_status[None] == 50


async def test_pacer_slot_is_void_after_a_pause(clock):
    pacer = Pacer(30, 20, clock)
    await pacer.acquire("-1")
    pacer.pause(3)
    await pacer.acquire("-2")
    assert clock.monotonic() >= 3
