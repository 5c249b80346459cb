"""Concurrent update processing keeps each chat in order (issue 4)."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.telegram_bot.processing import ChatOrderedProcessor
from tests.support.bot_api_objects import User, message, private_chat
from tests.support.telegram_fixtures import resident


def update(chat_id: int, update_id: int) -> Update:
    user = User(id=chat_id)
    return Update.de_json({"update_id": update_id, "message": message(private_chat(user), user, "x")}, None)


async def test_chats_run_concurrently_but_each_chat_in_order():
    processor = ChatOrderedProcessor(8)
    done: list[str] = []
    release = asyncio.Event()

    async def work(name: str, wait: bool = False) -> None:
        if wait:
            await release.wait()
        done.append(name)

    async with processor:
        first = asyncio.create_task(processor.process_update(update(1, 1), work("chat1-a", wait=True)))
        second = asyncio.create_task(processor.process_update(update(1, 2), work("chat1-b")))
        other = asyncio.create_task(processor.process_update(update(2, 3), work("chat2")))
        await other  # another chat is not held up by chat 1's slow update
        assert done == ["chat2"]
        release.set()
        await asyncio.gather(first, second)
    assert done == ["chat2", "chat1-a", "chat1-b"]


async def test_one_residents_quick_messages_are_answered_in_order(tg):
    alice = resident(4001)
    names = ["杀猪盘", "刷单", "养老", "公检法", "中奖"]
    for name in names:
        tg.api.send_text(private_chat(alice), alice, f"/type {name}")
    replies = await tg.api.next_messages(alice.id, len(names))
    # Each reply opens with the type's name: 「杀猪盘」是什么 …
    firsts = [r.text.split("\n", 1)[0] for r in replies]
    assert all(name in first for name, first in zip(names, firsts)), firsts


