"""Errors: the one place that knows which Telegram errors are expected, and the error handler.

Expected errors (the bot was blocked or removed, a message is gone or unchanged, a callback query
expired, flood limits, a group upgraded) are part of normal life: logged briefly, with the
subscription fixed where that applies. Anything else is a bug: logged with its traceback and,
if `[telegram] operator_chat_id` is set, summarised to the operator. Residents' message text is
never logged or forwarded.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable
from typing import TypeVar

from telegram import Update
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.telegram_bot.context import BotContext
from bot.telegram_bot.groups_store import deactivate_group, migrate_group
from bot.telegram_bot.render import escape

logger = logging.getLogger(__name__)
T = TypeVar("T")

# BadRequest descriptions that only mean "that message or query is gone or unchanged".
STALE_MESSAGE = (
    "message is not modified", "message to edit not found", "message to delete not found",
    "message can't be edited", "message can't be deleted", "query is too old", "query id is invalid",
    "message to be replied not found", "replied message not found",
)
OPERATOR_SUMMARY_CHARS = 600
OPERATOR_QUIET_SECONDS = 60.0
OPERATOR_LAST_SENT_KEY = "operator_notified"  # bot_data: error type -> monotonic time of the last notice


def expected_error(error: BaseException | None) -> str | None:
    """A short name for a Telegram error the bot expects in normal operation; None for a bug."""
    if isinstance(error, Forbidden):
        return "forbidden"
    if isinstance(error, RetryAfter):
        return "retry_after"
    if isinstance(error, ChatMigrated):
        return "migrated"
    if isinstance(error, BadRequest):
        text = error.message.lower()
        return "stale_message" if any(p in text for p in STALE_MESSAGE) else None
    if isinstance(error, (TimedOut, NetworkError)):
        return "network"
    return None


async def quietly(call: Awaitable[T]) -> T | None:
    """Await a Telegram call whose expected failure is harmless (answering a query, removing buttons)."""
    try:
        return await call
    except TelegramError as exc:
        kind = expected_error(exc)
        if kind is None:
            raise
        logger.debug("ignored expected Telegram error (%s): %s", kind, exc)
        return None


def describe(update: object) -> str:
    """Where an error happened, without any user text: update kind and (group) chat id."""
    if not isinstance(update, Update):
        return "no update (job or polling)"
    kind = next((k for k in ("message", "edited_message", "callback_query", "my_chat_member")
                 if getattr(update, k, None) is not None), "update")
    chat = update.effective_chat
    if chat is None:
        return kind
    return f"{kind} in a private chat" if chat.type == chat.PRIVATE else f"{kind} in {chat.type} {chat.id}"


async def error_handler(update: object, context: BotContext) -> None:
    """Handle every error raised while processing updates or jobs."""
    error = context.error
    kind = expected_error(error)
    where = describe(update)
    chat = update.effective_chat if isinstance(update, Update) else None
    if kind == "forbidden" and chat is not None and chat.type != chat.PRIVATE:
        deactivate_group(context.application, chat.id)
    if kind == "migrated" and chat is not None and isinstance(error, ChatMigrated):
        migrate_group(context.application, chat.id, error.new_chat_id)
    if kind is not None:
        logger.warning("expected Telegram error (%s) on %s: %s", kind, where, error)
        return
    logger.error("unexpected error on %s", where, exc_info=error)
    await notify_operator(context, f"{type(error).__name__}: {error}", where)


async def notify_operator(context: BotContext, summary: str, where: str) -> None:
    """Send the operator chat a short escaped summary; failures here are only logged.

    At most one message per error type per OPERATOR_QUIET_SECONDS: a bug hit by every message
    must not flood the operator (the log still has every occurrence).
    """
    chat_id = context.services.config.telegram.operator_chat_id
    if not chat_id:
        return
    kind = summary.split(":", 1)[0]
    last_sent: dict[str, float] = context.bot_data.setdefault(OPERATOR_LAST_SENT_KEY, {})
    now = time.monotonic()
    if now - last_sent.get(kind, -OPERATOR_QUIET_SECONDS) < OPERATOR_QUIET_SECONDS:
        return
    last_sent[kind] = now
    text = f"⚠️ <b>fanzha error</b>\n{escape(summary[:OPERATOR_SUMMARY_CHARS])}\n<i>{escape(where)}</i>"
    try:
        await context.bot.send_message(chat_id, text)
    except TelegramError as exc:
        logger.warning("could not notify the operator chat: %s", exc)
