"""Pure parts of the Telegram channel: rendering, splitting, flood control, group settings (issue 4)."""

from __future__ import annotations

import pytest

from bot.conversation import Option, Reply
from bot.telegram_bot.flood import Flood, FloodControl
from bot.telegram_bot.group_settings import Change, SettingsError, parse_args, parse_button, parse_time
from bot.telegram_bot.render import CHUNK_CHARS, deep_link, option_keyboard, render_reply, split_text
from tests.support.telegram_html import visible_text


def reply(*blocks: str, kind: str = "verdict", options: tuple[Option, ...] = ()) -> Reply:
    return Reply(kind=kind, blocks=blocks, options=options)


def test_everything_user_derived_is_escaped():
    [out] = render_reply(reply("你说“<b>转账</b> & <script>”", "第二段 <i>"))
    assert "<script>" not in out.html and "&lt;b&gt;" in out.html and "&amp;" in out.html
    assert visible_text(out.html) == "你说“<b>转账</b> & <script>”\n\n第二段 <i>"


def test_verdict_line_is_bold_other_kinds_are_not():
    assert render_reply(reply("⚠️ 这很像诈骗", "详情"))[0].html.startswith("<b>⚠️ 这很像诈骗</b>")
    assert not render_reply(reply("你好", kind="greeting"))[0].html.startswith("<b>")


def test_long_reply_splits_on_sentence_ends_below_the_limit():
    sentence = "这是一句很长的提醒，请不要转账给陌生人。"
    text_block = sentence * 600  # about 12,000 characters in one paragraph
    parts = render_reply(reply("标题", text_block, options=(Option("tips", "防骗要点"),)))
    assert len(parts) >= 3
    for part in parts:
        assert len(visible_text(part.html)) <= CHUNK_CHARS
    assert all(visible_text(p.html).endswith("。") for p in parts)
    # Buttons only under the last part.
    assert [p.markup is not None for p in parts] == [False] * (len(parts) - 1) + [True]
    assert "".join(visible_text(p.html) for p in parts).replace("\n", "") == ("标题" + text_block)


def test_split_text_hard_cuts_one_endless_sentence():
    parts = split_text("骗" * 9000)
    assert [len(p) for p in parts] == [CHUNK_CHARS, CHUNK_CHARS, 9000 - 2 * CHUNK_CHARS]


def test_keyboard_pairs_short_labels_and_drops_unusable_ids():
    options = (Option("paid", "我已经转账了"), Option("not_paid", "还没转账，想确认"), Option("tips", "防骗要点"),
               Option("helpful", "有帮助 👍"), Option("x" * 65, "太长的数据"))
    rows = option_keyboard(options).inline_keyboard
    assert [[b.callback_data for b in row] for row in rows] == [["paid"], ["not_paid"], ["tips", "helpful"]]
    assert option_keyboard(()) is None


def test_deep_link_payload_is_sanitised():
    assert deep_link("fanzha_bot", "g_fake_police") == "https://t.me/fanzha_bot?start=g_fake_police"
    assert deep_link("fanzha_bot", "g_<x>&y") == "https://t.me/fanzha_bot?start=g_xy"
    assert deep_link("fanzha_bot") == "https://t.me/fanzha_bot"


def test_flood_control_one_notice_then_silence_until_the_window_passes():
    now = [0.0]
    flood = FloodControl(limit=3, window=10.0, clock=lambda: now[0])
    assert [flood.check(1) for _ in range(3)] == [Flood.OK] * 3
    assert flood.check(1) is Flood.NOTICE
    assert flood.check(1) is Flood.SILENT
    assert flood.check(2) is Flood.OK  # other users are not affected
    now[0] = 9.9
    assert flood.check(1) is Flood.SILENT
    now[0] = 10.0  # the answered messages (all at t=0) left the window: a fresh budget
    assert [flood.check(1) for _ in range(4)] == [Flood.OK] * 3 + [Flood.NOTICE]


@pytest.mark.parametrize(("args", "change"), [
    (["time", "8:30"], Change("send_time", "08:30")),
    (["时间", "08：30"], Change("send_time", "08:30")),
    (["script", "繁"], Change("script", "hant")),
    (["文字", "简体"], Change("script", "hans")),
    (["guardian", "on"], Change("guardian", True)),
    (["守护", "关"], Change("guardian", False)),
    (["topics", "全部"], Change("topics", ())),
    (["topics"], Change("topics", ())),
], ids=["time", "time-fullwidth-colon", "script-hant", "script-hans", "guardian-on", "guardian-off-zh",
        "topics-all", "topics-empty"])
def test_settings_arguments(args, change, telegram_brain):
    assert parse_args(args, telegram_brain.catalogue) == change


def test_settings_topics_resolve_names_and_reject_unknown(telegram_brain):
    assert parse_args(["topics", "养老", "elderly", "刷单"], telegram_brain.catalogue) == Change(
        "topics", ("elderly", "brushing"))
    with pytest.raises(SettingsError, match="火星"):
        parse_args(["topics", "火星"], telegram_brain.catalogue)


@pytest.mark.parametrize("args", [["colour", "red"], ["script", "x"], ["guardian", "maybe"], ["time"]])
def test_settings_bad_arguments(args, telegram_brain):
    with pytest.raises(SettingsError):
        parse_args(args, telegram_brain.catalogue)


def test_settings_buttons_and_time():
    assert parse_button("set:guardian:1") == Change("guardian", True)
    assert parse_button("set:script:hans") == Change("script", "hans")
    assert parse_button("set:topics:all") == Change("topics", ())
    assert parse_button("set:script:klingon") is None and parse_button("paid") is None
    with pytest.raises(SettingsError):
        parse_time("25:00")
