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


_TRAILING = ").,;:!?]}>'\"）】》」』"


def find_identifiers(text: str) -> list[Identifier]:
    """All identifiers in `text`, left to right; a span claimed by an earlier kind is not reused."""
    taken: list[tuple[int, int]] = []
    found: list[Identifier] = []
    for kind, regex in _FINDERS:
        for m in regex.finditer(text):
            group = 1 if regex.groups else 0
            a, b = m.span(group)
            while kind == "url" and b > a and text[b - 1] in _TRAILING:  # markdown "(...)" and sentence ends
                b -= 1
            if any(a < y and x < b for x, y in taken):
                continue
            taken.append((a, b))
            found.append(Identifier(kind=kind, value=text[a:b], span=(a, b)))
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


# Personal names are only detectable where the text says a name follows: 收款人/户名/姓名/持卡人
# (strong: whatever follows is a name) and 叫/名叫 (weak: "叫我转账" is a verb, so the next
# character must be a common surname). A surname plus a title (王警官, 李经理) is a role, not a
# person, and stays. Simplified and traditional forms are both listed because text is redacted
# as the resident wrote it.
_SURNAMES = (
    "欧阳|司马|诸葛|上官|东方|慕容|司徒|夏侯|皇甫|歐陽|司馬|諸葛|東方|"
    "[王李张張刘劉陈陳杨楊黄黃赵趙吴吳周徐孙孫马馬朱胡郭何高林罗羅郑鄭梁谢謝宋唐许許韩韓冯馮邓鄧曹彭曾"
    "肖萧蕭田董袁潘于蒋蔣蔡余杜叶葉程苏蘇魏吕呂丁任沈姚卢盧姜崔钟鍾谭譚陆陸汪范金石廖贾賈夏韦韋付方白邹鄒"
    "孟熊秦邱江尹薛闫閆段雷侯龙龍史陶黎贺賀顾顧毛郝龚龔邵万萬钱錢严嚴覃武戴莫孔向汤湯常温溫康施文牛樊葛邢"
    "安齐齊易乔喬伍庞龐颜顏倪庄莊聂聶章鲁魯岳翟殷詹申欧歐耿关關兰蘭焦俞左柳甘祝包宁寧尚符舒阮柯纪紀梅童凌"
    "毕畢单單季裴霍涂成苗谷盛曲翁冉骆駱蓝藍路游辛靳管柴蒙鲍鮑华華喻祁蒲房滕屈饶饒解牟艾尤阳陽时時穆农農司"
    "卓古吉缪繆简簡车車项項连連芦蘆麦麥褚娄婁窦竇戚岑景党黨宫宮费費卜冷晏席卫衛米柏宗瞿桂全佟应應臧闵閔苟"
    "邬鄔边邊卞姬师師和仇栾欒隋商刁沙荣榮巫寇桑郎甄丛叢仲虞敖巩鞏明佘池查麻苑迟遲邝鄺官封谈談匡鞠惠荆荊"
    "乐樂冀郁胥南班储儲原栗燕楚鄢劳勞谌諶奚皮粟冼蔺藺楼樓盘盤满滿闻聞位厉厲伊仝区區郜海阎閻]"
)
# Characters that end a name: particles, verbs and nouns that typically follow one.
_NOT_IN_NAME = ("的了说說给給让讓转轉打是在要我你他她它们們和跟把被就也都还還来來去吗嗎呢吧啊先再又"
                "账賬帐帳卡号號银銀电電手微支付款钱錢元块塊上下里裡外中这這那个個人")
_NAME_CHAR = rf"(?:[xX×*＊Ｘ某]|[\u4e00-\u9fff](?<![{_NOT_IN_NAME}]))"
_GIVEN = rf"{_NAME_CHAR}{{1,2}}"
_TITLES = ("经理|經理|警官|老师|老師|总|總|先生|女士|小姐|阿姨|叔叔|主任|局长|局長|队长|隊長|科长|科長|"
           "律师|律師|医生|醫生|客服|专员|專員|法官|检察官|檢察官|姐|哥|师傅|師傅|同学|同學|处长|處長")
NAME_RE = re.compile(
    rf"(?P<cue>(?:收款人|收款方|收款账户名|收款帳戶名|账户名|帳戶名|开户名|開戶名|户名|戶名|持卡人|姓名)"
    rf"(?:是|为|為|叫)?\s*[：:]?\s*)"
    rf"(?P<name>(?:{_SURNAMES}|[xX×*＊Ｘ]{{1,2}})(?!{_TITLES}){_GIVEN}|(?:{_SURNAMES})(?=[，,。.；;、\s）)]|$))"
    rf"|(?P<weak>(?:名叫|叫做|叫)\s*)(?P<wname>(?:{_SURNAMES})(?!{_TITLES}){_GIVEN})"
)


def _redact_names(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        if m.group("cue") is not None:
            return m.group("cue") + "[姓名]"
        return m.group("weak") + "[姓名]"

    return NAME_RE.sub(repl, text)


# Full-width digits and separators (typed with a Chinese IME) would slip past every [0-9] pattern.
_HALF_WIDTH = str.maketrans("０１２３４５６７８９－＋　ｘＸ", "0123456789-+ xX")


def redact(text: str) -> str:
    """Replace phone, ID-card, bank-card, QQ and WeChat ids (and any long digit run) with placeholders,
    and personal names where the text marks them (收款人张X, 户名：李明, 他叫王小红).

    Full-width digits are folded to ASCII first, so the stored copy may differ from the input in
    that way too.
    """
    text = text.translate(_HALF_WIDTH)
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
    return _redact_names(_LONG_DIGITS_RE.sub("[数字]", "".join(pieces)))
