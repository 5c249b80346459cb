"""The channel-neutral dialogue: each path a resident can take, as a specification."""

import pytest

from bot.conversation import (OPT_MORE, OPT_NO, OPT_NOT_THIS, OPT_PAID, OPT_TIPS, OPT_YES,
                              ConversationState)

SCAM = "有人打电话说我涉嫌洗钱，要我把存款转到安全账户配合调查，还不许告诉家人"


def say(dialogue, *messages, state=None):
    state = state or ConversationState()
    reply = None
    for m in messages:
        reply, state = dialogue.handle(state, m)
    return reply, state


@pytest.mark.parametrize("text, kind", [
    ("你好", "greeting"),
    ("", "empty"),
    ("😀😀😀", "empty"),
    ("怎么防诈骗啊", "tips"),
    ("什么是杀猪盘", "type_info"),
    ("杀猪盘是什么意思？", "type_info"),
    ("我已经转账了", "urgent"),
    ("今天天气怎么样", "off_topic"),
    (SCAM, "verdict"),
])
def test_routing(dialogue, text, kind):
    reply, _ = say(dialogue, text)
    assert reply.kind == kind


def test_verdict_reply_names_type_flags_advice_and_hotlines(dialogue, catalogue):
    reply, state = say(dialogue, SCAM)
    assert reply.verdict == "scam" and reply.top_type == "fake_police"
    assert catalogue.entries["fake_police"].name in reply.text
    assert "危险信号" in reply.text and "安全账户" in reply.text
    assert "不转账" in reply.text and "110" in reply.text and "96110" in reply.text
    assert {o.id for o in reply.options} >= {OPT_PAID, OPT_NOT_THIS, OPT_TIPS}
    assert state.last_type == "fake_police"


def test_already_paid_puts_urgent_steps_first(dialogue):
    reply, _ = say(dialogue, "我被人骗了，刷单垫付已经转了三万过去，现在对方把我拉黑了")
    assert reply.blocks[0].startswith("⚠️ 已经转了钱")
    assert "110" in reply.blocks[0] and "银行" in reply.blocks[0] and "追回损失" in reply.blocks[0]


def test_paid_button_after_a_verdict_gives_type_specific_steps(dialogue):
    _, state = say(dialogue, SCAM)
    reply, _ = dialogue.choose(state, OPT_PAID)
    assert reply.kind == "urgent" and "冒充公检法" in reply.text


def test_traditional_question_gets_traditional_reply(dialogue):
    reply, _ = say(dialogue, "有人打電話說我涉嫌洗錢，要我把存款轉到安全帳戶配合調查")
    assert reply.traditional
    assert "詐騙" in reply.text and "诈骗" not in reply.text


def test_cantonese_question_gets_hong_kong_forms(dialogue):
    reply, _ = say(dialogue, "有人打嚟話係公安，話我洗黑錢，叫我入數去安全戶口")
    assert reply.traditional and "詐騙" in reply.text


VAGUE = ["有个网友说带我赚钱", "客服打电话说要给我退款", "网上认识的朋友让我下载一个APP", "有人加我微信说有个兼职", "有人说我中奖了"]


def test_unsure_asks_one_question_and_yes_confirms(dialogue, matcher):
    vague = [t for t in VAGUE if matcher.match(t).verdict == "unsure"]
    assert vague, "at least one vague message must be judged unsure"
    reply, state = say(dialogue, vague[0])
    assert reply.kind == "clarify" and "想问你一个问题" in reply.text
    assert {OPT_YES, OPT_NO} <= {o.id for o in reply.options}
    reply, state = dialogue.choose(state, OPT_YES)
    assert reply.verdict == "scam"


def test_typed_yes_answers_the_pending_question(dialogue):
    state = ConversationState(pending_question="brushing", last_type="brushing")
    reply, state = dialogue.handle(state, "是的")
    assert reply.verdict == "scam" and "刷单返利" in reply.text


def test_no_to_the_question_lowers_the_alarm(dialogue):
    state = ConversationState(pending_question="brushing", last_type="brushing")
    reply, _ = dialogue.choose(state, OPT_NO)
    assert reply.verdict == "not_scam"


def test_not_this_offers_the_next_type_or_asks_for_more(dialogue):
    _, state = say(dialogue, SCAM)
    reply, state = dialogue.choose(state, OPT_NOT_THIS)
    assert reply.kind in ("clarify", "not_understood")
    assert "fake_police" in state.excluded_types


def test_ordinary_message_is_reassured_not_alarmed(dialogue):
    reply, _ = say(dialogue, "【菜鸟驿站】您的包裹已到小区东门驿站，请凭取件码5-2-3018于今日20:00前取件")
    assert reply.verdict == "not_scam" and "⚠️" not in reply.text


def test_long_message_gets_a_truncation_note(dialogue):
    reply, _ = say(dialogue, "有人让我刷单先垫付，" * 2000)
    assert "太长" in reply.text


def test_pagination_keeps_pages_for_more(dialogue):
    reply, state = say(dialogue, SCAM)
    page1 = dialogue.paginate(state, reply, byte_budget=400)
    assert len(page1.text.encode()) <= 400 and page1.options[0].id == OPT_MORE
    collected = [page1.text]
    while state.pages:
        nxt, state = dialogue.choose(state, OPT_MORE)
        assert len(nxt.text.encode()) <= 400
        collected.append(nxt.text)
    assert "".join(collected).replace("\n", "") == reply.text.replace("\n", "")


@pytest.mark.parametrize("name, arg, kind", [
    ("start", "", "greeting"), ("help", "", "greeting"), ("types", "", "type_list"),
    ("type", "杀猪盘", "type_info"), ("type", "fake_police", "type_info"), ("type", "養老詐騙", "type_info"),
    ("type", "不存在的东西", "type_list"), ("privacy", "", "privacy"), ("tips", "", "tips"),
])
def test_commands(dialogue, name, arg, kind):
    reply, _ = dialogue.command(ConversationState(), name, arg)
    assert reply.kind == kind


def test_guardian_speaks_only_on_confident_scams(dialogue):
    assert dialogue.guardian("群里聊聊周末去哪里玩", 0.5) is None
    warning = dialogue.guardian("【兼职】在家动动手指日结300，帮商家刷单冲销量，先垫付后返本金加佣金，加QQ 27381239", 0.5)
    assert warning is not None and "刷单" in warning.text and len(warning.text) < 300


BAD_INPUT = [
    ("empty", "", "empty"),
    ("whitespace", "  \n\t ", "empty"),
    ("emoji only", "😀😀🎉", "empty"),
    ("binary", "\x00\x01\xff\xfe", "empty"),
    ("html", "<script>alert(1)</script>", "off_topic"),
    ("url alone", "http://12123-jgw.vip", "identifier"),
    ("phone alone", "13812345678", "identifier"),
    ("markdown link alone", "(http://example.com)", "identifier"),
]


@pytest.mark.parametrize("name, text, kind", BAD_INPUT, ids=[n for n, _, _ in BAD_INPUT])
def test_bad_input_gets_a_clear_reply(dialogue, name, text, kind):
    reply, _ = say(dialogue, text)
    assert reply.kind == kind and reply.text


def test_identifier_only_reply_explains_how_to_check(dialogue):
    reply, _ = say(dialogue, "13812345678")
    assert "13812345678" in reply.text and "回拨" in reply.text and "原话" in reply.text


def test_huge_message_is_answered_with_a_note(dialogue):
    reply, _ = say(dialogue, "我想问问这个兼职是不是刷单，" * 8000)
    assert "太长" in reply.text
