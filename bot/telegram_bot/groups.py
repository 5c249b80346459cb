"""Group handlers: quiet unless addressed (an @mention of the bot, or a reply to it); in guardian
mode, a brief warning under a message that is very likely a scam.

Guardian mode needs the bot to see ordinary group messages: make it a group admin, or turn its
privacy mode off with @BotFather (/setprivacy). Otherwise Telegram only delivers commands,
mentions and replies to the bot.
"""

from __future__ import annotations

import re

from telegram import Message, MessageEntity, Update
from telegram.ext import filters

from bot.telegram_bot import texts
from bot.telegram_bot.context import CHANNEL, BotContext
from bot.telegram_bot.render import deep_link, link
from bot.telegram_bot.sending import send_reply
from storage import subscriptions


class AddressedToBot(filters.MessageFilter):
    """A message that @mentions this bot or replies to one of its messages."""

    def filter(self, message: Message) -> bool:
        bot = message.get_bot()
        replied = message.reply_to_message
        if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
            return True
        mention = f"@{bot.username}".lower()
        kinds = [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]
        found = {**message.parse_entities(kinds), **message.parse_caption_entities(kinds)}
        return any(
            (entity.type == MessageEntity.MENTION and value.lower() == mention)
            or (entity.type == MessageEntity.TEXT_MENTION and entity.user is not None and entity.user.id == bot.id)
            for entity, value in found.items()
        )


ADDRESSED = AddressedToBot(name="AddressedToBot")


def without_mention(text: str, bot_username: str) -> str:
    """The message with "@bot" taken out (the resident's words are what the dialogue needs)."""
    return re.sub(re.escape("@" + bot_username), " ", text, flags=re.IGNORECASE).strip()


async def addressed_message(update: Update, context: BotContext) -> None:
    """Answer a group message addressed to the bot, quoting it, with a link to continue in private."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    text = without_mention(message.text or message.caption or "", context.bot.username)
    service = context.services.service
    reply = service.handle_text(CHANNEL, user.id, text) if text else service.command(CHANNEL, user.id, "help")
    footer = link(deep_link(context.bot.username), texts.localize(texts.PRIVATE_LINK, reply.traditional))
    await send_reply(context.bot, message.chat_id, reply, buttons=False, footer_html=footer, quote=message)


async def guardian_message(update: Update, context: BotContext) -> None:
    """In guardian mode, warn briefly under a group message that is very likely a scam."""
    message = update.effective_message
    if message is None:
        return
    services = context.services
    settings = subscriptions.get(services.db, CHANNEL, str(message.chat_id))
    if settings is None or not settings.guardian:
        return
    reply = services.dialogue.guardian(message.text or message.caption or "",
                                       services.config.telegram.guardian_threshold)
    if reply is None:
        return
    label = texts.localize(texts.GUARDIAN_LINK, reply.traditional)
    footer = link(deep_link(context.bot.username, f"g_{reply.top_type}" if reply.top_type else ""), label)
    await send_reply(context.bot, message.chat_id, reply, buttons=False, footer_html=footer, quote=message)
