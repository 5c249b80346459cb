"""Text normalisation: one canonical form for matching, with a map back to the user's own words.

Residents write in simplified or traditional characters, Cantonese or Taiwanese wording,
full-width forms, emoji and voice-input run-ons. Matching happens on one canonical form
(simplified, half-width, lower case, single spaces); every canonical character remembers the
index of the original character it came from, so a red flag can quote the user's own words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import opencc

_ZERO_WIDTH = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\ufe0f", "\ufe0e"}

# Cantonese is recognised by characters that written Mandarin does not use.
_CANTONESE_MARKERS = set("咗唔嘅啲佢冇喺畀睇嘢咁嚟哋揾搵攞嗰乜呃")
_CANTONESE_MARKER_WORDS = ("係咪", "系咪", "點解", "点解", "而家", "琴日", "聽日", "听日", "差佬", "入數", "入数", "屋企", "啱啱", "轉數快", "转数快", "真係", "真系", "點算", "点算", "做緊", "做紧", "喺度")

# Cantonese words rewritten into Mandarin (applied to simplified text, only when the message
# looks Cantonese: 系 and 俾 are ordinary Mandarin characters elsewhere).
_CANTONESE_WORDS: tuple[tuple[str, str], ...] = (
    ("系唔系", "是不是"), ("系咪", "是不是"), ("唔系", "不是"), ("唔好", "不要"), ("唔使", "不用"),
    ("唔该", "谢谢"), ("乜嘢", "什么"), ("点解", "为什么"), ("点样", "怎样"), ("边个", "谁"),
    ("边度", "哪里"), ("几多", "多少"), ("而家", "现在"), ("宜家", "现在"), ("琴日", "昨天"),
    ("寻日", "昨天"), ("听日", "明天"), ("啱啱", "刚刚"), ("即刻", "马上"), ("佢哋", "他们"),
    ("我哋", "我们"), ("你哋", "你们"), ("老豆", "爸爸"), ("屋企人", "家里人"), ("屋企", "家里"),
    ("差佬", "警察"), ("差馆", "派出所"), ("警署", "派出所"), ("骗徒", "骗子"), ("骗案", "诈骗"),
    ("入数", "转账"), ("过数", "转账"), ("转数快", "fps转账"), ("入钱", "转钱"), ("呢个", "这个"),
    ("嗰个", "那个"), ("搞掂", "搞定"), ("返工", "上班"), ("倾偈", "聊天"), ("拍拖", "谈恋爱"),
    ("识咗", "认识了"), ("跟住", "接着"), ("点算", "怎么办"), ("做紧", "在做"), ("用紧", "在用"),
    ("等紧", "在等"), ("倾紧", "在聊"), ("玩紧", "在玩"), ("搞紧", "在搞"), ("睇紧", "在看"), ("攞返", "拿回"),
    ("畀返", "还给"), ("俾返", "还给"), ("退返", "退回"), ("啱唔啱", "对不对"), ("先可以", "才可以"),
    ("先至", "才"), ("先会", "才会"), ("先能", "才能"), ("俾人", "被人"), ("畀人", "被人"), ("呢啲", "这些"),
    ("呢排", "最近"), ("呢间", "这家"), ("成日", "经常"), ("话他知", "告诉他"), ("话佢知", "告诉他"), ("话你知", "告诉你"), ("话佢哋知", "告诉他们"), ("话我知", "告诉我"), ("买嘢", "买东西"), ("冇钱", "没钱"), ("攞钱", "拿钱"),
    ("唔", "不"), ("冇", "没"), ("佢", "他"), ("咗", "了"), ("嘅", "的"), ("啲", "些"), ("喺", "在"),
    ("畀", "给"), ("俾", "给"), ("睇", "看"), ("搵", "找"), ("揾", "找"), ("攞", "拿"), ("嘢", "东西"),
    ("嗰", "那"), ("咁", "这么"), ("嚟", "来"), ("乜", "什么"), ("呃", "骗"), ("蚊", "元"), ("咩", "什么"),
)
_CANTONESE_SYSTEM = re.compile(r"(?<![关联体派世谱])系(?![统列数])")
# 话 is "to say" after a person (佢话, 客服话); elsewhere it stays (电话, 的话, 一句话).
_CANTONESE_SAY = re.compile(r"(?<=[他她我你们人方服员警察板局行司妈爸仔女」”])话(?![费题筒剧术])(?!(他|她|我|你)(们)?知)")
# 入 + an amount is a deposit (入$2000, 入咗三千 → 转); 收入 and 加入 are not.
_CANTONESE_DEPOSIT = re.compile(r"(?<![收加输投存进录纳出深])[入过](?=\s*(?:\$|hk\$|hkd|港币|¥|rmb|[0-9一二两三四五六七八九十几百千万]))")

# Taiwanese / Hong Kong vocabulary and common variant characters, rewritten to the mainland
# words the catalogue is written in (applied to simplified text, always).
_REGIONAL_WORDS: tuple[tuple[str, str], ...] = (
    ("简讯", "短信"), ("短讯", "短信"), ("讯息", "信息"), ("资讯", "信息"), ("网路", "网络"),
    ("连结", "链接"), ("超连结", "链接"), ("银行户口", "银行账户"), ("户口号码", "账号"),
    ("提款机", "atm"), ("柜员机", "atm"), ("萤幕", "屏幕"), ("荧幕", "屏幕"), ("视像", "视频"), ("脸书", "facebook"), ("健保", "医保"), ("定存", "定期存款"),
    ("储值", "充值"), ("软体", "软件"), ("信用纪录", "信用记录"), ("联征", "征信"), ("电邮", "邮件"),
    ("手提电话", "手机"), ("银包", "钱包"), ("长者", "老人"), ("阿嬷", "奶奶"), ("阿公", "爷爷"),
    ("帐篷", "帐篷"), ("蚊帐", "蚊帐"), ("帐", "账"),
)


@dataclass(frozen=True)
class Normalized:
    """A message in canonical form plus what is needed to quote the original back."""

    original: str
    text: str
    origin: tuple[int, ...]  # origin[i] = index in `original` of canonical character i
    traditional: bool
    cantonese: bool
    truncated: bool

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of the canonical text back to the original text."""
        if not self.origin or start >= end:
            return (0, 0)
        end = min(end, len(self.origin))
        return (self.origin[start], self.origin[end - 1] + 1)

    def quote(self, start: int, end: int) -> str:
        """The user's own words behind a canonical span."""
        a, b = self.original_span(start, end)
        return self.original[a:b].strip()


