"""企业微信 group-robot push (消息推送, formerly 群机器人) of the daily warning.

A robot lives in one *internal* WeCom group (community workers, 网格员, volunteers), who forward
the warning into residents' groups by hand — no bot can post there. A subscription targets a
robot by name: ``storage.subscriptions`` row (channel ``wecom``, target = the name); the webhook
key, a bearer credential, only ever comes from the environment (``WECOM_ROBOT_<NAME>``).

Per robot and local date, exactly one warning, across restarts and concurrent runs: the push
log is claimed before the first request and marked after the last (``storage.push_log``). The
rest follows WeCom's limits:

* text longer than ``text_bytes`` goes out as several messages, cut at sentence ends;
* at most ``per_minute`` (20) requests per robot in any rolling 60 seconds;
* errcode 45009 (too fast) → wait out the window (65 s) and retry, at most ``max_retries``;
* errcode 93000 (invalid webhook) and kin → the subscription is marked inactive;
* a connection that fails before the request is sent is retried; a timeout *after* it was sent
  is not (delivery unknown: at most once beats a duplicate) and is recorded as failed.

All waiting goes through a scheduler Clock, so tests run on virtual time.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

import aiohttp
import sqlite_utils

from bot.config import Config
from bot.paging import split_pages
from scheduler.daily import case_for
from bot.wechat.forward import forwardable
from knowledge.cases import Case, CaseLibrary
from scheduler import schedule
from scheduler.broadcast import Clock, SystemClock
from storage import push_log, subscriptions
from storage.subscriptions import Subscription

log = logging.getLogger(__name__)

CHANNEL = "wecom"
ENV_PREFIX = "WECOM_ROBOT_"
RATE_LIMITED = frozenset({45009})  # "api freq out of limit"
# 93000: invalid webhook URL / key (the robot was removed or its key reset). 93004 (robot
# disabled) and 93008 (robot not in the group) are from WeCom's general error-code list; none
# of them can succeed later today, and all mean someone has to set the robot up again.
INVALID_KEY = frozenset({93000, 93004, 93008})


def env_name(robot: str) -> str:
    """The environment variable holding `robot`'s webhook key: WECOM_ROBOT_<NAME>."""
    return ENV_PREFIX + robot.upper().replace("-", "_")


