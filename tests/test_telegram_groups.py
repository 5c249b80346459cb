"""Groups over real HTTP: quiet by default, mentions, guardian mode, admin-only subscriptions,
membership and migration (issue 4)."""

from __future__ import annotations

import pytest

from storage import subscriptions
from tests.support.bot_api_objects import Chat, User, group_chat, private_chat
from tests.support.telegram_fixtures import resident

POLICE_SCAM = "有人打电话说我涉嫌洗钱，要我把钱转到安全账户"
STRONG_SCAM = ("我刚接到一个电话说我有个国际快递在海关被扣了里面有十几张别人的银行卡和护照然后帮我转到派出所"
               "那个警察说我涉嫌跨境洗钱要先冻节我的存款叫我配合调查")
ORDINARY = "今天晚上小区广场跳舞，大家早点来"
GROUP = group_chat(-4001, "幸福小区业主群")
ADMIN = User(id=2001, first_name="群主老李")
MEMBER = User(id=2002, first_name="小张")


def sub(tg, chat: Chat = GROUP) -> subscriptions.Subscription | None:
    return subscriptions.get(tg.runtime.db, "telegram", str(chat.id))


def with_admin(tg, chat: Chat = GROUP) -> None:
    tg.api.set_member(chat.id, ADMIN.id, "administrator")
    tg.api.set_member(chat.id, MEMBER.id, "member")


async def say(tg, text: str, user: User = MEMBER, chat: Chat = GROUP, **fields):
    """Someone writes in the group; the bot's replies to it (none if it stays quiet)."""
    tg.api.send_text(chat, user, text, **fields)
    await tg.processed()
    replies = tg.api.pending_messages(chat.id)
    if replies:
        await tg.api.next_messages(chat.id, len(replies))
    return replies


async def test_group_chat_is_ignored_in_quiet_mode(tg):
    assert await say(tg, POLICE_SCAM) == []
    assert await say(tg, ORDINARY) == []


async def test_mention_is_answered_with_quote_and_private_link(tg):
    msg = tg.api.send_text(GROUP, MEMBER, f"@{tg.api.bot.username} {POLICE_SCAM}")
    [reply] = await tg.api.next_messages(GROUP.id)
    assert "冒充公检法" in reply.text
    assert reply.params["reply_parameters"]["message_id"] == msg["message_id"]
    assert f"https://t.me/{tg.api.bot.username}" in reply.html
    assert reply.button_data == []  # the group stays tidy: the conversation continues in private


async def test_reply_to_the_bot_is_answered(tg):
    tg.api.send_text(GROUP, MEMBER, f"@{tg.api.bot.username} 你好")
    [greeting] = await tg.api.next_messages(GROUP.id)
    tg.api.reply_to(GROUP, MEMBER, greeting, POLICE_SCAM)
    [answer] = await tg.api.next_messages(GROUP.id)
    assert "冒充公检法" in answer.text


async def test_commands_work_in_groups(tg):
    [help_] = await say(tg, f"/help@{tg.api.bot.username}")
    assert "/subscribe — " in help_.text
    assert await say(tg, "/help@some_other_bot") == []


@pytest.mark.telegram_settings(guardian_threshold=0.6)
async def test_guardian_mode_warns_on_scam_and_stays_silent_otherwise(tg):
    threshold = tg.runtime.config.telegram.guardian_threshold
    assert tg.runtime.dialogue.guardian(STRONG_SCAM, threshold) is not None  # precondition: matcher
    assert tg.runtime.dialogue.guardian(ORDINARY, threshold) is None
    with_admin(tg)
    assert await say(tg, STRONG_SCAM) == []  # guardian mode is off by default
    [shown] = await say(tg, "/settings guardian on", user=ADMIN)
    assert "守护模式：开" in shown.text and sub(tg).guardian
    [warning] = await say(tg, STRONG_SCAM)
    assert "冒充公检法" in warning.text
    assert f"https://t.me/{tg.api.bot.username}?start=g_fake_police" in warning.html
    assert len(warning.text) < 400  # brief
    assert await say(tg, ORDINARY) == []


async def test_guardian_deep_link_opens_the_type_in_private(tg):
    alice = resident(2101)
    [info] = await tg.ask(alice, "/start g_fake_police")
    assert "冒充公检法" in info.text