@lru_cache(maxsize=None)
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def _is_emoji_or_symbol(ch: str) -> bool:
    if ch in _ZERO_WIDTH:
        return True
    cp = ord(ch)
    if 0x1F000 <= cp <= 0x1FAFF or 0x2600 <= cp <= 0x27BF or 0x1F1E6 <= cp <= 0x1F1FF:
        return True
    return unicodedata.category(ch) in ("So", "Sk", "Co", "Cs", "Cn")


def _clean_chars(text: str) -> tuple[list[str], list[int]]:
    """NFKC-fold, lower-case and strip invisible/emoji characters, one source index per output char."""
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        if ch in _ZERO_WIDTH:
            continue
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cf") and ch not in "\n\t":
            continue
        if _is_emoji_or_symbol(ch):
            folded = " "
        else:
            folded = unicodedata.normalize("NFKC", ch).lower()
        for f in folded:
            chars.append(" " if f.isspace() else f)
            origin.append(i)
    return chars, origin


def _to_simplified(chars: list[str], origin: list[int]) -> tuple[list[str], list[int], bool]:
    """OpenCC t2s; phrase-level when lengths agree, otherwise character by character."""
    joined = "".join(chars)
    conv = _converter("t2s")
    converted = conv.convert(joined)
    if len(converted) != len(joined):
        converted = "".join(conv.convert(c) if len(conv.convert(c)) == 1 else c for c in joined)
    changed = sum(1 for a, b in zip(joined, converted) if a != b)
    han = sum(1 for c in joined if "\u4e00" <= c <= "\u9fff") or 1
    traditional = changed >= 2 or (changed >= 1 and han <= 12)
    return list(converted), origin, traditional


