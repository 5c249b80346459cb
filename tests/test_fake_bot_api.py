"""The fake Bot API server itself: Telegram-shaped answers, errors and waiting (issue 4).

Other suites (Telegram scenarios, the daily push, benchmarks) rely on these behaviours.
"""

from __future__ import annotations

import asyncio
import json
import warnings
from datetime import timedelta

import aiohttp
import pytest
from telegram import Bot, ChatMember, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter

from tests.support.bot_api_objects import User, chat_member, group_chat, private_chat
from tests.support.fake_bot_api import FakeBotApi

ALICE = User(id=42, first_name="Alice")


@pytest.fixture
async def bot(fake_bot_api: FakeBotApi):
    async with Bot(fake_bot_api.token, base_url=fake_bot_api.base_url) as bot:
        yield bot


async def post(api: FakeBotApi, method: str, token: str | None = None, **kwargs) -> tuple[int, dict]:
    url = f"{api.base_url}{token or api.token}/{method}"
    async with aiohttp.ClientSession() as session, session.post(url, **kwargs) as response:
        return response.status, await response.json()


async def test_get_me_and_unknown_method(fake_bot_api, bot):
    assert bot.username == fake_bot_api.bot.username and bot.id == fake_bot_api.bot.id
    status, body = await post(fake_bot_api, "sendDice", json={"chat_id": 1})
    assert status == 400 and body["ok"] is False and body["error_code"] == 400 and body["description"]
    status, body = await post(fake_bot_api, "getMe", token="1:wrong")
    assert status == 401 and body["description"] == "Unauthorized"


async def test_json_and_form_parameters_are_equivalent(fake_bot_api):
    markup = {"inline_keyboard": [[{"text": "好", "callback_data": "ok"}]]}
    _, by_json = await post(fake_bot_api, "sendMessage", json={"chat_id": 7, "text": "123", "reply_markup": markup})
    _, by_form = await post(fake_bot_api, "sendMessage",
                            data={"chat_id": "7", "text": "123", "reply_markup": json.dumps(markup)})
    for body in (by_json, by_form):
        msg = body["result"]
        assert msg["text"] == "123" and msg["chat"]["id"] == 7 and msg["reply_markup"] == markup
        assert isinstance(msg["date"], int) and msg["from"]["is_bot"] is True
    assert [m.message_id for m in fake_bot_api.messages_to(7)] == [1, 2]


async def test_html_is_checked_like_telegram(fake_bot_api, bot):
    sent = await bot.send_message(1, "<b>粗体</b> &lt;ok&gt; <a href=\"https://t.me/x\">链接</a>", parse_mode="HTML")
    assert sent.text == "粗体 <ok> 链接"
    for bad in ("<script>x</script>", "a < b", "fish & chips", "<b>unclosed"):
        with pytest.raises(BadRequest, match="(?i)can't parse entities"):
            await bot.send_message(1, bad, parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await bot.send_message(1, "长" * 4097)
    with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
        await bot.send_message(1, "x", reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("x", callback_data="x" * 65)]]))


async def test_edits_and_not_modified(fake_bot_api, bot):
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("好", callback_data="ok")]])
    msg = await bot.send_message(5, "第一版", reply_markup=markup)
    await bot.edit_message_text("第二版", chat_id=5, message_id=msg.message_id)
    [sent] = fake_bot_api.messages_to(5)
    assert sent.text == "第二版" and sent.button_data == []  # editMessageText without markup drops it
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_text("第二版", chat_id=5, message_id=msg.message_id)
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_reply_markup(chat_id=5, message_id=999, reply_markup=markup)


async def test_injected_failures(fake_bot_api, bot):
    fake_bot_api.forbid(-1, "Forbidden: bot was kicked from the group chat")
    fake_bot_api.migrated(-2, -1002)
    fake_bot_api.retry_after(-3, 7, times=1)
    with pytest.raises(Forbidden, match="kicked"):
        await bot.send_message(-1, "x")
    with pytest.raises(ChatMigrated) as migrated:
        await bot.send_message(-2, "x")
    assert migrated.value.new_chat_id == -1002
    with warnings.catch_warnings():  # PTB 22 warns that retry_after becomes a timedelta
        warnings.simplefilter("ignore")
        with pytest.raises(RetryAfter) as retry:
            await bot.send_message(-3, "x")
        assert retry.value.retry_after in (7, timedelta(seconds=7))
    await bot.send_message(-3, "x")  # `times=1`: the next call goes through
    fake_bot_api.clear_failures()
    await bot.send_message(-1, "x")


async def test_long_polling_offsets_and_allowed_updates(fake_bot_api, bot):
    polling = asyncio.create_task(bot.get_updates(timeout=5, allowed_updates=["message"]))
    await fake_bot_api.wait_for_calls("getUpdates")
    assert not polling.done()
    fake_bot_api.send_text(private_chat(ALICE), ALICE, "你好")
    [update] = await asyncio.wait_for(polling, 2)
    assert update.message.text == "你好" and update.message.from_user.id == ALICE.id
    fake_bot_api.press(ALICE, update.message.to_dict(), "x")  # callback_query: not asked for, dropped
    await fake_bot_api.confirmed(fake_bot_api.last_update_id)
    assert await bot.get_updates(offset=update.update_id + 1, timeout=0) == ()
    await fake_bot_api.confirmed(update.update_id)


@pytest.mark.parametrize("status", ["creator", "administrator", "member", "restricted", "left", "kicked"])
async def test_chat_member_shapes_parse(fake_bot_api, bot, status):
    group = group_chat(-10)
    fake_bot_api.set_member(group.id, ALICE.id, status)
    member = await bot.get_chat_member(group.id, ALICE.id)
    assert member.status == status and member.user.id == ALICE.id
    assert type(ChatMember.de_json(chat_member(ALICE, status), bot)) is type(member)


async def test_callback_queries_are_answered_once(fake_bot_api, bot):
    msg = await bot.send_message(ALICE.id, "选一个", reply_markup=InlineKeyboardMarkup(
        [[InlineKeyboardButton("好", callback_data="ok")]]))
    query = fake_bot_api.press(ALICE, fake_bot_api.messages_to(ALICE.id)[0], "ok")
    assert query["message"]["message_id"] == msg.message_id
    assert await bot.answer_callback_query(query["id"]) is True
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await bot.answer_callback_query(query["id"])


async def test_next_messages_uses_a_cursor_and_times_out(fake_bot_api, bot):
    await bot.send_message(9, "一")
    await bot.send_message(9, "二")
    assert [m.text for m in await fake_bot_api.next_messages(9, 2)] == ["一", "二"]
    with pytest.raises(AssertionError, match="expected 1 message"):
        await fake_bot_api.next_messages(9, timeout=0.05)
    assert fake_bot_api.pending_messages(9) == []
    await bot.set_my_commands([("start", "开始")])
    assert fake_bot_api.commands_for(None) == [{"command": "start", "description": "开始"}]
    assert [c.command for c in await bot.get_my_commands()] == ["start"]
