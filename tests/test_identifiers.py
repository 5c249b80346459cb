"""Identifiers in a message, and redaction: no phone, ID-card or bank-card number reaches storage."""

import pytest

from knowledge.identifiers import find_identifiers, redact


@pytest.mark.parametrize("text, kind, value", [
    ("点击 t.cn/A6xxxxK 立即领取", "url", "t.cn/A6xxxxK"),
    ("登录 http://12123-jgw.vip 缴纳", "url", "http://12123-jgw.vip"),
    ("網址是 etc-renzheng.top，請問", "url", "etc-renzheng.top"),
    ("转到这个卡：6222 02xx xxxx 8871 张X", "bank_card", "6222 02xx xxxx 8871"),
    ("咨询王经理138xxxx5521", "mobile", "138xxxx5521"),
    ("请拨打020-8xxx6xx9配合调查", "landline", "020-8xxx6xx9"),
    ("详询400-8xx-2xx6", "service_number", "400-8xx-2xx6"),
    ("加QQ 2738xxxx91 备注", "qq", "2738xxxx91"),
    ("添加微信 dg-lisa888 下单", "wechat_id", "dg-lisa888"),
    ("打96110问问", "official_number", "96110"),
])
def test_identifiers_found(text, kind, value):
    assert (kind, value) in [(i.kind, i.value) for i in find_identifiers(text)]


SECRETS = [
    "13812345678", "138 1234 5678", "+86 138-1234-5678", "110105199003071234", "11010519900307123X",
    "6222021234567890123", "6217 0000 1111 2222 333", "4367 4200 1234 5678", "0755-23456789",
    "400-820-1234", "QQ 273812391",
]


@pytest.mark.parametrize("secret", SECRETS)
def test_redaction_removes_numbers(secret):
    redacted = redact(f"对方的号码是{secret}，让我转钱")
    digits = "".join(c for c in secret if c.isdigit())
    assert digits not in "".join(c for c in redacted if c.isdigit())
    assert "让我转钱" in redacted


def test_redaction_keeps_ordinary_text():
    assert redact("我在淘宝买了两件衣服，花了368元") == "我在淘宝买了两件衣服，花了368元"
