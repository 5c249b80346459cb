"""Identifiers found in a message (links, phone numbers, account numbers) and their redaction.

Replies use them to tell the resident how to check each one; storage uses `redact` so that no
phone, ID-card or bank-card number is ever written to disk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Masked digits ("138xxxx5521", "6222 02xx xxxx 8871") are common in forwarded messages.
_D = r"[0-9xX*]"

URL_RE = re.compile(
    r"(?:https?://|www\.)[^\s\u3000-\u303f\uff00-\uffef<>\"'，。！？、（）]+"
    r"|\b[a-z0-9][a-z0-9-]{0,62}(?:\.[a-z0-9-]{1,62})*\.(?:cn|com|net|org|top|vip|cc|xyz|shop|icu|club|site|online|info|me|io|app|link|support|co|hk|tw)\b(?:/[^\s\u3000-\u303f\uff00-\uffef]*)?",
    re.IGNORECASE,
)
ID_CARD_RE = re.compile(r"(?<![0-9])[1-9][0-9]{5}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9xX](?![0-9])")
BANK_CARD_RE = re.compile(rf"(?<![0-9])(?:62|4[0-9]|5[1-5]|3[0-9]|9[0-9])[0-9]{{2}}(?:[ -]?{_D}{{4}}){{2,3}}(?:[ -]?{_D}{{1,4}})?(?![0-9])")
MOBILE_RE = re.compile(rf"(?<![0-9])(?:\+?86[ -]?)?1[3-9][0-9](?:[ -]?{_D}){{8}}(?![0-9])")
LANDLINE_RE = re.compile(rf"(?<![0-9])0[1-9][0-9]{{1,2}}[ -]?{_D}{{3,4}}[ -]?{_D}{{3,4}}(?![0-9])")
SERVICE_RE = re.compile(rf"(?<![0-9])(?:400|800)[ -]?{_D}{{3}}[ -]?{_D}{{4}}(?![0-9])")
SHORT_OFFICIAL_RE = re.compile(r"(?<![0-9])(?:110|96110|12337|12345|12315|12321|12381|9[0-9]{4})(?![0-9])")
QQ_RE = re.compile(r"(?:qq|QQ|扣扣)[号:： ]*([1-9][0-9xX*]{4,11})")
WECHAT_RE = re.compile(r"(?:微信|vx|wx|v信|weixin|薇信|威信)[号:： ]*([a-zA-Z][-_a-zA-Z0-9]{4,19})")
OVERSEAS_RE = re.compile(r"(?<![0-9])(?:\+|00)(?!86)[1-9][0-9]{0,3}[ -]?[0-9][0-9 -]{5,14}[0-9](?![0-9])")

OFFICIAL_NUMBERS = {
    "110": "报警电话",
    "96110": "反诈预警劝阻、咨询专线",
    "12337": "养老诈骗等线索举报（政法机关）",
    "12345": "政务服务热线",
    "12315": "消费者投诉热线",
    "12321": "网络不良与垃圾信息举报",
    "12381": "涉诈预警短信号码",
}


@dataclass(frozen=True)
class Identifier:
    """One identifier: kind ∈ url, mobile, landline, service_number, official_number,
    overseas_number, bank_card, id_card, qq, wechat_id."""

    kind: str
    value: str
    span: tuple[int, int]


_FINDERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("url", URL_RE),
    ("id_card", ID_CARD_RE),
    ("bank_card", BANK_CARD_RE),
    ("mobile", MOBILE_RE),
    ("service_number", SERVICE_RE),
    ("landline", LANDLINE_RE),
    ("overseas_number", OVERSEAS_RE),
    ("qq", QQ_RE),
    ("wechat_id", WECHAT_RE),
    ("official_number", SHORT_OFFICIAL_RE),
)


def find_identifiers(text: str) -> list[Identifier]:
    """All identifiers in `text`, left to right; a span claimed by an earlier kind is not reused."""
    taken: list[tuple[int, int]] = []
    found: list[Identifier] = []
    for kind, regex in _FINDERS:
        for m in regex.finditer(text):
            group = 1 if regex.groups else 0
            a, b = m.span(group)
            if any(a < y and x < b for x, y in taken):
                continue
            taken.append((a, b))
            found.append(Identifier(kind=kind, value=m.group(group), span=(a, b)))
    return sorted(found, key=lambda i: i.span)


_REDACT_KINDS = {
    "id_card": "[身份证号]",
    "bank_card": "[银行卡号]",
    "mobile": "[手机号]",
    "landline": "[电话]",
    "service_number": "[电话]",
    "overseas_number": "[电话]",
    "qq": "[QQ号]",
    "wechat_id": "[微信号]",
}
_LONG_DIGITS_RE = re.compile(r"[0-9][0-9 -]{6,}[0-9]")


def redact(text: str) -> str:
    """Replace phone, ID-card, bank-card, QQ and WeChat ids (and any long digit run) with placeholders."""
    pieces = []
    pos = 0
    for ident in find_identifiers(text):
        label = _REDACT_KINDS.get(ident.kind)
        if label is None:
            continue
        a, b = ident.span
        pieces.append(text[pos:a])
        pieces.append(label)
        pos = b
    pieces.append(text[pos:])
    return _LONG_DIGITS_RE.sub("[数字]", "".join(pieces))
