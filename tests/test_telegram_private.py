"""Private chats over real HTTP: the production Application polling the fake Bot API (issue 4)."""

from __future__ import annotations

from bot.conversation import OPT_NOT_PAID, OPT_PAID
from storage.db import user_key
from tests.support.bot_api_objects import forward_origin, photo, private_chat, sticker, voice
from tests.support.telegram_fixtures import resident

POLICE_SCAM = "有人打电话说我涉嫌洗钱，要我把钱转到安全账户"
BRUSHING_HANT = "網上兼職叫我先墊付刷單，說完成任務就返傭金"


async def test_question_gets_verdict_with_buttons(tg):
    alice = resident(1001)
    [reply] = await tg.ask(alice, POLICE_SCAM)
    assert "冒充公检法" in reply.text
    assert reply.params["parse_mode"] == "HTML"
    assert OPT_PAID in reply.button_data and OPT_NOT_PAID in reply.button_data
    assert reply.button_texts[reply.button_data.index(OPT_PAID)] == "我已经转账了"
    # The verdict line is bold; the rest is escaped plain text.
    assert reply.html.startswith("<b>")


async def test_button_press_continues_and_is_answered(tg):
    alice = resident(1002)
    [verdict] = await tg.ask(alice, POLICE_SCAM)
    mark = tg.api.mark()
    [follow_up] = await tg.press(alice, verdict, OPT_NOT_PAID)
    assert "先别转" in follow_up.text
    [answered] = await tg.api.wait_for_calls("answerCallbackQuery", since=mark)
    assert answered.params["callback_query_id"]
    # The pressed message loses its buttons: the new reply carries the options that fit now.
    await tg.api.wait_for_calls("editMessageReplyMarkup", since=mark)
    assert verdict.button_data == []
    assert OPT_PAID in follow_up.button_data


async def test_already_paid_button_gives_urgent_steps(tg):
    alice = resident(1003)
    [verdict] = await tg.ask(alice, POLICE_SCAM)
    [urgent] = await tg.press(alice, verdict, OPT_PAID)
    assert "110" in urgent.text and "银行" in urgent.text
    assert urgent.html.startswith("<b>")


async def test_already_paid_in_words(tg):
    [urgent] = await tg.ask(resident(1004), "我已经转账了")
    assert "110" in urgent.text and "止付" in urgent.text


async def test_traditional_question_gets_traditional_reply(tg):
    [reply] = await tg.ask(resident(1005, language_code="zh-hant"), BRUSHING_HANT)
    assert "刷單" in reply.text and "詐騙" in reply.text
    assert "诈骗" not in reply.text


async def test_caption_and_forwarded_text_are_read(tg):
    alice = resident(1006)
    chat = private_chat(alice)
    tg.api.send_other(chat, alice, photo=photo(), caption=POLICE_SCAM)
    [from_caption] = await tg.api.next_messages(alice.id)
    assert "冒充公检法" in from_caption.text
    tg.api.send_text(chat, alice, BRUSHING_HANT, forward_origin=forward_origin())
    [from_forward] = await tg.api.next_messages(alice.id)
    assert "刷單" in from_forward.text


async def test_message_without_text_asks_for_words(tg):
    alice = resident(1007)
    chat = private_chat(alice)
    for fields in ({"sticker": sticker()}, {"voice": voice()}, {"photo": photo()}):
        tg.api.send_other(chat, alice, **fields)
        [reply] = await tg.api.next_messages(alice.id)
        assert "文字" in reply.text and reply.button_data == []


async def test_oversized_message_is_answered_within_limits(tg):
    alice = resident(1008)
    [reply, *more] = await tg.ask(alice, POLICE_SCAM + "。" + "我很着急，" * 20_000)
    await tg.processed()
    assert "冒充公检法" in reply.text
    for sent in [reply, *more, *tg.api.pending_messages(alice.id)]:
        assert len(sent.text) <= 4096


async def test_html_in_user_text_is_escaped(tg):
    alice = resident(1009)
    nasty = '<b>安全账户</b> & <script>alert(1)</script> <a href="http://x">转账</a>'
    [reply] = await tg.ask(alice, nasty)
    # The fake server parses HTML as Telegram does: unescaped markup would have been refused.
    assert "<script>" not in reply.html and "<a href" not in reply.html
    # /type echoes its argument back ("没有找到 …"): the resident sees exactly what they typed.
    [echo] = await tg.ask(alice, "/type " + nasty)
    assert nasty in echo.text
    assert "&lt;script&gt;" in echo.html and "&amp;" in echo.html


async def test_forget_deletes_everything(tg):
    alice = resident(1010)
    await tg.ask(alice, POLICE_SCAM)
    db, key = tg.runtime.db, user_key("telegram", alice.id)
    assert db.execute("select count(*) from questions where user_key = ?", [key]).fetchone()[0] == 1
    [done] = await tg.ask(alice, "/forget")
    assert "删除" in done.text
    for table, column in (("questions", "user_key"), ("conversations", "key")):
        assert db.execute(f"select count(*) from {table} where {column} = ?", [key]).fetchone()[0] == 0


async def test_resident_commands(tg):
    alice = resident(1011)
    [start] = await tg.ask(alice, "/start")
    assert "反诈助手" in start.text
    [help_] = await tg.ask(alice, "/help")
    assert "/types — " in help_.text and "/forget — " in help_.text and "/subscribe — " not in help_.text
    [types] = await tg.ask(alice, "/types")
    assert any(data.startswith("type:") for data in types.button_data)
    [one] = await tg.ask(alice, "/type 杀猪盘")
    assert "杀猪盘" in one.text
    [privacy] = await tg.ask(alice, "/privacy")
    assert "/forget" in privacy.text
    [case] = await tg.ask(alice, "/case")
    assert case.text
    [unknown] = await tg.ask(alice, "/nonsense")
    assert "/help" in unknown.text


async def test_type_button_from_types_list(tg):
    alice = resident(1012)
    [types] = await tg.ask(alice, "/types")
    data = next(d for d in types.button_data if d.startswith("type:"))
    [info] = await tg.press(alice, types, data)
    assert info.text


async def test_edited_messages_are_not_answered(tg):
    alice = resident(1013)
    [_] = await tg.ask(alice, "你好")
    original = tg.api.send_text(private_chat(alice), alice, "你好呀")
    await tg.api.next_messages(alice.id)
    tg.api.edit_text(original, POLICE_SCAM)
    await tg.processed()
    assert tg.api.pending_messages(alice.id) == []


async def test_flood_gets_one_notice_then_silence(tg):
    alice = resident(1014)
    limit = tg.runtime.config.telegram.flood_messages
    for i in range(limit):
        await tg.ask(alice, f"你好{i}")
    for _ in range(3):
        tg.api.send_text(private_chat(alice), alice, "在吗")
    await tg.processed()
    [notice] = tg.api.pending_messages(alice.id)
    assert "太快" in notice.text
    await tg.api.next_messages(alice.id)
    # Once the window has passed, the resident is answered again.
    tg.clock.advance(tg.runtime.config.telegram.flood_seconds + 1)
    [answer] = await tg.ask(alice, POLICE_SCAM)
    assert "冒充公检法" in answer.text
