"""Which case a target gets on a local date: the one already logged for it, else a fresh choice.

The choice itself is the scheduler's (scheduler.selection: topic filter, no repeats, rotation
across types); this only adds "what was logged for that day wins", so a restart, a retry or a
dry run the same day always names the same case.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import sqlite_utils

from knowledge.cases import Case, CaseLibrary
from scheduler.selection import select_case
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
