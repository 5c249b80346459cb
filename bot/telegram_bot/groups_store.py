"""Group subscription changes made from Telegram; every change re-schedules that group's push.

The one place the channel writes subscriptions, so no handler can forget `push.reschedule`.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram.ext import Application

from bot.telegram_bot import push
from bot.telegram_bot.context import CHANNEL, SERVICES_KEY, Services
from storage import subscriptions
from storage.subscriptions import Subscription

logger = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def _services(application: AnyApplication) -> Services:
    return application.bot_data[SERVICES_KEY]  # type: ignore[no-any-return]


def settings_of(application: AnyApplication, chat_id: int) -> Subscription | None:
    """The group's subscription row (active or not), None if it never had one."""
    return subscriptions.get(_services(application).db, CHANNEL, str(chat_id))


def subscribe_group(application: AnyApplication, chat_id: int, by: str, send_time: str, timezone: str,
                    title: str = "") -> Subscription:
    """Subscribe (or re-activate) a group at `send_time`, keeping its other settings."""
    sub = subscriptions.subscribe(_services(application).db, CHANNEL, str(chat_id), by=by,
                                  send_time=send_time, timezone=timezone, title=title)
    push.reschedule(application, chat_id)
    logger.info("group %s subscribed at %s %s", chat_id, send_time, timezone)
    return sub


def change_group(application: AnyApplication, chat_id: int, **changes: object) -> Subscription:
    """Change a group's settings (send_time, topics, script, guardian...), creating its row if needed."""
    db = _services(application).db
    subscriptions.ensure_settings_row(db, CHANNEL, str(chat_id))
    sub = subscriptions.update(db, CHANNEL, str(chat_id), **changes)
    push.reschedule(application, chat_id)
    logger.info("group %s settings changed: %s", chat_id, ", ".join(sorted(changes)))
    return sub  # type: ignore[return-value]


def deactivate_group(application: AnyApplication, chat_id: int) -> bool:
    """Stop the group's daily push (unsubscribed, bot removed, bot blocked); True if it was active."""
    changed = subscriptions.deactivate(_services(application).db, CHANNEL, str(chat_id))
    push.reschedule(application, chat_id)
    if changed:
        logger.info("group %s subscription deactivated", chat_id)
    return changed


def migrate_group(application: AnyApplication, old_id: int, new_id: int) -> bool:
    """A group became a supergroup: move its subscription to the new chat id."""
    moved = subscriptions.migrate(_services(application).db, CHANNEL, str(old_id), str(new_id))
    if moved:
        push.reschedule(application, old_id)
        push.reschedule(application, new_id)
        logger.info("group %s migrated to %s", old_id, new_id)
    return moved
