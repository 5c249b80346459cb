"""Private-chat handlers: a resident's messages and button presses go to the conversation core."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.telegram_bot import texts
from bot.telegram_bot.context import CHANNEL, BotContext
from bot.telegram_bot.errors import quietly
from bot.telegram_bot.flood import Flood
from bot.telegram_bot.render import escape
from bot.telegram_bot.sending import send_reply, send_text


async def flood_gate(update: Update, context: BotContext) -> None:
    """Stop a flooding user's message here: one friendly notice per window, then silence."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    verdict = context.services.flood.check(user.id)
    if verdict is Flood.OK:
        return
    if verdict is Flood.NOTICE:
        notice = texts.localize(texts.FLOOD, texts.wants_traditional(user.language_code))
        await send_text(context.bot, message.chat_id, escape(notice))
    raise ApplicationHandlerStop


async def text_message(update: Update, context: BotContext) -> None:
    """Answer a text, a caption or a forwarded message with the dialogue's reply."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    text = message.text or message.caption or ""
    reply = context.services.service.handle_text(CHANNEL, user.id, text)
    await send_reply(context.bot, message.chat_id, reply)


async def non_text_message(update: Update, context: BotContext) -> None:
    """Ask for words when a message has none (sticker, voice, photo without caption...)."""
    message, user = update.effective_message, update.effective_user
    if message is None:
        return
    traditional = texts.wants_traditional(user.language_code if user else None)
    await send_text(context.bot, message.chat_id, escape(texts.localize(texts.NON_TEXT, traditional)))


async def option_button(update: Update, context: BotContext) -> None:
    """Continue the conversation from a pressed option button."""
    query, chat = update.callback_query, update.effective_chat
    if query is None or chat is None:
        return
    # Every query is answered, even with nothing to show, so the button stops spinning.
    await quietly(query.answer())
    reply = context.services.service.handle_option(CHANNEL, query.from_user.id, query.data or "")
    # The old buttons go: the new reply carries the options that make sense now.
    if query.message is not None and query.message.is_accessible:
        await quietly(query.edit_message_reply_markup(reply_markup=None))
    await send_reply(context.bot, chat.id, reply, buttons=chat.type == chat.PRIVATE)
