"""Transport-agnostic, paced, exactly-once delivery of the day's warnings.

The broadcaster takes an iterable of :class:`Delivery` (consumed lazily, so 10,000 groups never
sit in memory at once) and a :class:`Sender` that performs one send and reports what happened as
an :data:`Outcome`. It never imports a transport: the Telegram adapter lives in
``bot/telegram_bot/push.py`` and maps PTB's exceptions onto these outcomes.

Per delivery: claim in the ledger (the decision to send) → wait for a pacing slot → send →
record. Limits:

* globally, one send per ``(1 + headroom) / rate`` seconds — a token bucket of capacity one, so
  there are no bursts — and, as a hard guard, never more than ``rate`` sends starting within any
  ``1 + headroom`` seconds (a late-woken worker waits rather than bunching up), so no 1-second
  window at the server holds more than ``rate`` even with tens of milliseconds of jitter;
* per chat, at most ``per_chat_per_minute`` sends in any 60 seconds (re-sends after a migration
  or a retry count too);
* ``max_in_flight`` worker tasks at most — never a gather over every group.

RetryAfter pauses every worker; network errors back off exponentially per delivery. All waiting
goes through an injectable :class:`Clock`, so tests run on virtual time and never really sleep.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import math
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Protocol, Union

log = logging.getLogger(__name__)
# Float slack for "has that instant come": a wait computed as a difference of two instants
# can land a hair short of its target, and must not turn into an endless string of tiny waits.
EPSILON = 1e-6


# --- outcomes a Sender reports ---------------------------------------------------------------

@dataclass(frozen=True)
class Sent:
    """Delivered."""


@dataclass(frozen=True)
class RetryAfter:
    """Flood control: nothing was delivered; wait `seconds` before sending anything."""

    seconds: float


@dataclass(frozen=True)
class Forbidden:
    """The bot was removed from, or blocked by, the chat: stop sending there."""

    reason: str = ""


@dataclass(frozen=True)
class Migrated:
    """The group became a supergroup with a new id; nothing was delivered to the old id."""

    new_target: str


@dataclass(frozen=True)
class NetworkError:
    """The call failed in transport (timeout, connection); retried with backoff."""

    reason: str = ""


@dataclass(frozen=True)
class Rejected:
    """Any other refusal (chat not found, bad request): final for today."""

    reason: str = ""


Outcome = Union[Sent, RetryAfter, Forbidden, Migrated, NetworkError, Rejected]


class Sender(Protocol):
    """One send to one target; implemented per transport."""

    async def send(self, target: str, text: str) -> Outcome:
        """Send `text` to `target` and report the outcome (exceptions are for bugs only)."""
        ...


class Ledger(Protocol):
    """Where claims and their ends are recorded (storage.push_log.PushLedger implements it)."""

    def claim(self, target: str, local_date: str, case_id: str, stale_before: datetime | None = None) -> bool: ...
    def touch(self, target: str, local_date: str) -> None: ...
    def mark_sent(self, target: str, local_date: str) -> None: ...
    def mark_failed(self, target: str, local_date: str, error: str) -> None: ...
    def release(self, target: str, local_date: str, error: str) -> None: ...
    def deactivate(self, target: str) -> None: ...
    def migrate(self, old_target: str, new_target: str) -> None: ...


# --- clocks ------------------------------------------------------------------------------------

class Clock(Protocol):
    """Wall time for the ledger and schedule, monotonic time and sleep for pacing."""

    def now(self) -> datetime: ...
    def monotonic(self) -> float: ...
    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """Current UTC time."""
        return datetime.now(timezone.utc)

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back."""
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        """Really wait."""
        await asyncio.sleep(max(0.0, seconds))


