"""企业微信 group-robot push against a local aiohttp stub, on virtual time (ManualClock).

The stub records every request with the virtual time it arrived; no test waits for real and no
test reaches qyapi.weixin.qq.com (lookups of Tencent hosts fail in this module).
"""

import asyncio
from datetime import datetime, timedelta, timezone

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot.wechat import wecom
from bot.wechat.forward import forwardable
from bot.wechat.wecom import Answer, RobotPusher, RobotSettings, RollingWindow, WebhookClient
from scheduler.broadcast import ManualClock
from storage import push_log, subscriptions
from storage.db import open_db
from tests.support.wechat_fake import RobotStub, case_library, forbid_tencent_hosts

NOW = datetime(2026, 11, 23, 1, 30, tzinfo=timezone.utc)  # 09:30 in Asia/Shanghai
TODAY = "2026-11-23"


@pytest.fixture(autouse=True)
def _no_tencent(monkeypatch):
    forbid_tencent_hosts(monkeypatch)


@pytest.fixture
def clock():
    return ManualClock(NOW)


@pytest.fixture
async def stub(clock):
    robot = RobotStub(clock)
    server = TestServer(robot.app(), host="127.0.0.1")
    await server.start_server()
    robot.base_url = str(server.make_url("")).rstrip("/")
    yield robot
    await server.close()


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "push.db"


def subscribe(db, name, script="hans"):
    subscriptions.subscribe(db, wecom.CHANNEL, name, by="test", send_time="09:00", timezone="Asia/Shanghai")
    subscriptions.update(db, wecom.CHANNEL, name, script=script)
    # subscribed long before today's 09:00 slot, so today's warning is due
    db.execute("update subscriptions set subscribed_at = '2020-01-01T00:00:00+00:00' where target = ?", [name])


async def push(db_path, stub, clock, keys=None, client=None, **overrides):
    """One run of `fanzha wechat push`: a fresh DB connection, session and pusher (like a new process)."""
    db = open_db(db_path)
    settings = RobotSettings(base_url=stub.base_url, **overrides)
    async with aiohttp.ClientSession() as session:
        pusher = RobotPusher(db, case_library(), settings, {"grid1": "KEY1"} if keys is None else keys,
                             client or WebhookClient(session, settings.base_url), clock)
        results = await pusher.run()
    return {r.robot: r for r in results}, db


# --- the happy path ----------------------------------------------------------------------------

async def test_a_due_robot_gets_todays_warning(db_path, stub, clock):
    subscribe(open_db(db_path), "grid1")
    results, db = await push(db_path, stub, clock)
    assert results["grid1"].status == "sent"
    record = push_log.get(db, wecom.CHANNEL, "grid1", TODAY)
    assert record.status == "sent"
    expected = forwardable(case_library().by_id(record.case_id))
    assert stub.delivered("KEY1") == [expected]
    assert stub.requests[0]["payload"]["msgtype"] == "text"


async def test_traditional_subscription_gets_traditional_text(db_path, stub, clock):
    subscribe(open_db(db_path), "grid1", script="hant")
    await push(db_path, stub, clock)
    text = stub.delivered()[0]
    assert text.startswith("【反詐每日提醒】") and text.endswith("轉給家裡人看看，一起防騙。")


@pytest.mark.parametrize("local_time, status", [
    pytest.param("08:59", "late", id="before today's slot: yesterday's is long past"),
    pytest.param("09:00", "sent", id="at the slot"),
    pytest.param("11:59", "sent", id="within the catch-up grace"),
    pytest.param("12:01", "late", id="beyond the grace: left for tomorrow"),
])
async def test_only_due_slots_are_sent(db_path, stub, local_time, status):
    subscribe(open_db(db_path), "grid1")
    hh, mm = map(int, local_time.split(":"))
    clock = ManualClock(datetime(2026, 11, 23, hh - 8, mm, tzinfo=timezone.utc))
    results, _ = await push(db_path, stub, clock)
    assert results["grid1"].status == status
    assert len(stub.requests) == (1 if status == "sent" else 0)


# --- limits ------------------------------------------------------------------------------------

