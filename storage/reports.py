"""Read-only queries behind the maintainers' reports (`fanzha review`, `fanzha stats`).

Everything returned is plain data. Texts are the redacted copies residents agreed to keep;
nothing here can return more than the database holds, and it holds no raw message.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlite_utils

# Why a question is in the review queue.
UNSURE, LOW_CONFIDENCE, NO_MATCH, DOWN, NOT_THIS = "unsure", "low_confidence", "no_match", "down", "not_this"


@dataclass
class ReviewItem:
    """One question a maintainer should look at, with every reason it is in the queue."""

    question_id: int | None
    user_key: str
    day: str
    verdict: str
    top_type: str
    subkind: str
    confidence: float | None
    signals: tuple[str, ...]
    text: str | None  # redacted, and only if the resident agreed to keep it
    reasons: set[str] = field(default_factory=set)


def _item(row: dict, reason: str) -> ReviewItem:
    signals = tuple(s for s in (row.get("signals") or "").split(",") if s)
    return ReviewItem(question_id=row.get("id"), user_key=row["user_key"] or "",
                      day=row.get("day") or (row.get("created_at") or "")[:10],
                      verdict=row.get("verdict") or "", top_type=row.get("top_type") or "",
                      subkind=row.get("subkind") or "", confidence=row.get("confidence"),
                      signals=signals, text=row.get("text_redacted") or None, reasons={reason})


def _question_reason(row: dict, min_confidence: float) -> str | None:
    if row["verdict"] == "unsure":
        return UNSURE
    if row["verdict"] == "not_scam":
        return NO_MATCH
    if row["confidence"] is None or row["confidence"] < min_confidence:
        return LOW_CONFIDENCE
    return None


def review_items(db: sqlite_utils.Database, since: str, min_confidence: float) -> list[ReviewItem]:
    """Unsure, low-confidence and unmatched questions, and questions with negative feedback, since a day.

    :param since: ``YYYY-MM-DD`` (UTC); questions asked and feedback given on or after it.
    :param min_confidence: a "scam" answer below this confidence counts as low-confidence.

    Negative feedback (👎, 不是这种情况) is attached to the question it was about: the user's
    latest question at or before the press. A question is listed once, whatever the reasons.
    """
    items: dict[int, ReviewItem] = {}
    for row in db.query("select * from questions where day >= ? order by id", [since]):
        reason = _question_reason(row, min_confidence)
        if reason:
            items[row["id"]] = _item(row, reason)
    orphans: list[ReviewItem] = []
    feedback_sql = """
        select f.*, (select q.id from questions q
                     where q.user_key = f.user_key and q.created_at <= f.created_at
                     order by q.created_at desc, q.id desc limit 1) as question_id
        from feedback f where f.kind in (?, ?) and f.created_at >= ? order by f.id"""
    for fb in db.query(feedback_sql, [DOWN, NOT_THIS, since]):
        qid = fb["question_id"]
        if qid is not None and qid not in items:
            rows = list(db.query("select * from questions where id = ?", [qid]))
            if rows:
                items[qid] = _item(rows[0], fb["kind"])
        if qid is not None and qid in items:
            item = items[qid]
            item.reasons.add(fb["kind"])
            item.text = item.text or fb["text_redacted"] or None
        else:  # the question has been purged (or predates the log): the feedback row stands alone
            orphans.append(_item({**fb, "id": None, "signals": ""}, fb["kind"]))
    return list(items.values()) + orphans


def _rows(db: sqlite_utils.Database, sql: str, params: list | None = None) -> list[dict]:
    return [dict(r) for r in db.query(sql, params or [])]


def usage_stats(db: sqlite_utils.Database, since: str) -> dict[str, list[dict]]:
    """Usage figures since a day (``YYYY-MM-DD``, UTC), one list of rows per section.

    Sections: per_day, per_type, verdicts, feedback, subscriptions (current state, not dated),
    pushes (push log rows by channel and status, by the groups' local date).
    """
    verdict_cols = ("sum(verdict = 'scam') as scam, sum(verdict = 'unsure') as unsure, "
                    "sum(verdict = 'not_scam') as not_scam")
    return {
        "per_day": _rows(db, f"select day, count(*) as questions, count(distinct user_key) as people, {verdict_cols} "
                             "from questions where day >= ? group by day order by day", [since]),
        "per_type": _rows(db, f"select coalesce(nullif(top_type, ''), '-') as type, count(*) as questions, {verdict_cols} "
                              "from questions where day >= ? group by 1 order by questions desc, type", [since]),
        "verdicts": _rows(db, "select verdict, count(*) as questions, round(100.0 * count(*) / "
                              "(select count(*) from questions where day >= ?), 1) as percent "
                              "from questions where day >= ? group by verdict order by questions desc",
                          [since, since]),
        "feedback": _rows(db, "select kind, count(*) as presses from feedback where created_at >= ? "
                              "group by kind order by kind", [since]),
        "subscriptions": _rows(db, "select channel, sum(active = 1) as active, sum(active != 1) as inactive "
                                   "from subscriptions group by channel order by channel"),
        "pushes": _rows(db, "select channel, status, count(*) as warnings from push_log where local_date >= ? "
                            "group by channel, status order by channel, status", [since]),
    }


def distinct_people(db: sqlite_utils.Database, since: str) -> int:
    """How many residents (hashed keys) asked at least one question since a day."""
    rows = list(db.query("select count(distinct user_key) as n from questions where day >= ?", [since]))
    return int(rows[0]["n"])
