"""Normalisation: one canonical form for every way residents write, with spans back to their words."""

import pytest

from knowledge.normalize import normalize, to_traditional


@pytest.mark.parametrize("text, canonical", [
    ("我婆婆說有人打電話給她", "我婆婆说有人打电话给她"),
    ("ＡＢＣ１２３", "abc123"),
    ("验证\u200b码", "验证码"),
    ("转  账\n\n了", "转 账 了"),
    ("您的帳戶被凍結", "您的账户被冻结"),
    ("收到簡訊說要點連結", "收到短信说要点链接"),
    ("佢話係警察，叫我畀錢", "他说是警察,叫我给钱"),
    ("阿嬤說健保卡被盜用", "奶奶说医保卡被盗用"),
    ("😀 中奖了 🎉", "中奖了"),
    ("佢話要我入$2000先可以提款", "他说要我转$2000才可以提款"),  # 入 + amount is a deposit; 先可以 is 才可以
    ("佢份工收入三千蚊", "他份工收入三千元"),  # 收入 stays income
    ("我打電話話佢知", "我打电话告诉他"),  # 话佢知 is "tell him"; 电话 stays a phone
    ("而家點算", "现在怎么办"),
])
def test_canonical_form(text, canonical):
    assert normalize(text).text == canonical


@pytest.mark.parametrize("text, traditional, cantonese", [
    ("我在網路上申請小額貸款", True, False),
    ("我在网上申请小额贷款", False, False),
    ("佢叫我入數", True, True),
    ("hello 123", False, False),
])
def test_script_detection(text, traditional, cantonese):
    n = normalize(text)
    assert (n.traditional, n.cantonese) == (traditional, cantonese)


def test_spans_map_back_to_the_users_own_words():
    n = normalize("ＡＢ我收到簡訊說要點連結")
    start = n.text.index("短信")
    assert n.quote(start, start + 2) == "簡訊"


def test_long_input_is_truncated_with_a_flag():
    n = normalize("骗" * 10_000, max_chars=4000)
    assert n.truncated and len(n.text) == 4000


@pytest.mark.parametrize("cantonese, expected", [(False, "簡訊"), (True, "短信")])
def test_replies_in_taiwan_or_hong_kong_forms(cantonese, expected):
    assert expected in to_traditional("收到短信，不要点链接，不转账", cantonese)


def test_taiwan_replies_use_taiwanese_words():
    assert to_traditional("不转账、不点链接") == "不轉帳、不點連結"