async def test_long_text_is_split_to_the_robot_limit_and_sent_in_order(db_path, stub, clock):
    subscribe(open_db(db_path), "grid1")
    results, db = await push(db_path, stub, clock, text_bytes=200)
    parts = stub.delivered()
    assert len(parts) > 3 and results["grid1"].status == "sent"
    assert all(len(p.encode("utf-8")) <= 200 for p in parts)
    case = case_library().by_id(push_log.get(db, wecom.CHANNEL, "grid1", TODAY).case_id)
    squeeze = lambda t: "".join(t.split())  # noqa: E731
    assert squeeze("".join(parts)) == squeeze(forwardable(case))


async def test_never_more_than_20_requests_per_robot_in_any_rolling_minute(db_path, stub, clock):
    subscribe(open_db(db_path), "grid1")
    await push(db_path, stub, clock, text_bytes=32)  # ~30 messages for one warning
    times = [r["at"] for r in stub.requests]
    assert len(times) > 20
    assert all(later - earlier >= 60 for earlier, later in zip(times, times[20:]))
    assert times[19] - times[0] < 1  # and no slower than it has to be: the first 20 go at once


async def test_rolling_window_on_its_own():
    clock = ManualClock(NOW)
    window = RollingWindow(limit=20, window=60, clock=clock)
    times = []
    for _ in range(65):
        await window.acquire("r")
        times.append(clock.monotonic())
    assert times[:20] == [0.0] * 20 and times[20] == 60.0 and times[40] == 120.0 and times[60] == 180.0
    await window.acquire("another robot")  # robots do not share a window
    assert clock.monotonic() == 180.0


async def test_rate_limit_errors_are_retried_after_the_window(db_path, stub, clock):
    subscribe(open_db(db_path), "grid1")
    stub.script = [45009, 45009]
    results, _ = await push(db_path, stub, clock)
    assert results["grid1"].status == "sent"
    assert [r["errcode"] for r in stub.requests] == [45009, 45009, 0]
    times = [r["at"] for r in stub.requests]
    assert times[1] - times[0] >= 65 and times[2] - times[1] >= 65


async def test_persistent_rate_limiting_gives_the_day_back_for_a_later_run(db_path, stub, clock):
    subscribe(open_db(db_path), "grid1")
    stub.script = [45009] * 4
    results, db = await push(db_path, stub, clock, max_retries=3)
    assert results["grid1"].status == "released" and len(stub.requests) == 4
    assert push_log.get(db, wecom.CHANNEL, "grid1", TODAY).status == push_log.RETRY
    clock.advance(300)
    results, _ = await push(db_path, stub, clock)
    assert results["grid1"].status == "sent" and len(stub.delivered()) == 1


async def test_invalid_key_deactivates_the_subscription(db_path, stub, clock):
    subscribe(open_db(db_path), "grid1")
    stub.invalid_keys = {"KEY1"}
    results, db = await push(db_path, stub, clock)
    assert results["grid1"].status == "invalid_key"
    assert not subscriptions.get(db, wecom.CHANNEL, "grid1").active
    assert push_log.get(db, wecom.CHANNEL, "grid1", TODAY).status == push_log.FAILED
    clock.advance(86400)
    results, _ = await push(db_path, stub, clock)
    assert results == {} and len(stub.requests) == 1  # nothing more is sent to a dead robot


# --- exactly once ------------------------------------------------------------------------------

async def test_exactly_one_warning_per_robot_and_day_across_restarts(db_path, stub, clock):
    subscribe(open_db(db_path), "grid1")
    first, _ = await push(db_path, stub, clock)
    clock.advance(600)
    second, _ = await push(db_path, stub, clock)  # a new process: new connection, session, limiter
    assert (first["grid1"].status, second["grid1"].status) == ("sent", "already")
    assert len(stub.requests) == 1
    clock.advance(86400)
    third, _ = await push(db_path, stub, clock)  # tomorrow: a new warning, a different case
    assert third["grid1"].status == "sent" and len(stub.delivered()) == 2
    assert stub.delivered()[0] != stub.delivered()[1]


async def test_two_runs_at_once_send_once(db_path, stub, clock):
    subscribe(open_db(db_path), "grid1")
    (a, _), (b, _) = await asyncio.gather(push(db_path, stub, clock), push(db_path, stub, clock))
    assert sorted([a["grid1"].status, b["grid1"].status]) == ["already", "sent"]
    assert len(stub.requests) == 1


