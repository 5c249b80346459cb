"""The console channel: renders a Reply as plain text with numbered options."""

from __future__ import annotations

from bot.conversation import Reply


def numbered_options(reply: Reply, traditional: bool | None = None) -> str:
    """'回复 1 我已经转账了' lines for channels without buttons ('' when there are no options)."""
    if not reply.options:
        return ""
    word = "回覆" if (reply.traditional if traditional is None else traditional) else "回复"
    return "\n".join(f"{word} {n} {o.label}" for n, o in enumerate(reply.options, 1))


def render_plain(reply: Reply) -> str:
    """A reply as one plain-text message: blocks, then the numbered options."""
    options = numbered_options(reply)
    return reply.text + (f"\n\n{options}" if options else "")