class ManualClock:
    """Virtual time for tests: sleeps return instantly, in the order real time would wake them.

    Sleepers register their wake-up time; a driver task lets every runnable task run until it
    waits again, then fires the earliest timer and jumps the clock to it — one timer at a time,
    so a woken task always sees its own wake-up time. Time advances exactly as far as the code
    under test waits.
    """

    SETTLE = 10  # event-loop turns a woken task gets before the next timer fires

    def __init__(self, start: datetime):
        self._start = start
        self._mono = 0.0
        self._seq = itertools.count()
        self._timers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._driver: asyncio.Task[None] | None = None

    def now(self) -> datetime:
        """Virtual UTC time."""
        return self._start + timedelta(seconds=self._mono)

    def monotonic(self) -> float:
        """Virtual seconds since the clock was made."""
        return self._mono

    def advance(self, seconds: float) -> None:
        """Jump forward (e.g. to model downtime between two runs)."""
        self._mono += seconds

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` of virtual time."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()
        heapq.heappush(self._timers, (self._mono + max(0.0, seconds), next(self._seq), fut))
        if self._driver is None or self._driver.done():
            self._driver = loop.create_task(self._drive())
        try:
            await fut
        finally:
            fut.cancel()  # no-op when done; marks a cancelled sleeper's timer as dead

    async def _drive(self) -> None:
        while True:
            for _ in range(self.SETTLE):
                await asyncio.sleep(0)
            while self._timers and self._timers[0][2].done():
                heapq.heappop(self._timers)
            if not self._timers:
                return
            when, _, fut = heapq.heappop(self._timers)
            self._mono = max(self._mono, when)
            fut.set_result(None)


# --- pacing ------------------------------------------------------------------------------------

class Pacer:
    """Global spacing (capacity-one token bucket), per-chat window, and RetryAfter pauses.

    A slot is reserved synchronously (no await between reading and advancing the next free
    slot), so concurrent workers get distinct, evenly spaced slots.
    """

    def __init__(self, rate_per_second: float, per_chat_per_minute: int, clock: Clock,
                 headroom: float = 0.02):
        self.interval = (1.0 + headroom) / rate_per_second
        self.per_chat = per_chat_per_minute
        self.clock = clock
        # Guard on the instants sends actually start: a worker woken late (the event loop was
        # busy) must not bunch up with the on-time ones, so at most floor(rate) - 1 sends may
        # start within any (1 + headroom) seconds, whatever the slots said. The one spare is
        # for a message delayed on its way (a 300 ms stall was measured on a loaded machine):
        # a single late arrival can then never make a server-side second exceed the limit.
        self.window = 1.0 + headroom
        self._started: deque[float] = deque(maxlen=max(1, math.floor(rate_per_second) - 1))
        self._next = -math.inf
        self._paused_until = -math.inf
        # Ramp: after an idle spell the first second of sends is paced at half rate. Early
        # requests of a burst reach the server late (new connections, a loop busy firing the
        # minute's jobs); at full rate the on-time ones behind them would catch up and crowd
        # one server-side second.
        self.ramp = max(1, math.floor(rate_per_second) // 2)  # half the rate for one second
        self._ramp_left = 0
        self._last_slot = -math.inf
        self._chats: dict[str, deque[float]] = {}
        self._since_prune = 0

    def pause(self, seconds: float) -> None:
        """Hold every send for `seconds` (Telegram's RetryAfter applies to the whole bot)."""
        self._paused_until = max(self._paused_until, self.clock.monotonic() + seconds)

    def _chat_ready_at(self, target: str, now: float) -> float:
        sends = self._chats.get(target)
        if not sends:
            return now
        while sends and sends[0] <= now - 60.0 + EPSILON:
            sends.popleft()
        return sends[0] + 60.0 if len(sends) >= self.per_chat else now

    def _prune(self, now: float) -> None:
        # Keep the per-chat map to the chats of the last minute (≤ rate × 60 entries).
        self._since_prune += 1
        if self._since_prune >= 1000:
            self._since_prune = 0
            for chat in [c for c, s in self._chats.items() if not s or s[-1] <= now - 60.0]:
                del self._chats[chat]

    async def acquire(self, target: str) -> None:
        """Wait until a send to `target` is allowed, and count it."""
        while True:
            now = self.clock.monotonic()
            chat_at = self._chat_ready_at(target, now)
            if chat_at > max(now, self._paused_until):
                await self.clock.sleep(chat_at - now)  # without holding a global slot
                continue
            at = max(now, self._next, self._paused_until)
            if at - self._last_slot >= self.window:
                self._ramp_left = self.ramp
            self._last_slot = at
            self._ramp_left = max(0, self._ramp_left - 1)
            self._next = at + self.interval * (2 if self._ramp_left else 1)
            # Count the chat's send now, before waiting, so concurrent workers see it.
            sends = self._chats.setdefault(target, deque())
            sends.append(at)
            if at > now:
                await self.clock.sleep(at - now)
            if at < self._paused_until:  # a RetryAfter arrived while we waited: slot void
                if at in sends:
                    sends.remove(at)
                continue
            await self._window_guard()
            self._prune(at)
            return

    async def _window_guard(self) -> None:
        while True:
            now = self.clock.monotonic()
            full = len(self._started) == self._started.maxlen
            if not full or now - self._started[0] >= self.window - EPSILON:
                self._started.append(now)
                return
            await self.clock.sleep(max(EPSILON, self._started[0] + self.window - now))


# --- the broadcast -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Delivery:
    """One group's warning for one local date."""

    target: str
    local_date: str
    case_id: str
    text: str


@dataclass(frozen=True)
class BroadcastSettings:
    """Limits and retry policy (filled from scheduler.settings.SchedulerSettings)."""

    rate_per_second: float = 30.0
    per_chat_per_minute: int = 20
    max_retries: int = 5
    max_in_flight: int = 16
    headroom: float = 0.02
    backoff_base_seconds: float = 1.0
    backoff_max_seconds: float = 60.0
    claim_lease_seconds: float = 600.0


@dataclass
class Report:
    """What a broadcast did (counts only, so memory stays flat)."""

    sent: int = 0
    already_claimed: int = 0
    forbidden: int = 0
    migrated: int = 0
    rejected: int = 0
    released: int = 0
    retry_after: int = 0
    network_errors: int = 0
    errors: int = 0
    released_targets: list[str] = field(default_factory=list)
    migrations: list[tuple[str, str]] = field(default_factory=list)  # (old id, new id)
    removed_targets: list[str] = field(default_factory=list)  # Forbidden: subscription deactivated

    def merge(self, other: "Report") -> None:
        """Add another report's counts to this one."""
        for name in ("sent", "already_claimed", "forbidden", "migrated", "rejected", "released",
                     "retry_after", "network_errors", "errors"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.released_targets.extend(other.released_targets)
        self.migrations.extend(other.migrations)
        self.removed_targets.extend(other.removed_targets)


class Broadcaster:
    """Sends deliveries through a Sender, paced, recording each in the Ledger exactly once."""

    def __init__(self, sender: Sender, ledger: Ledger, settings: BroadcastSettings | None = None,
                 clock: Clock | None = None, pacer: Pacer | None = None):
        self.sender = sender
        self.ledger = ledger
        self.settings = settings or BroadcastSettings()
        self.clock = clock or SystemClock()
        # A pacer may be shared across broadcasts (e.g. successive minutes' batches) so that
        # back-to-back runs together still respect the rate.
        self.pacer = pacer or Pacer(self.settings.rate_per_second, self.settings.per_chat_per_minute,
                                    self.clock, self.settings.headroom)

    async def run(self, deliveries: Iterable[Delivery]) -> Report:
        """Deliver everything in `deliveries` with at most ``max_in_flight`` concurrent sends."""
        report = Report()
        items = iter(deliveries)

        async def worker() -> None:
            # The iterator is shared: next() never awaits, so each item goes to one worker.
            for item in items:
                await self._deliver(item, report)

        async with asyncio.TaskGroup() as group:
            for _ in range(max(1, self.settings.max_in_flight)):
                group.create_task(worker())
        return report

    def _backoff(self, attempt: int) -> float:
        s = self.settings
        return min(s.backoff_max_seconds, s.backoff_base_seconds * 2 ** (attempt - 1))

    async def _deliver(self, item: Delivery, report: Report) -> None:
        s, ledger = self.settings, self.ledger
        stale_before = self.clock.now() - timedelta(seconds=s.claim_lease_seconds)
        if not ledger.claim(item.target, item.local_date, item.case_id, stale_before=stale_before):
            report.already_claimed += 1  # sent, failed, or being sent by someone else
            return
        target, failures, floods, moves, in_call = item.target, 0, 0, 0, False
        try:
            while True:
                await self.pacer.acquire(target)
                if failures or floods:
                    ledger.touch(target, item.local_date)  # renew the lease before a retry
                in_call = True
                try:
                    outcome = await self.sender.send(target, item.text)
                except Exception:  # a bug in the sender: delivery unknown, so keep the claim
                    log.exception("push: sender failed for %s", target)
                    report.errors += 1
                    return
                in_call = False
                if isinstance(outcome, Sent):
                    ledger.mark_sent(target, item.local_date)
                    report.sent += 1
                    return
                if isinstance(outcome, Forbidden):
                    ledger.mark_failed(target, item.local_date, f"forbidden: {outcome.reason}")
                    ledger.deactivate(target)
                    report.forbidden += 1
                    report.removed_targets.append(target)
                    return
                if isinstance(outcome, Migrated) and moves < 2:
                    # The claim moves with the group's push log, so the new id is still ours.
                    ledger.migrate(target, outcome.new_target)
                    report.migrations.append((target, outcome.new_target))
                    target, moves = outcome.new_target, moves + 1
                    report.migrated += 1
                    continue
                if isinstance(outcome, RetryAfter):
                    report.retry_after += 1
                    floods += 1
                    self.pacer.pause(outcome.seconds)
                    if floods <= s.max_retries and outcome.seconds < s.claim_lease_seconds / 2:
                        continue
                    self._release(target, item, f"flood control: retry after {outcome.seconds}s", report)
                    return
                if isinstance(outcome, NetworkError):
                    report.network_errors += 1
                    failures += 1
                    if failures <= s.max_retries:
                        await self.clock.sleep(self._backoff(failures))
                        continue
                    self._release(target, item, f"network: {outcome.reason}", report)
                    return
                reason = outcome.reason if isinstance(outcome, Rejected) else f"migrated again: {outcome}"
                ledger.mark_failed(target, item.local_date, reason)
                report.rejected += 1
                return
        except asyncio.CancelledError:
            # Stopped before the HTTP call: certainly not delivered, give the day back. Stopped
            # during it: unknown, so the claim stays and is resumed after its lease.
            if not in_call:
                ledger.release(target, item.local_date, "stopped before sending")
            raise

    def _release(self, target: str, item: Delivery, why: str, report: Report) -> None:
        self.ledger.release(target, item.local_date, why)
        report.released += 1
        report.released_targets.append(target)
        log.warning("push: %s not sent for %s (%s); released for a later retry", target, item.local_date, why)


def max_in_window(times: list[float], window: float = 1.0) -> int:
    """Most events in any half-open window of `window` seconds (how rate limits are checked)."""
    times, best, lo = sorted(times), 0, 0
    for hi in range(len(times)):
        while times[hi] - times[lo] >= window:
            lo += 1
        best = max(best, hi - lo + 1)
    return best
