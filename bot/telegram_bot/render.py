"""Reply → Telegram messages: HTML with every user-derived character escaped, inline buttons,
and splitting below Telegram's 4096-character limit on paragraph or sentence ends.

Pure functions (no network), so every rule here is tested without a server.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.conversation import Option, Reply
from bot.paging import split_pages

TELEGRAM_LIMIT = 4096
# Below the limit with room to spare: Telegram counts some characters (emoji) twice.
CHUNK_CHARS = 3900
# Replies whose first paragraph is the verdict line: it is shown in bold.
BOLD_FIRST = frozenset({"verdict", "urgent", "guardian", "clarify"})
# Labels up to this many characters share a row, two per row; longer ones get a row of their own.
SHORT_LABEL = 7
_CALLBACK_LIMIT = 64  # bytes of callback_data Telegram accepts
_START_PAYLOAD = re.compile(r"[^A-Za-z0-9_-]")


@dataclass(frozen=True)
class Outgoing:
    """One Telegram message: HTML text and optional inline keyboard."""

    html: str
    markup: InlineKeyboardMarkup | None = None


def escape(text: str) -> str:
    """Escape text for parse_mode=HTML (quotes need no escaping outside attributes)."""
    return html.escape(text, quote=False)


def link(url: str, label: str) -> str:
    """An HTML link with both parts escaped."""
    return f'<a href="{html.escape(url, quote=True)}">{escape(label)}</a>'


def deep_link(bot_username: str, payload: str = "") -> str:
    """https://t.me/<bot>?start=<payload>; the payload is cut to Telegram's allowed set and 64 chars."""
    clean = _START_PAYLOAD.sub("", payload)[:64]
    return f"https://t.me/{bot_username}" + (f"?start={clean}" if clean else "")


def split_text(text: str, limit: int = CHUNK_CHARS) -> list[str]:
    """Cut plain text into messages of at most `limit` characters, between paragraphs or sentences."""
    return [chunk for chunk in split_pages(text, limit, unit="chars") if chunk.strip()] or [text]


@lru_cache(maxsize=512)
def option_keyboard(options: tuple[Option, ...]) -> InlineKeyboardMarkup | None:
    """One button per option (callback_data = option id); short labels two to a row.

    Cached: replies offer the same few option sets over and over, and building PTB objects is
    a measurable part of a reply's cost (the markup is immutable, so sharing it is safe).
    """
    rows: list[list[InlineKeyboardButton]] = []
    pair: list[InlineKeyboardButton] = []
    for option in options:
        if not 0 < len(option.id.encode("utf-8")) <= _CALLBACK_LIMIT:
            continue  # Telegram would refuse the whole message; an unusable option is dropped
        button = InlineKeyboardButton(option.label, callback_data=option.id)
        if len(option.label) > SHORT_LABEL:
            if pair:
                rows.append(pair)
                pair = []
            rows.append([button])
        else:
            pair.append(button)
            if len(pair) == 2:
                rows.append(pair)
                pair = []
    if pair:
        rows.append(pair)
    return InlineKeyboardMarkup(rows) if rows else None


def render_reply(reply: Reply, buttons: bool = True, footer_html: str = "") -> list[Outgoing]:
    """A Reply as one or more messages; buttons (and `footer_html`, already HTML) go on the last."""
    chunks = split_text(reply.text)
    bold = reply.blocks[0] if reply.blocks and reply.kind in BOLD_FIRST else ""
    htmls = [_chunk_html(chunk, bold if i == 0 else "") for i, chunk in enumerate(chunks)]
    if footer_html:
        htmls[-1] += "\n\n" + footer_html
    markup = option_keyboard(tuple(reply.options)) if buttons else None
    return [Outgoing(h, markup if i == len(htmls) - 1 else None) for i, h in enumerate(htmls)]


def _chunk_html(chunk: str, bold_prefix: str) -> str:
    if bold_prefix and chunk.startswith(bold_prefix):
        return f"<b>{escape(bold_prefix)}</b>{escape(chunk[len(bold_prefix):])}"
    return escape(chunk)
