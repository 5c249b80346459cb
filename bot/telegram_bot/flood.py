"""Per-user flood control: too many messages in a short window get one notice, then silence.

Pure and deterministic: the clock is injected, so tests drive time by hand.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum


class Flood(Enum):
    """What to do with one incoming message."""

    OK = "ok"  # answer it
    NOTICE = "notice"  # send the one friendly notice, do not answer
    SILENT = "silent"  # notice already given in this window: say nothing


@dataclass
class _Window:
    accepted: deque[float] = field(default_factory=deque)
    noticed: bool = False


class FloodControl:
    """At most `limit` answered messages per user in any `window` seconds.

    Only answered messages count, so a user who keeps typing through the silence is answered
    again as soon as their oldest answered message leaves the window.
    """

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.window = window
        self.clock = clock
        self._users: dict[int, _Window] = {}
        self._sweep_at = 10_000  # user count that triggers dropping idle users

    def check(self, user_id: int) -> Flood:
        """Record a message from `user_id` and say how to treat it."""
        now = self.clock()
        state = self._users.setdefault(user_id, _Window())
        while state.accepted and state.accepted[0] <= now - self.window:
            state.accepted.popleft()
        if len(state.accepted) < self.limit:
            state.accepted.append(now)
            state.noticed = False
            self._forget_idle(now)
            return Flood.OK
        if state.noticed:
            return Flood.SILENT
        state.noticed = True
        return Flood.NOTICE

    def _forget_idle(self, now: float) -> None:
        # Keep memory bounded: drop users whose whole window has expired. Sweeping only when the
        # table has doubled keeps the cost per message constant on average.
        if len(self._users) < self._sweep_at:
            return
        idle = [u for u, s in self._users.items() if not s.accepted or s.accepted[-1] <= now - self.window]
        for user_id in idle:
            del self._users[user_id]
        self._sweep_at = max(10_000, 2 * len(self._users))
