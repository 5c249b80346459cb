"""ChatService: what every channel calls. Loads a user's state, runs the dialogue, stores the result.

Channels pass their own user id; it is hashed before anything is stored. Raw message text is
never stored: a question row keeps the verdict, type, stage and red-flag ids, and the text only
when the user has agreed, and then redacted (phone, ID-card, bank-card numbers removed).
"""

from __future__ import annotations

import threading
from datetime import datetime, timezone

import sqlite_utils

from bot.conversation import (OPT_HELPFUL, OPT_KEEP_TEXT, OPT_NOT_THIS, OPT_UNHELPFUL,
                              ConversationState, Reply)
from bot.dialogue import Dialogue
from knowledge.identifiers import redact
from storage import conversations
from storage.db import now_iso, user_key

FEEDBACK_OPTIONS = {OPT_HELPFUL: "up", OPT_UNHELPFUL: "down", OPT_NOT_THIS: "not_this"}


class ChatService:
    """Thread-safe facade over Dialogue + storage for one process."""

    def __init__(self, dialogue: Dialogue, db: sqlite_utils.Database):
        self.dialogue = dialogue
        self.db = db
        self._lock = threading.Lock()
        # The last question text per user, in memory only, so that a later "keep my text" consent
        # can store it (redacted). Never written to disk without consent.
        self._last_text: dict[str, str] = {}

    # -- public API used by channels

    def handle_text(self, channel: str, user_id: str | int, text: str) -> Reply:
        """Reply to a free-text message from a user.

        On channels without buttons, options are shown as numbered lines; a bare digit that
        names one of the last reply's options selects it.
        """
        key = user_key(channel, user_id)
        digit = text.strip() if isinstance(text, str) else ""
        if digit.isdigit() and len(digit) <= 2:
            with self._lock:
                options = self._load(key).last_options
            if 1 <= int(digit) <= len(options):
                return self.handle_option(channel, user_id, options[int(digit) - 1])
        with self._lock:
            state = self._load(key)
            reply, state = self.dialogue.handle(state, text)
            if reply.kind in ("verdict", "clarify", "urgent"):
                state.last_question_id = self._log_question(key, channel, state, text)
                self._last_text[key] = text
            self._save(key, state, reply)
        return reply

    def handle_option(self, channel: str, user_id: str | int, option_id: str) -> Reply:
        """Reply to a pressed button / chosen numbered option."""
        key = user_key(channel, user_id)
        with self._lock:
            state = self._load(key)
            if option_id in FEEDBACK_OPTIONS:
                self._log_feedback(key, channel, state, FEEDBACK_OPTIONS[option_id])
            if option_id == OPT_KEEP_TEXT:
                self._keep_text(key, channel, state)
            reply, state = self.dialogue.choose(state, option_id)
            self._save(key, state, reply)
        return reply

    def command(self, channel: str, user_id: str | int, name: str, arg: str = "") -> Reply:
        """Reply to a command (start, help, types, type, privacy, tips, case)."""
        key = user_key(channel, user_id)
        with self._lock:
            state = self._load(key)
            reply, state = self.dialogue.command(state, name, arg)
            self._save(key, state, reply)
        return reply

    def paginate(self, channel: str, user_id: str | int, reply: Reply, byte_budget: int) -> Reply:
        """Cut `reply` (just given to this user) to one page; the rest waits for 「更多」.

        For channels with a size limit (WeChat: 2000 bytes). The returned page's options, with
        「更多」 first, become the user's numbered options. Calling it again for the same reply
        (with a smaller budget) simply re-cuts it.
        """
        key = user_key(channel, user_id)
        with self._lock:
            state = self._load(key)
            page = self.dialogue.paginate(state, reply, byte_budget)
            # The rest waits in the stored state, and replies quote the resident's own words:
            # mask identifiers there (phone, ID-card, bank-card, QQ/WeChat ids) as in any stored text.
            state.pages = [redact(p) for p in state.pages]
            self._save(key, state, page)
        return page

    def forget(self, channel: str, user_id: str | int) -> int:
        """Delete everything stored about this user (/forget, WeChat unsubscribe)."""
        key = user_key(channel, user_id)
        with self._lock:
            self._last_text.pop(key, None)
            return conversations.forget(self.db, key)

    # -- storage

    def _load(self, key: str) -> ConversationState:
        return ConversationState.from_json(conversations.load(self.db, key))

    def _save(self, key: str, state: ConversationState, reply: Reply) -> None:
        state.last_options = [o.id for o in reply.options]
        conversations.save(self.db, key, state.to_json())

    def _log_question(self, key: str, channel: str, state: ConversationState, text: str) -> int:
        day = datetime.now(timezone.utc).date().isoformat()
        row = {
            "user_key": key, "channel": channel, "day": day, "created_at": now_iso(),
            "verdict": state.last_verdict, "top_type": state.last_type, "subkind": state.last_subkind,
            "confidence": state.evidence, "stage": state.last_stage,
            "signals": ",".join(state.last_signals),
            "text_redacted": redact(text)[:1000] if state.keep_text else None,
        }
        # Hot path: plain SQL (sqlite-utils' insert introspects the table on every call).
        with self.db.conn:
            cursor = self.db.conn.execute(
                f"insert into questions ({', '.join(row)}) values ({', '.join('?' * len(row))})",
                list(row.values()))
        return int(cursor.lastrowid or 0)

    def _log_feedback(self, key: str, channel: str, state: ConversationState, kind: str) -> None:
        text = self._last_text.get(key)
        self.db["feedback"].insert({
            "user_key": key, "channel": channel, "created_at": now_iso(), "kind": kind,
            "verdict": state.last_verdict, "top_type": state.last_type, "subkind": state.last_subkind,
            "text_redacted": redact(text)[:1000] if (text and state.keep_text) else None,
        })

    def _keep_text(self, key: str, channel: str, state: ConversationState) -> None:
        """The user agreed: remember consent and store their last question, redacted."""
        state.keep_text = True
        self.db["users"].upsert({"key": key, "channel": channel, "keep_text": 1,
                                 "created_at": now_iso(), "updated_at": now_iso()}, pk="key")
        text = self._last_text.get(key)
        if text and state.last_question_id:
            self.db["questions"].update(state.last_question_id, {"text_redacted": redact(text)[:1000]})
