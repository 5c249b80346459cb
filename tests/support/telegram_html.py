"""Telegram's HTML parse mode, checked the way the Bot API checks it (for the fake Bot API server).

`visible_text(html)` returns what a resident would see, or raises `HtmlError` with Telegram's
wording ("can't parse entities: ...") for markup Telegram would refuse: an unknown tag, an
unclosed or mismatched tag, a bare ``<`` or ``&``. Sending unescaped user text is the classic way
a bot breaks, so the fake server refuses it exactly as Telegram does.
"""

from __future__ import annotations

import re

# Tags Telegram accepts in parse_mode=HTML (https://core.telegram.org/bots/api#html-style).
ALLOWED_TAGS = frozenset({
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
    "a", "tg-emoji", "code", "pre", "blockquote", "tg-time",
})
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*)?)\s*>")
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class HtmlError(ValueError):
    """Markup Telegram refuses; the message is Telegram's description."""


def _entity(match: re.Match[str]) -> str:
    name = match.group(1)
    if name in _NAMED:
        return _NAMED[name]
    return chr(int(name[2:], 16) if name.startswith("#x") else int(name[1:]))


def _refused(what: str, html: str | None = None, pos: int = 0, tail: str = "") -> HtmlError:
    """Telegram's wording: what is wrong, and where (byte offset) when it points at a place."""
    where = f" at byte offset {len(html[:pos].encode('utf-8'))}" if html is not None else ""
    return HtmlError(f"Bad Request: can't parse entities: {what}{where}{tail}")


def visible_text(html: str) -> str:
    """The text Telegram shows for `html` (parse_mode=HTML); HtmlError if Telegram would refuse it."""
    out: list[str] = []
    stack: list[str] = []
    pos = 0
    while pos < len(html):
        ch = html[pos]
        if ch == "<":
            tag = _TAG.match(html, pos)
            if not tag:
                raise _refused('Unexpected end tag or bare "<"', html, pos)
            closing, name = tag.group(1) == "/", tag.group(2).lower()
            if name not in ALLOWED_TAGS:
                raise _refused(f'Unsupported start tag "{name}"', html, pos)
            if closing:
                if not stack or stack[-1] != name:
                    expected = stack[-1] if stack else ""
                    raise _refused("Unmatched end tag", html, pos, f', expected "</{expected}>", found "</{name}>"')
                stack.pop()
            else:
                stack.append(name)
            pos = tag.end()
        elif ch == "&":
            entity = _ENTITY.match(html, pos)
            if not entity:
                raise _refused("Character entity expected", html, pos)
            out.append(_entity(entity))
            pos = entity.end()
        elif ch == ">":
            # Telegram tolerates a bare ">" but well-behaved senders escape it; accept it as text.
            out.append(ch)
            pos += 1
        else:
            nxt = min((i for i in (html.find("<", pos), html.find("&", pos), html.find(">", pos)) if i >= 0),
                      default=len(html))
            out.append(html[pos:nxt])
            pos = nxt
    if stack:
        raise _refused(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out)


def telegram_length(text: str) -> int:
    """Length as Telegram counts it for the 4096 limit (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2