async def test_admin_subscribes(tg):
    with_admin(tg)
    [done] = await say(tg, "/subscribe 08:30", user=ADMIN)
    assert "08:30" in done.text
    row = sub(tg)
    assert row.active and row.send_time == "08:30"
    assert row.timezone == tg.runtime.config.scheduler.default_timezone
    assert row.subscribed_by and row.subscribed_by != str(ADMIN.id)  # hashed, never the raw id
    assert any(str(GROUP.id) in job.name for job in tg.app.job_queue.jobs())
    [gone] = await say(tg, "/unsubscribe", user=ADMIN)
    assert "取消" in gone.text and not sub(tg).active


async def test_subscribe_defaults_and_bad_time(tg):
    with_admin(tg)
    [bad] = await say(tg, "/subscribe 25:99", user=ADMIN)
    assert "时间格式" in bad.text and sub(tg) is None
    [done] = await say(tg, "/subscribe", user=ADMIN)
    assert sub(tg).send_time == tg.runtime.config.scheduler.default_time
    assert tg.runtime.config.scheduler.default_time in done.text


async def test_non_admin_is_refused_and_nothing_changes(tg):
    with_admin(tg)
    mark = tg.api.mark()
    for command in ("/subscribe 07:00", "/settings guardian on", "/unsubscribe"):
        [refusal] = await say(tg, command, user=MEMBER)
        assert "管理员" in refusal.text
    assert sub(tg) is None
    checked = await tg.api.wait_for_calls("getChatMember", n=3, since=mark)
    assert {call.params["user_id"] for call in checked} == {MEMBER.id}


async def test_anonymous_admin_posting_as_the_group_may_subscribe(tg):
    anonymous = User(id=1087968824, first_name="Group", username="GroupAnonymousBot", is_bot=True)
    await say(tg, "/subscribe 10:00", user=anonymous, sender_chat=GROUP.to_dict())
    assert sub(tg).active


async def test_settings_arguments_and_buttons(tg):
    with_admin(tg)
    [shown] = await say(tg, "/settings topics 养老 刷单", user=ADMIN)
    assert sub(tg).topics == ("elderly", "brushing")
    assert "养老诈骗" in shown.text
    [unknown] = await say(tg, "/settings topics 乱七八糟", user=ADMIN)
    assert "乱七八糟" in unknown.text and sub(tg).topics == ("elderly", "brushing")
    await say(tg, "/settings script 繁", user=ADMIN)
    assert sub(tg).script == "hant"
    [panel] = await say(tg, "/settings", user=ADMIN)
    assert "守護模式" in panel.text  # the group chose 繁體: its settings read in traditional
    # A member pressing a button gets an alert; nothing changes.
    mark = tg.api.mark()
    tg.api.press(MEMBER, panel, "set:guardian:1")
    [alert] = await tg.api.wait_for_calls("answerCallbackQuery", since=mark)
    assert alert.params.get("show_alert") is True and not sub(tg).guardian
    # The admin's press changes the setting and the panel in place.
    tg.api.press(ADMIN, panel, "set:guardian:1")
    await tg.api.wait_for_calls("editMessageText", since=mark)
    assert sub(tg).guardian and "開" in panel.text
    tg.api.press(ADMIN, panel, "set:topics:all")
    await tg.processed()
    assert sub(tg).topics == ()


async def test_subscribe_in_private_explains_itself(tg):
    alice = resident(2102)
    [reply] = await tg.ask(alice, "/subscribe")
    assert "群" in reply.text
    assert subscriptions.get(tg.runtime.db, "telegram", str(alice.id)) is None


async def test_bot_added_introduces_itself_and_removed_deactivates(tg):
    with_admin(tg)
    tg.api.bot_added(GROUP, ADMIN)
    [intro] = await tg.api.next_messages(GROUP.id)
    assert "/subscribe" in intro.text
    await say(tg, "/subscribe 08:00", user=ADMIN)
    assert sub(tg).active
    tg.api.bot_removed(GROUP, ADMIN)
    await tg.processed()
    assert not sub(tg).active
    assert not any(str(GROUP.id) in job.name for job in tg.app.job_queue.jobs())


async def test_migration_moves_the_subscription(tg):
    with_admin(tg)
    await say(tg, "/subscribe 08:00", user=ADMIN)
    new_id = -1001234567890
    tg.api.migrate(GROUP, new_id, ADMIN)
    await tg.processed()
    assert sub(tg) is None
    moved = subscriptions.get(tg.runtime.db, "telegram", str(new_id))
    assert moved.active and moved.send_time == "08:00"


async def test_private_chat_of_an_admin_is_separate(tg):
    # Residents' private conversations never leak into groups and vice versa.
    alice = resident(2103)
    await tg.ask(alice, POLICE_SCAM)
    assert tg.api.messages_to(GROUP.id) == []
    assert tg.api.messages_to(private_chat(alice).id)
