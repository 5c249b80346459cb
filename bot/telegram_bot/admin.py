"""Group admin commands: /subscribe [HH:MM], /unsubscribe, /settings, and the settings buttons.

Who may: the group's creator and administrators, checked with getChatMember when the command
arrives (admins change; a cached list would drift), plus anonymous admins posting as the group.
Anyone else gets a polite refusal and nothing changes.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus

from bot.telegram_bot import texts
from bot.telegram_bot.context import CHANNEL, BotContext
from bot.telegram_bot.errors import quietly
from bot.telegram_bot.group_settings import (Change, SettingsError, keyboard, parse_args, parse_button,
                                             parse_time, summary)
from bot.telegram_bot.groups_store import change_group, deactivate_group, settings_of, subscribe_group
from bot.telegram_bot.render import escape
from bot.telegram_bot.sending import send_text
from storage.db import user_key

ADMIN_STATUSES = (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)


async def is_group_admin(update: Update, context: BotContext, user_id: int) -> bool:
    """True if `user_id` is the chat's creator or an administrator right now."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None:
        return False
    if update.message is not None and message is not None and message.sender_chat is not None \
            and message.sender_chat.id == chat.id:
        return True  # an anonymous admin: only admins can post as the group itself
    member = await context.bot.get_chat_member(chat.id, user_id)
    return member.status in ADMIN_STATUSES


def _chat_id(update: Update) -> int:
    chat = update.effective_chat
    assert chat is not None  # admin handlers only run on updates from a chat
    return chat.id


def _traditional_group(context: BotContext, chat_id: int) -> bool:
    """True if the group chose 繁體 (its admin-facing texts follow the choice)."""
    sub = settings_of(context.application, chat_id)
    return sub is not None and sub.script == "hant"


async def _say(update: Update, context: BotContext, text: str,
               markup: InlineKeyboardMarkup | None = None) -> None:
    chat_id = _chat_id(update)
    html_text = escape(texts.localize(text, _traditional_group(context, chat_id)))
    await context.bot.send_message(chat_id, html_text, reply_markup=markup)


async def _admin_gate(update: Update, context: BotContext) -> bool:
    """Admin in a group: go on. Otherwise say why not and stop."""
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None or user is None or message is None:
        return False
    if chat.type == chat.PRIVATE:
        await send_text(context.bot, chat.id, escape(texts.GROUP_ONLY))
        return False
    if not await is_group_admin(update, context, user.id):
        await send_text(context.bot, chat.id, escape(texts.ADMIN_ONLY), quote=message)
        return False
    return True


def _subscribe(update: Update, context: BotContext, send_time: str | None = None) -> str:
    """Subscribe the chat at `send_time` (else its earlier time, else the default); the confirmation."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    scheduler = context.services.config.scheduler
    old = settings_of(context.application, chat.id)
    tz = old.timezone if old and old.timezone else scheduler.default_timezone
    send_time = send_time or (old.send_time if old and old.send_time else scheduler.default_time)
    subscribe_group(context.application, chat.id, by=user_key(CHANNEL, user.id), send_time=send_time,
                    timezone=tz, title=chat.title or "")
    return texts.SUBSCRIBED.format(time=send_time, tz=tz)


async def subscribe_command(update: Update, context: BotContext) -> None:
    """Subscribe the group to the daily warning: /subscribe [HH:MM] (admins only)."""
    if not await _admin_gate(update, context):
        return
    try:
        send_time = parse_time(context.args[0]) if context.args else None
    except SettingsError as exc:
        await _say(update, context, str(exc))
        return
    await _say(update, context, _subscribe(update, context, send_time))


async def unsubscribe_command(update: Update, context: BotContext) -> None:
    """Stop the group's daily warning (admins only)."""
    if not await _admin_gate(update, context):
        return
    stopped = deactivate_group(context.application, _chat_id(update))
    await _say(update, context, texts.UNSUBSCRIBED if stopped else texts.NOT_SUBSCRIBED)


async def settings_command(update: Update, context: BotContext) -> None:
    """Show or change the group's settings: /settings [time|topics|script|guardian value] (admins only)."""
    if not await _admin_gate(update, context):
        return
    try:
        change = parse_args(list(context.args or ()), context.services.brain.brain.catalogue)
    except SettingsError as exc:
        await _say(update, context, str(exc))
        return
    if change is not None:
        _apply(update, context, change)
    await _say(update, context, _summary(update, context), _keyboard(update, context))


async def settings_button(update: Update, context: BotContext) -> None:
    """Apply a settings button press (admins only; others get an alert and nothing changes)."""
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    if query is None or user is None or chat is None:
        return
    if not await is_group_admin(update, context, user.id):
        await quietly(query.answer(texts.ADMIN_ONLY_SHORT, show_alert=True))
        return
    await quietly(query.answer(texts.UPDATED))
    change = parse_button(query.data or "")
    if change is not None:
        _apply(update, context, change)
    text = escape(texts.localize(_summary(update, context), _traditional_group(context, chat.id)))
    await quietly(query.edit_message_text(text, reply_markup=_keyboard(update, context)))


def _apply(update: Update, context: BotContext, change: Change) -> None:
    chat_id = _chat_id(update)
    if change.field == "active":
        if change.value:
            _subscribe(update, context)
        else:
            deactivate_group(context.application, chat_id)
        return
    change_group(context.application, chat_id, **{change.field: change.value})


def _summary(update: Update, context: BotContext) -> str:
    scheduler = context.services.config.scheduler
    sub = settings_of(context.application, _chat_id(update))
    return summary(sub, context.services.brain.brain.catalogue, scheduler.default_time, scheduler.default_timezone)


def _keyboard(update: Update, context: BotContext) -> InlineKeyboardMarkup:
    return keyboard(settings_of(context.application, _chat_id(update)))