def _rewrite(chars: list[str], origin: list[int], pattern: re.Pattern[str], table: dict[str, str]) -> tuple[list[str], list[int]]:
    """Replace every match of `pattern` by table[match], keeping a plausible origin per character."""
    text = "".join(chars)
    out: list[str] = []
    out_origin: list[int] = []
    pos = 0
    for m in pattern.finditer(text):
        a, b = m.span()
        out.extend(chars[pos:a])
        out_origin.extend(origin[pos:a])
        repl = table.get(m.group(0), m.group(0))
        span_origin = origin[a:b]
        for k, ch in enumerate(repl):
            out.append(ch)
            out_origin.append(span_origin[min(k * len(span_origin) // max(len(repl), 1), len(span_origin) - 1)])
        pos = b
    out.extend(chars[pos:])
    out_origin.extend(origin[pos:])
    return out, out_origin


def _alternation(words: tuple[tuple[str, str], ...]) -> tuple[re.Pattern[str], dict[str, str]]:
    table = dict(words)
    keys = sorted(table, key=len, reverse=True)
    return re.compile("|".join(re.escape(k) for k in keys)), table


_CANTONESE_RE, _CANTONESE_TABLE = _alternation(_CANTONESE_WORDS)
# 户口 is a bank account in Hong Kong and Malaysia, household registration on the mainland
# (户口本, 落户口, 户口所在地): only the former becomes 账户.
_ACCOUNT_RE = re.compile(r"(?<![落迁报上入])户口(?![本簿迁所登])")
_REGIONAL_RE, _REGIONAL_TABLE = _alternation(_REGIONAL_WORDS)


def _collapse_spaces(chars: list[str], origin: list[int]) -> tuple[list[str], list[int]]:
    out: list[str] = []
    out_origin: list[int] = []
    for ch, o in zip(chars, origin):
        if ch == " " and (not out or out[-1] == " "):
            continue
        out.append(ch)
        out_origin.append(o)
    if out and out[-1] == " ":
        out.pop()
        out_origin.pop()
    return out, out_origin


def looks_cantonese(text: str) -> bool:
    """True when the text uses characters or words specific to written Cantonese."""
    return any(c in _CANTONESE_MARKERS for c in text) or any(w in text for w in _CANTONESE_MARKER_WORDS)


def normalize(text: str, max_chars: int = 4000) -> Normalized:
    """Canonical form of `text` for matching (see module docstring). Never raises on odd input."""
    truncated = len(text) > max_chars
    original = text[:max_chars] if truncated else text
    chars, origin = _clean_chars(original)
    chars, origin, traditional = _to_simplified(chars, origin)
    cantonese = looks_cantonese(original)
    if cantonese:
        chars, origin = _rewrite(chars, origin, _CANTONESE_RE, _CANTONESE_TABLE)
        text_now = "".join(chars)
        if "系" in text_now:
            chars, origin = _rewrite(chars, origin, _CANTONESE_SYSTEM, {"系": "是"})
        chars, origin = _rewrite(chars, origin, _CANTONESE_SAY, {"话": "说"})
        chars, origin = _rewrite(chars, origin, _CANTONESE_DEPOSIT, {"入": "转", "过": "转"})
    chars, origin = _rewrite(chars, origin, _REGIONAL_RE, _REGIONAL_TABLE)
    chars, origin = _rewrite(chars, origin, _ACCOUNT_RE, {"户口": "账户"})
    chars, origin = _collapse_spaces(chars, origin)
    return Normalized(
        original=original,
        text="".join(chars),
        origin=tuple(origin),
        traditional=traditional or cantonese,
        cantonese=cantonese,
        truncated=truncated,
    )


def to_traditional(text: str, cantonese: bool = False) -> str:
    """Simplified → traditional for replies: Hong Kong forms for Cantonese writers, Taiwan forms
    (with Taiwanese vocabulary: 簡訊, 連結, 網路) otherwise."""
    if cantonese:
        return _converter("s2hk").convert(text)
    return _converter("s2twp").convert(text).replace("賬", "帳")


def simplify(text: str) -> str:
    """NFKC, lower case and 繁→简 only (no Cantonese/regional word rewriting)."""
    chars, origin = _clean_chars(text)
    chars, _, _ = _to_simplified(chars, origin)
    return "".join(_collapse_spaces(chars, origin)[0])


def fold(text: str) -> str:
    """Canonical form of a catalogue phrase (same pipeline as user text, without the span map)."""
    return normalize(text).text
