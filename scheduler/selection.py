"""Which case a group gets on a date: topic filter, no repeats, rotation across scam types.

Pure and deterministic for (group, date, history): ties are broken by a stable SHA-256 of the
group, date and candidate (never Python's per-process salted ``hash()``), so ``fanzha push
--dry-run`` shows exactly what the job will send. History on or after the date itself is
ignored, so the choice for a day does not change once that day's push has been logged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta

from knowledge.cases import Case, CaseLibrary


def stable_rank(*parts: object) -> int:
    """A 64-bit number from `parts` that is the same in every process and on every machine."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def last_sent(history: Iterable[tuple[date, str]], before: date) -> dict[str, date]:
    """case id → the latest date (strictly before `before`) the group received it."""
    out: dict[str, date] = {}
    for day, case_id in history:
        if day < before and (case_id not in out or day > out[case_id]):
            out[case_id] = day
    return out


def select_case(
    library: CaseLibrary,
    group: str,
    day: date,
    history: Iterable[tuple[date, str]],
    topics: Sequence[str] = (),
    no_repeat_days: int = 60,
) -> Case | None:
    """The case `group` gets on `day`, or None when its topics match no usable case.

    :param history: (local date, case id) of earlier pushes to this group, any order.
    :param topics: the group's filter (type ids, sub-kinds, tags or Chinese names); empty = all.

    Rules, in order: only cases matching the topics; never yesterday's case; never a case sent
    within `no_repeat_days` — unless the filter leaves too few cases, when the one sent longest
    ago is reused. Among what remains, the scam type this group has gone longest without comes
    first, so types rotate; within a type, again the least recently sent case.
    """
    pool = library.for_topics(topics)
    seen = last_sent(history, day)
    yesterday = day - timedelta(days=1)
    pool = [c for c in pool if seen.get(c.id) != yesterday]
    if not pool:
        return None
    window_start = day - timedelta(days=no_repeat_days)
    fresh = [c for c in pool if seen.get(c.id, date.min) <= window_start]
    if fresh:
        return _rotate(fresh, group, day, seen, library)
    # A narrow filter (fewer cases than no_repeat_days): repeat the stalest case rather than
    # send nothing; yesterday's case is already excluded above.
    return min(pool, key=lambda c: (seen[c.id], stable_rank(group, day, c.id)))


def _rotate(candidates: list[Case], group: str, day: date, seen: Mapping[str, date],
            library: CaseLibrary) -> Case:
    """The type least recently sent (over all of history) first, then its stalest case."""
    type_last: dict[str, date] = {}
    for case in library.cases:
        when = seen.get(case.id)
        if when is not None and when > type_last.get(case.type, date.min):
            type_last[case.type] = when
    types = {c.type for c in candidates}
    chosen_type = min(types, key=lambda t: (type_last.get(t, date.min), stable_rank(group, day, t)))
    in_type = [c for c in candidates if c.type == chosen_type]
    return min(in_type, key=lambda c: (seen.get(c.id, date.min), stable_rank(group, day, c.id)))
