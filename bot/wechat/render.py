"""A dialogue Reply → one WeChat text message within the byte budget.

WeChat has no buttons, so options become numbered lines ("回复 1 我已经转账了") and the
resident answers with the digit (ChatService maps it back to the option). A reply longer than
the budget is cut by the dialogue's own pager: page one goes out now with 「更多」 as option 1,
the rest waits in the user's state and 「更多」 returns it without re-running the matcher.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from bot.console import numbered_options
from bot.conversation import OPT_MORE, Option, Reply


class Pager(Protocol):
    """The ChatService method that keeps the rest of a long reply for 「更多」."""

    def paginate(self, channel: str, user_id: str, reply: Reply, byte_budget: int) -> Reply: ...


def size(text: str) -> int:
    """Length in UTF-8 bytes (WeChat's unit)."""
    return len(text.encode("utf-8"))


def plain(reply: Reply) -> str:
    """Blocks, then the numbered options."""
    options = numbered_options(reply)
    return reply.text + (f"\n\n{options}" if options else "")


def trim(text: str, budget: int) -> str:
    """`text` cut to at most `budget` UTF-8 bytes without splitting a character (last resort)."""
    return text.encode("utf-8")[:budget].decode("utf-8", "ignore")


def fit(reply: Reply, budget: int, pager: Pager, channel: str, user_id: str) -> str:
    """The text to send for `reply`: whole if it fits, else its first page with 「更多」.

    The pager reserves room for its own hint, not for our numbered lines, so the page budget
    starts narrowed by the numbered lines the page will carry ("回复 1 更多" first) and, should
    the page still overflow, by the overflow (a safety net; one round is the norm).
    """
    text = plain(reply)
    if size(text) <= budget:
        return text
    if reply.kind == "more":  # already a page of an earlier cut; re-cutting would drop the rest
        return trim(text, budget)
    with_more = replace(reply, options=(Option(OPT_MORE, "更多"),) + reply.options)
    page_budget = budget - size("\n\n" + numbered_options(with_more))
    for _ in range(6):
        page = pager.paginate(channel, user_id, reply, page_budget)
        text = plain(page)
        over = size(text) - budget
        if over <= 0:
            return text
        page_budget -= over
    return trim(text, budget)
