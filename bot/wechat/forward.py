"""「今日预警」: today's warning as a passive reply, ready to forward into family groups.

An unverified 公众号 cannot push into residents' WeChat groups (nothing can, officially), so the
"forward kit" turns it around: a group admin or a grown-up child sends 「今日预警」 to the
account, gets today's case as one self-contained message, and forwards it by hand.

Everyone asking on the same local date gets the same case. The day's choice is written to the
shared push log (channel ``wechat_forward``), which is how later days avoid repeating it and how
a restart keeps the choice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timezone

import sqlite_utils

from bot.wechat.daily import case_for
from knowledge.cases import Case, CaseLibrary
from knowledge.normalize import to_traditional
from scheduler import schedule
from scheduler.warning import render_warning
from storage import push_log

CHANNEL = "wechat_forward"
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
