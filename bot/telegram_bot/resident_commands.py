"""Commands every resident can use: /start /help /types /type /case /privacy /forget.

In a private chat replies carry the dialogue's buttons; in a group they quote the command and
end with a link to continue in private, so the group stays quiet.
"""

from __future__ import annotations

import re
from dataclasses import replace

from telegram import Update

from bot.conversation import Reply
from bot.replies import FORGOTTEN
from bot.telegram_bot import texts
from bot.telegram_bot.commands import help_lines
from bot.telegram_bot.context import CHANNEL, BotContext
from bot.telegram_bot.render import deep_link, escape, link
from bot.telegram_bot.sending import send_reply, send_text

# /start payload from a guardian warning's deep link: "g_<scam type id>" opens that type.
_TYPE_PAYLOAD = re.compile(r"^g_([a-z][a-z0-9_]*)$")


async def answer(update: Update, context: BotContext, reply: Reply) -> None:
    """Send a command's reply the way the chat calls for (buttons in private, a link in groups)."""
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return
    if chat.type == chat.PRIVATE:
        await send_reply(context.bot, chat.id, reply)
        return
    footer = link(deep_link(context.bot.username), texts.PRIVATE_LINK)
    await send_reply(context.bot, chat.id, reply, buttons=False, footer_html=footer, quote=message)


def _command(update: Update, context: BotContext, name: str, arg: str = "") -> Reply:
    user = update.effective_user
    user_id = user.id if user else 0
    return context.services.service.command(CHANNEL, user_id, name, arg)


async def start_command(update: Update, context: BotContext) -> None:
    """Greet and say what the bot does; a guardian deep link opens the scam type it warned about."""
    payload = _TYPE_PAYLOAD.match(context.args[0]) if context.args else None
    reply = _command(update, context, "type", payload.group(1)) if payload else _command(update, context, "start")
    await answer(update, context, reply)


async def help_command(update: Update, context: BotContext) -> None:
    """How to use the bot, with the command list (admin commands too in groups)."""
    chat = update.effective_chat
    in_group = chat is not None and chat.type != chat.PRIVATE
    reply = _command(update, context, "help")
    extra = [texts.HELP_COMMANDS + "\n" + "\n".join(help_lines(include_admin=in_group))]
    extra.append(texts.HELP_GROUP if not in_group else texts.SETTINGS_USAGE)
    extra = [texts.localize(block, reply.traditional) for block in extra]
    await answer(update, context, replace(reply, blocks=reply.blocks + tuple(extra)))


async def types_command(update: Update, context: BotContext) -> None:
    """List the scam types (buttons open each one)."""
    await answer(update, context, _command(update, context, "types"))


async def type_command(update: Update, context: BotContext) -> None:
    """Explain one scam type: /type <id or 中文名>."""
    await answer(update, context, _command(update, context, "type", " ".join(context.args or ())))


async def case_command(update: Update, context: BotContext) -> None:
    """Today's warning case."""
    await answer(update, context, _command(update, context, "case"))


async def privacy_command(update: Update, context: BotContext) -> None:
    """What is stored, for how long, and how to delete it."""
    await answer(update, context, _command(update, context, "privacy"))


async def forget_command(update: Update, context: BotContext) -> None:
    """Delete everything stored about the user."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    removed = context.services.service.forget(CHANNEL, user.id)
    text = texts.localize(FORGOTTEN.format(n=removed), texts.wants_traditional(user.language_code))
    await send_text(context.bot, message.chat_id, escape(text),
                    quote=message if message.chat.type != message.chat.PRIVATE else None)


async def unknown_command(update: Update, context: BotContext) -> None:
    """An unknown /command in a private chat gets the help screen."""
    await help_command(update, context)
