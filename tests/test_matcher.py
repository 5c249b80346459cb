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


GENUINE_NOTICES = [
    ("bank alert points to the card's own hotline",
     "【某商银行】您尾号6612的信用卡11月3日消费人民币238.00元（超市），如非本人交易请拨打卡片背面客服电话。"),
    ("anti-fraud publicity saying what officials never do",
     "派出所提醒：警察不会通过电话要求转账，也没有所谓的安全账户，遇到请挂断"),
    ("salary paid into one's own account",
     "面试通过了，人事让我带身份证复印件去签合同，以后工资会打进我的银行卡"),
    ("a benefit that states no fee is due",
     "街道通知高龄津贴审核通过了，每月打到老人本人的社保卡，不收取任何费用"),
    ("a coupon claimed in the shop's own app",
     "【某某奶茶】会员日第二杯半价，打开某某奶茶APP领券即可使用"),
    ("a TV programme about a scam",
     "刚看了焦点访谈讲冒充客服退款骗钱的，提醒爸妈别信陌生电话"),
    ("a word definition question", "杀猪盘是什么意思呀？"),
]


@pytest.mark.parametrize("name, text", GENUINE_NOTICES, ids=[n for n, _ in GENUINE_NOTICES])
def test_genuine_notices_and_talk_about_scams_are_not_scams(matcher, name, text):
    """Shared benign cues: a genuine notice or a conversation about scams is not being scammed."""
    assert matcher.match(text).verdict == "not_scam"


CANTONESE_SCAMS = [
    ("task deposit written as 入$", "佢哋叫我喺IG幫人follow再截圖，每次有$30，而家要我入$1500升級VIP先可以繼續接任務", "brushing"),
    ("tax refund by phone, ATM", "有個自稱稅局嘅人打嚟，話我多咗交稅，可以退返$3200，要我去櫃員機照佢講嘅撳", "tax_refund_subsidy"),
]


@pytest.mark.parametrize("name, text, type_id", CANTONESE_SCAMS, ids=[n for n, *_ in CANTONESE_SCAMS])
def test_cantonese_scams_are_recognised(matcher, name, text, type_id):
    result = matcher.match(text)
    assert result.verdict != "not_scam" and result.top.id == type_id


@pytest.mark.parametrize("name, text, verdict", [
    ("a bank's own denial names the code but asks for nothing",
     "【某某银行】您尾号3306的账户今日新增网银登录。本行不会以任何方式要求您提供密码或验证码。", "not_scam"),
    ("the same words as a request are a red flag",
     "自称银行客服的人打电话来，说账户有风险，要我提供手机收到的验证码和密码", {"scam", "unsure"}),
], ids=["denial", "request"])
def test_words_inside_a_denial_are_not_evidence(matcher, name, text, verdict):
    assert matcher.match(text).verdict in verdict
