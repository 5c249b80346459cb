"""The matcher on odd input, on stages and identifiers, and its explanations."""

import pytest

BAD_INPUT = [
    ("empty", ""),
    ("whitespace", "   \n\t  "),
    ("emoji only", "😀🎉👍🏻❤️"),
    ("binary bytes", b"\x00\xff\xfe\x89PNG\r\n".decode("latin-1")),
    ("zero-width only", "\u200b\u200c\ufeff"),
    ("html", "<script>alert('x')</script><b>你好</b>"),
    ("markdown", "**加粗** _斜体_ `code` [链接](http://example.com)"),
    ("url alone", "http://12123-jgw.vip"),
    ("phone alone", "13812345678"),
    ("huge", "我想问一下这个是不是诈骗，" * 9000),
]


@pytest.mark.parametrize("name, text", BAD_INPUT, ids=[n for n, _ in BAD_INPUT])
def test_bad_input_never_raises_and_gives_a_verdict(matcher, name, text):
    result = matcher.match(text)
    assert result.verdict in ("scam", "unsure", "not_scam")


def test_empty_and_emoji_are_empty(matcher):
    assert matcher.match("").empty and matcher.match("😀🎉").empty


def test_huge_input_is_truncated(matcher):
    assert matcher.match("转账" * 60_000).truncated


def test_deterministic(matcher):
    text = "有人说我涉嫌洗钱，要我把存款转到安全账户配合调查"
    assert matcher.match(text) == matcher.match(text)


def test_red_flags_quote_the_users_own_words(matcher):
    text = "剛剛有人打來說是電信局，說我名下有一支電話欠費，然後轉接到警察，說我的帳戶涉嫌洗錢要轉到安全帳戶"
    result = matcher.match(text)
    assert result.verdict == "scam" and result.top.id == "fake_police"
    assert result.red_flags
    for flag in result.red_flags:
        assert flag.quote and flag.quote in text
        assert text[flag.span[0]:flag.span[1]].strip() == flag.quote


@pytest.mark.parametrize("text, stage", [
    ("对方让我先交五千保证金才能放款，我还没转", "asked_to_pay"),
    ("我已经转了两万过去，现在联系不上了", "paid"),
    ("刷单的人说做完任务就返佣金", "unknown"),
])
def test_stage(matcher, text, stage):
    assert matcher.match(text).stage == stage


def test_identifiers_are_reported(matcher):
    result = matcher.match("【中国移动】积分即将清零，请登陆 www.10086-jf.cc 兑换，咨询138xxxx5521")
    kinds = {i.kind for i in result.identifiers}
    assert {"url", "mobile"} <= kinds


def test_homophone_typos_are_caught(matcher):
    result = matcher.match("客服说我之前有个学生贷款账户要注消不然影响证信")
    assert result.top is not None and result.top.id == "fake_credit_record"


@pytest.mark.parametrize("text", [
    "老婆说她闺蜜下个月结婚，要随份子钱，问我随多少合适",
    "我小姨下周从老家过来，我妈让我周六去高铁站接她",
    "今天中午吃什么好呢",
])
def test_ordinary_messages_are_not_scams(matcher, text):
    assert matcher.match(text).verdict == "not_scam"


@pytest.mark.parametrize("text, type_id", [
    ("我在网上贷款，客服说我的银行卡号输错了一位，钱被银行冻节了，要我转5000块解冻", "fake_loan"),
    ("有人打电话说我涉嫌洗钱，要我把存款转到安全账户配合调查，还不许告诉家人", "fake_police"),
    ("群里说点赞一个给两块，现在让我先垫付八百做联单任务", "brushing"),
])
def test_textbook_scams_get_a_firm_verdict(matcher, text, type_id):
    """The best-known scripts, even with a homophone typo, are called scams, not 'unsure'."""
    result = matcher.match(text)
    assert (result.verdict, result.top.id) == ("scam", type_id)
