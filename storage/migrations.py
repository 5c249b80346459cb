"""Schema migrations, applied in order by sqlite-utils' Migrations (idempotent).

Append new migrations at the end; never edit one that has shipped.
"""

from __future__ import annotations

import sqlite_utils
from sqlite_utils import Migrations

migrations = Migrations("fanzha")


@migrations()
def m001_conversations(db: sqlite_utils.Database) -> None:
    """Per-user dialogue state (JSON), keyed by hashed channel user id."""
    db["conversations"].create({"key": str, "state": str, "updated_at": str}, pk="key")


@migrations()
def m002_users(db: sqlite_utils.Database) -> None:
    """Per-user consent: keeping redacted question text is opt-in."""
    db["users"].create({"key": str, "channel": str, "keep_text": int, "created_at": str, "updated_at": str}, pk="key")


@migrations()
def m003_questions(db: sqlite_utils.Database) -> None:
    """One row per question answered: the verdict, never the raw text (text_redacted only with consent)."""
    db["questions"].create(
        {
            "id": int, "user_key": str, "channel": str, "day": str, "created_at": str,
            "verdict": str, "top_type": str, "subkind": str, "confidence": float, "stage": str,
            "signals": str, "text_redacted": str,
        },
        pk="id",
    )
    db["questions"].create_index(["day"])
    db["questions"].create_index(["user_key"])


@migrations()
def m004_feedback(db: sqlite_utils.Database) -> None:
    """Resident feedback on a reply (up / down / not_this)."""
    db["feedback"].create(
        {
            "id": int, "user_key": str, "channel": str, "created_at": str, "kind": str,
            "verdict": str, "top_type": str, "subkind": str, "text_redacted": str,
        },
        pk="id",
    )
    db["feedback"].create_index(["user_key"])


@migrations()
def m005_subscriptions(db: sqlite_utils.Database) -> None:
    """Daily-warning subscriptions: a Telegram group or a WeCom robot."""
    db["subscriptions"].create(
        {
            "channel": str, "target": str, "send_time": str, "timezone": str, "topics": str,
            "script": str, "guardian": int, "active": int, "subscribed_at": str,
            "subscribed_by": str, "updated_at": str, "title": str,
        },
        pk=("channel", "target"),
    )


@migrations()
def m006_push_log(db: sqlite_utils.Database) -> None:
    """One row per (channel, target, local date): the unique key makes a second push that day impossible."""
    db["push_log"].create(
        {
            "channel": str, "target": str, "local_date": str, "case_id": str, "status": str,
            "claimed_at": str, "sent_at": str, "error": str, "attempts": int,
        },
        pk=("channel", "target", "local_date"),
    )
    db["push_log"].create_index(["channel", "target", "case_id"])