async def test_a_crashed_runs_claim_is_resumed_only_after_its_lease(db_path, stub, clock):
    db = open_db(db_path)
    subscribe(db, "grid1")
    push_log.claim(db, wecom.CHANNEL, "grid1", TODAY, case_library().cases[0].id, now=NOW)  # then: crash
    results, _ = await push(db_path, stub, clock)
    assert results["grid1"].status == "already" and stub.requests == []
    clock.advance(601)
    results, _ = await push(db_path, stub, clock)
    assert results["grid1"].status == "sent" and len(stub.requests) == 1


# --- failures ----------------------------------------------------------------------------------

class ScriptedClient:
    """A WebhookClient stand-in that answers from a list (for transport outcomes)."""

    def __init__(self, *answers: Answer):
        self.answers = list(answers)
        self.sent = []

    async def send_text(self, key, content):
        self.sent.append(content)
        return self.answers.pop(0) if self.answers else Answer(wecom.OK)


async def test_a_timeout_after_sending_is_not_retried(db_path, stub, clock):
    subscribe(open_db(db_path), "grid1")
    client = ScriptedClient(Answer(wecom.UNKNOWN, "TimeoutError"))
    results, db = await push(db_path, stub, clock, client=client)
    assert results["grid1"].status == "unknown" and len(client.sent) == 1
    assert push_log.get(db, wecom.CHANNEL, "grid1", TODAY).status == push_log.FAILED
    results, _ = await push(db_path, stub, clock, client=client)
    assert results["grid1"].status == "already" and len(client.sent) == 1


async def test_connection_failures_are_retried_with_backoff(db_path, stub, clock):
    subscribe(open_db(db_path), "grid1")
    client = ScriptedClient(Answer(wecom.UNREACHABLE, "refused"), Answer(wecom.UNREACHABLE, "refused"))
    start = clock.monotonic()
    results, _ = await push(db_path, stub, clock, client=client)
    assert results["grid1"].status == "sent" and len(client.sent) == 3
    assert clock.monotonic() - start >= 5 + 10


async def test_an_unreachable_host_is_reported_not_delivered(db_path, clock):
    subscribe(open_db(db_path), "grid1")
    server = TestServer(RobotStub().app(), host="127.0.0.1")
    await server.start_server()
    dead = str(server.make_url("")).rstrip("/")
    await server.close()  # nothing listens there now
    async with aiohttp.ClientSession() as session:
        answer = await WebhookClient(session, dead, timeout_seconds=5).send_text("KEY1", "x")
    assert answer.kind == wecom.UNREACHABLE


async def test_a_robot_without_a_key_is_reported_and_nothing_is_claimed(db_path, stub, clock):
    subscribe(open_db(db_path), "grid1")
    results, db = await push(db_path, stub, clock, keys={})
    assert results["grid1"].status == "no_key" and "WECOM_ROBOT_GRID1" in results["grid1"].detail
    assert push_log.get(db, wecom.CHANNEL, "grid1", TODAY) is None and stub.requests == []


@pytest.mark.parametrize("name, variable", [("grid1", "WECOM_ROBOT_GRID1"), ("east-gate", "WECOM_ROBOT_EAST_GATE")])
def test_keys_come_from_the_environment(name, variable):
    assert wecom.env_name(name) == variable
    assert wecom.robot_keys([name, "other"], {variable: " k-123 "}) == {name: "k-123"}


def test_config_robots_get_a_subscription_once(tmp_path):
    db = open_db(tmp_path / "sync.db")
    settings = RobotSettings()
    assert wecom.sync_subscriptions(db, ["grid1", "grid2"], settings) == ["grid1", "grid2"]
    subscriptions.deactivate(db, wecom.CHANNEL, "grid2")
    assert wecom.sync_subscriptions(db, ["grid1", "grid2"], settings) == []
    assert not subscriptions.get(db, wecom.CHANNEL, "grid2").active  # stays off until --reactivate
    assert subscriptions.get(db, wecom.CHANNEL, "grid1").send_time == "09:00"


def test_settings_come_from_config():
    from bot.config import Config

    s = RobotSettings.from_config(Config())
    assert (s.base_url, s.per_minute, s.text_bytes, s.rate_limit_wait_seconds) == (
        "https://qyapi.weixin.qq.com", 20, 2048, 65.0)
    assert s.claim_lease_seconds == 600 and timedelta(minutes=s.grace_minutes) == timedelta(hours=3)
