"""Sending a rendered Reply: one or more messages, buttons on the last, the first one quoting."""

from __future__ import annotations

from telegram import Bot, Message, ReplyParameters

from bot.conversation import Reply
from bot.telegram_bot.render import render_reply


async def send_reply(bot: Bot, chat_id: int, reply: Reply, *, buttons: bool = True,
                     footer_html: str = "", quote: Message | None = None) -> list[Message]:
    """Send `reply` to `chat_id` (HTML, split below 4096 characters); quote `quote` if given."""
    sent: list[Message] = []
    for i, part in enumerate(render_reply(reply, buttons=buttons, footer_html=footer_html)):
        reply_to = (ReplyParameters(quote.message_id, allow_sending_without_reply=True)
                    if quote is not None and i == 0 else None)
        sent.append(await bot.send_message(chat_id, part.html, reply_markup=part.markup,
                                           reply_parameters=reply_to))
    return sent


async def send_text(bot: Bot, chat_id: int, html_text: str, quote: Message | None = None) -> Message:
    """Send one short HTML message (channel phrases); quote `quote` if given."""
    reply_to = ReplyParameters(quote.message_id, allow_sending_without_reply=True) if quote else None
    return await bot.send_message(chat_id, html_text, reply_parameters=reply_to)
