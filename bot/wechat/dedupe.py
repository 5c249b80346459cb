"""WeChat's 5-second, 3-retry rule, handled by idempotency.

WeChat drops a callback after 5 s and sends the same message again (up to three times); an
answer of ``success`` means "nothing to say" and stops the retries. So each message (key: its
MsgId; events: sender + time + event) gets one shared task. Whoever asks for it — the first
delivery or a retry — waits at most the deadline; past it they answer ``success`` and the task
keeps running, so the next retry picks up the finished answer. The dialogue runs once.

Finished answers are kept for `ttl` seconds (WeChat's retries span ~15 s) and at most
`max_entries` of them, oldest dropped first, so memory stays bounded under any traffic.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class _Entry(Generic[T]):
    task: asyncio.Future[T]
    created: float


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What a caller gets: the answer if it was ready in time (`ready`), and whether it joined."""

    ready: bool
    value: T | None = None
    joined: bool = False  # an earlier delivery of the same message had started the work


class AnswerBook(Generic[T]):
    """One in-flight answer per message key, kept for the retries."""

    def __init__(self, ttl: float = 300.0, max_entries: int = 10000,
                 clock: Callable[[], float] = time.monotonic):
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, _Entry[T]] = OrderedDict()
        self.started = 0  # answers computed (for tests and the bench)
        self.joins = 0  # deliveries that found their answer already started (retries, duplicates)

    def __len__(self) -> int:
        return len(self._entries)

    async def answer(self, key: str, start: Callable[[], Awaitable[T]], deadline: float) -> Outcome[T]:
        """The answer for `key`, starting it with `start()` unless a delivery already did.

        Waits at most `deadline` seconds. Raises what the computation raised (and forgets it,
        so WeChat's retry tries again).
        """
        now = self._clock()
        self._expire(now)
        entry = self._entries.get(key)
        joined = entry is not None
        if joined:
            self.joins += 1
        else:
            entry = _Entry(asyncio.ensure_future(start()), now)
            entry.task.add_done_callback(lambda task, key=key: self._settled(key, task))
            self._entries[key] = entry
            self.started += 1
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        try:
            # shield: a timeout (or this request being cancelled) must not cancel the work.
            value = await asyncio.wait_for(asyncio.shield(entry.task), deadline)
        except asyncio.TimeoutError:
            return Outcome(ready=False, joined=joined)
        return Outcome(ready=True, value=value, joined=joined)

    def _settled(self, key: str, task: asyncio.Future[T]) -> None:
        if task.cancelled() or task.exception() is not None:
            # Retrieve the exception (no "never retrieved" warning) and let a retry start over.
            if self._entries.get(key) is not None and self._entries[key].task is task:
                del self._entries[key]
            if not task.cancelled():
                log.error("wechat: answering a message failed: %s", type(task.exception()).__name__)

    def _expire(self, now: float) -> None:
        while self._entries:
            key, entry = next(iter(self._entries.items()))
            if entry.created > now - self.ttl:
                break
            del self._entries[key]