def robot_keys(names: Sequence[str], environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """name → webhook key, for the names whose variable is set (keys are never logged)."""
    environ = os.environ if environ is None else environ
    out = {}
    for name in names:
        key = environ.get(env_name(name), "").strip()
        if key:
            out[name] = key
    return out


@dataclass(frozen=True)
class RobotSettings:
    """Limits and policy (from the [wechat] and [scheduler] sections)."""

    base_url: str = "https://qyapi.weixin.qq.com"
    text_bytes: int = 2048
    per_minute: int = 20
    window_seconds: float = 60.0
    rate_limit_wait_seconds: float = 65.0
    max_retries: int = 3
    timeout_seconds: float = 10.0
    backoff_seconds: float = 5.0  # connection failures wait 5, 10, 20 … seconds
    grace_minutes: int = 180  # a send missed by more than this is left for tomorrow
    no_repeat_days: int = 60
    claim_lease_seconds: float = 600.0  # a claim older than this without a result is a crashed run's
    default_time: str = "09:00"
    default_timezone: str = "Asia/Shanghai"

    @classmethod
    def from_config(cls, config: Config) -> "RobotSettings":
        """Settings from a loaded configuration."""
        w, s = config.wechat, config.scheduler
        return cls(base_url=w.wecom_base_url, text_bytes=w.wecom_text_bytes, per_minute=w.wecom_per_minute,
                   rate_limit_wait_seconds=w.wecom_rate_limit_wait_seconds, max_retries=w.wecom_max_retries,
                   timeout_seconds=w.wecom_timeout_seconds, grace_minutes=s.catch_up_grace_minutes,
                   no_repeat_days=s.no_repeat_days, claim_lease_seconds=float(s.claim_lease_seconds),
                   default_time=s.default_time, default_timezone=s.default_timezone)


# --- pacing ------------------------------------------------------------------------------------

class RollingWindow:
    """At most `limit` requests per robot in any `window` seconds of the clock."""

    def __init__(self, limit: int, window: float, clock: Clock):
        self.limit = limit
        self.window = window
        self.clock = clock
        self._sent: dict[str, deque[float]] = {}

    async def acquire(self, robot: str) -> None:
        """Wait until `robot` may send, and count the send."""
        sent = self._sent.setdefault(robot, deque())
        while True:
            now = self.clock.monotonic()
            while sent and sent[0] <= now - self.window:
                sent.popleft()
            if len(sent) < self.limit:
                sent.append(now)
                return
            await self.clock.sleep(sent[0] + self.window - now)


# --- one request -------------------------------------------------------------------------------

OK, RATE, INVALID, REJECTED, UNREACHABLE, UNKNOWN = "ok", "rate_limited", "invalid_key", "rejected", "unreachable", "unknown"


@dataclass(frozen=True)
class Answer:
    """How one webhook request ended. UNREACHABLE: certainly not delivered; UNKNOWN: maybe."""

    kind: str
    detail: str = ""


class WebhookClient:
    """POSTs text messages to ``<base_url>/cgi-bin/webhook/send?key=KEY``."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, timeout_seconds: float = 10.0):
        self.session = session
        self.url = base_url.rstrip("/") + "/cgi-bin/webhook/send"
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)

    async def send_text(self, key: str, content: str) -> Answer:
        """One text message; WeCom's errcode (or the transport failure) as an Answer."""
        payload = {"msgtype": "text", "text": {"content": content}}
        try:
            async with self.session.post(self.url, params={"key": key}, json=payload, timeout=self.timeout) as resp:
                if resp.status >= 500:
                    return Answer(UNREACHABLE, f"HTTP {resp.status}")
                if resp.status != 200:
                    return Answer(REJECTED, f"HTTP {resp.status}")
                data = await resp.json(content_type=None)
        except aiohttp.ClientConnectorError as exc:  # no connection made: nothing was sent
            return Answer(UNREACHABLE, type(exc).__name__)
        except (asyncio.TimeoutError, aiohttp.ClientError, ValueError) as exc:
            return Answer(UNKNOWN, type(exc).__name__)
        code = data.get("errcode") if isinstance(data, dict) else None
        message = str(data.get("errmsg", ""))[:200] if isinstance(data, dict) else ""
        if code == 0:
            return Answer(OK)
        if code in RATE_LIMITED:
            return Answer(RATE, f"errcode {code} {message}")
        if code in INVALID_KEY:
            return Answer(INVALID, f"errcode {code} {message}")
        return Answer(REJECTED, f"errcode {code} {message}")


# --- the day's push ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Plan:
    """One robot's warning for its latest send slot, and whether it is due."""

    sub: Subscription
    day: date
    state: str  # due, done (sent or failed), in_flight, not_yet (subscribed after the slot), late, no_case
    case: Case | None
    parts: tuple[str, ...]
    has_key: bool


@dataclass
class Result:
    """What happened to one robot in a run."""

    robot: str
    day: str
    status: str  # sent, already, no_key, invalid_key, released, failed, unknown, late, not_due, no_case
    requests: int = 0
    detail: str = ""


@dataclass
class RobotPusher:
    """Sends each due robot its warning, paced, exactly once per local date."""

    db: sqlite_utils.Database
    library: CaseLibrary
    settings: RobotSettings
    keys: Mapping[str, str]
    client: WebhookClient | None = None  # None: planning only (dry run)
    clock: Clock = field(default_factory=SystemClock)
    window: RollingWindow | None = None

    def __post_init__(self) -> None:
        if self.window is None:
            self.window = RollingWindow(self.settings.per_minute, self.settings.window_seconds, self.clock)

    def plan(self, now: datetime | None = None) -> list[Plan]:
        """Every active robot subscription's latest slot, classified (reads only)."""
        now = now or self.clock.now()
        lease = timedelta(seconds=self.settings.claim_lease_seconds)
        plans = []
        for sub in subscriptions.active(self.db, CHANNEL):
            day, instant = schedule.last_send(now, sub.send_time, sub.timezone)
            row = push_log.get(self.db, CHANNEL, sub.target, day)
            case = case_for(self.db, self.library, CHANNEL, sub.target, day, sub.topics, self.settings.no_repeat_days)
            parts = tuple(split_pages(forwardable(case, sub.script), self.settings.text_bytes)) if case else ()
            if row is not None and row.status in push_log.FINAL:
                state = "done"
            elif row is not None and row.status == push_log.CLAIMED and row.claimed_at >= _iso(now - lease):
                state = "in_flight"
            elif sub.subscribed_at and sub.subscribed_at > _iso(instant):
                state = "not_yet"
            elif now - instant > timedelta(minutes=self.settings.grace_minutes):
                state = "late"
            elif case is None:
                state = "no_case"
            else:
                state = "due"
            plans.append(Plan(sub, day, state, case, parts, sub.target in self.keys))
        return plans

    async def run(self, now: datetime | None = None) -> list[Result]:
        """Deliver every due robot's warning (robots in parallel, each robot's parts in order)."""
        plans = self.plan(now)
        skipped = [Result(p.sub.target, str(p.day), {"done": "already", "in_flight": "already", "not_yet": "not_due"}.get(p.state, p.state))
                   for p in plans if p.state != "due"]
        sent = await asyncio.gather(*(self.deliver(p) for p in plans if p.state == "due"))
        return skipped + list(sent)

    async def deliver(self, plan: Plan) -> Result:
        """Claim the day for this robot, send every part, record the outcome."""
        robot, day, s = plan.sub.target, str(plan.day), self.settings
        result = Result(robot, day, "sent")
        key = self.keys.get(robot)
        if not key:
            log.error("wecom: no webhook key for robot %s (set %s)", robot, env_name(robot))
            result.status, result.detail = "no_key", f"{env_name(robot)} is not set"
            return result
        assert plan.case is not None
        now = self.clock.now()
        stale_before = now - timedelta(seconds=s.claim_lease_seconds)
        if not push_log.claim(self.db, CHANNEL, robot, day, plan.case.id, now=now, stale_before=stale_before):
            result.status = "already"
            return result
        delivered = 0
        for part in plan.parts:
            attempts = 0
            while True:
                assert self.window is not None
                await self.window.acquire(robot)
                if attempts:
                    push_log.touch(self.db, CHANNEL, robot, day, now=self.clock.now())  # renew the lease
                assert self.client is not None, "a RobotPusher without a client can only plan"
                answer = await self.client.send_text(key, part)
                result.requests += 1
                if answer.kind == OK:
                    delivered += 1
                    break
                if answer.kind == INVALID:
                    push_log.mark_failed(self.db, CHANNEL, robot, day, f"invalid key: {answer.detail}")
                    subscriptions.deactivate(self.db, CHANNEL, robot)
                    log.error("wecom: robot %s has an invalid webhook key (%s); subscription deactivated", robot, answer.detail)
                    result.status, result.detail = "invalid_key", answer.detail
                    return result
                if answer.kind in (RATE, UNREACHABLE) and attempts < s.max_retries:
                    attempts += 1
                    wait = s.rate_limit_wait_seconds if answer.kind == RATE else s.backoff_seconds * 2 ** (attempts - 1)
                    log.warning("wecom: robot %s: %s; retry %d in %.0f s", robot, answer.detail, attempts, wait)
                    await self.clock.sleep(wait)
                    continue
                return self._give_up(result, day, delivered, answer)
        push_log.mark_sent(self.db, CHANNEL, robot, day, now=self.clock.now())
        log.info("wecom: robot %s got the warning for %s (%d message(s))", robot, day, delivered)
        return result

    def _give_up(self, result: Result, day: str, delivered: int, answer: Answer) -> Result:
        robot = result.robot
        if answer.kind in (RATE, UNREACHABLE) and delivered == 0:
            # Certainly not delivered: give the day back so a later run may try again.
            push_log.release(self.db, CHANNEL, robot, day, f"{answer.kind}: {answer.detail}")
            result.status = "released"
        elif answer.kind == UNKNOWN:
            push_log.mark_failed(self.db, CHANNEL, robot, day, f"delivery unknown ({answer.detail}); not retried")
            result.status = "unknown"
        else:
            push_log.mark_failed(self.db, CHANNEL, robot, day,
                                 f"{answer.kind}: {answer.detail}; {delivered} of the day's messages delivered")
            result.status = "failed"
        result.detail = answer.detail
        log.warning("wecom: robot %s: %s for %s (%s)", robot, result.status, day, answer.detail)
        return result


def _iso(instant: datetime) -> str:
    """The push log's and subscriptions' timestamp format (UTC, seconds)."""
    return instant.astimezone(timezone.utc).isoformat(timespec="seconds")


def sync_subscriptions(db: sqlite_utils.Database, names: Sequence[str], settings: RobotSettings) -> list[str]:
    """Give every robot named in config a subscription (default time and zone) if it has none.

    An existing row is left alone — in particular one deactivated for an invalid key stays
    inactive until an operator re-enables it (``fanzha wechat push --reactivate NAME``).
    """
    created = []
    for name in names:
        if subscriptions.get(db, CHANNEL, name) is None:
            subscriptions.subscribe(db, CHANNEL, name, by="config", send_time=settings.default_time,
                                    timezone=settings.default_timezone)
            created.append(name)
    return created
