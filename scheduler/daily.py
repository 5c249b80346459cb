"""The case of the day: which case a target gets on a local date, and the public case everyone sees.

`case_for` adds one rule to the scheduler's selection: what was already logged for that day
wins, so a restart, a retry or a dry run the same day always names the same case.

`TodaysWarning` is the public "case of the day" behind Telegram's /case and WeChat's 「今日预警」:
everyone asking on the same local date gets the same case. The day's choice is written to the
push log, which is how later days avoid repeating it and how a restart keeps the choice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta, timezone

import sqlite_utils

from knowledge.cases import Case, CaseLibrary
from knowledge.normalize import to_traditional
from scheduler import schedule
from scheduler.selection import select_case
from scheduler.warning import render_warning
from storage import push_log


def case_for(db: sqlite_utils.Database, library: CaseLibrary, channel: str, target: str, day: date,
             topics: Sequence[str] = (), no_repeat_days: int = 60) -> Case | None:
    """The case `target` gets on `day` (None when its topics match no case)."""
    row = push_log.get(db, channel, target, day)
    if row is not None and row.case_id:
        try:
            return library.by_id(row.case_id)
        except KeyError:
            pass  # removed from the library since: choose again
    since = day - timedelta(days=no_repeat_days + 1)
    return select_case(library, target, day, push_log.history(db, channel, target, since), topics, no_repeat_days)


CHANNEL = "daily_case"  # push-log channel recording the public case of each day
TARGET = "today"
FOOTER = "—— 转给家里人看看，一起防骗。"


def forwardable(case: Case, script: str = "hans") -> str:
    """The case's warning plus a footer that still reads well once forwarded, in `script`."""
    text = f"{render_warning(case)}\n\n{FOOTER}"
    return to_traditional(text) if script == "hant" else text


class TodaysWarning:
    """A callable for Dialogue(todays_case=...): today's warning text, or None if no case fits."""

    def __init__(self, db: sqlite_utils.Database, library: CaseLibrary, tz: str = "Asia/Shanghai",
                 no_repeat_days: int = 60, now: Callable[[], datetime] | None = None):
        self.db = db
        self.library = library
        self.tz = tz
        self.no_repeat_days = no_repeat_days
        self._now = now or (lambda: datetime.now(timezone.utc))
        self._cache: tuple[date, str | None] | None = None

    def __call__(self) -> str | None:
        day = schedule.local_date(self._now(), self.tz)
        if self._cache is not None and self._cache[0] == day:
            return self._cache[1]
        case = case_for(self.db, self.library, CHANNEL, TARGET, day, (), self.no_repeat_days)
        if case is None:
            return None
        # Record the day's choice once (claim is atomic; a second process just reads it back).
        if push_log.claim(self.db, CHANNEL, TARGET, day, case.id):
            push_log.mark_sent(self.db, CHANNEL, TARGET, day)
        text = forwardable(case)  # the dialogue converts it for a traditional-script asker
        self._cache = (day, text)
        return text
