"""Reply texts, composed in simplified Chinese from the catalogue and a match result.

Pure functions returning text blocks; the dialogue converts them to traditional when the user
wrote traditional. Plain sentences for elderly readers: what it is, why, what to do now.
"""

from __future__ import annotations

import re

from knowledge.catalogue import Advice, Catalogue, Entry
from knowledge.identifiers import OFFICIAL_NUMBERS, Identifier
from knowledge.matcher import MatchResult, RedFlag, TypeScore

HOTLINES = "报警打110；拿不准可打96110（反诈预警咨询专线）；也可以在「国家反诈中心」APP里举报。"
ELDERLY_HOTLINE = "养老诈骗线索还可以打12337举报。"

URGENT_STEPS = (
    "1. 马上打110报警，说清楚什么时候、转给了谁、转了多少。",
    "2. 马上打你银行卡背面的官方客服电话（或去柜台），说明被骗，要求对收款账户止付、冻结；越快越有机会追回。",
    "3. 不要再转一分钱。对方说“再交一笔就能退回/解冻”，都是骗你继续转。",
    "4. 保存证据：聊天记录、通话记录、转账凭证、对方账号、链接和APP名字，都不要删。",
    "5. 当心“帮你追回损失”的人：声称能追款、要你先交费的，是第二次诈骗。",
)

GENERAL_TIPS = (
    "三不一要：不轻信、不泄露（不冲动）、不转账，要及时报警。",
    "陌生来电、短信、网友谈到钱，先不听、不信、不汇款、不转账，挂掉电话再说。",
    "验证码、密码、银行卡号、身份证号，谁来要都不给——银行、警察都不会要。",
    "公检法不会打电话办案，更不会让你把钱转到“安全账户”；“刷单返利”全都是诈骗；先交钱才能拿钱（贷款、奖金、补贴、退款）的，都是诈骗。",
    "对方自称银行、客服、单位、亲友：挂断后自己查官方电话或用原来的号码打回去核实，不要用对方给的号码和链接。",
    "不点陌生链接，不扫陌生二维码，不下载对方发来的APP，不开“屏幕共享”。",
    "拿不准就先问家人，或打96110咨询；已经转了钱，马上打110。",
    "建议安装「国家反诈中心」APP，开启来电预警。",
)


def type_title(catalogue: Catalogue, t: TypeScore) -> str:
    """「养老诈骗 · 以房养老」 style name of a ranked type."""
    top = catalogue.entries[t.id].name
    if t.subkind and t.subkind in catalogue.entries:
        return f"「{top} · {catalogue.entries[t.subkind].name}」"
    return f"「{top}」"


def brief(text: str, limit: int = 60) -> str:
    """The first sentence of `text`; if that is still long, its clauses up to `limit` characters."""
    m = re.search(r"[。！？；!?;]", text)
    first = text[:m.end()] if m else text
    if first[-1:] in "；;":
        first = first[:-1] + "。"
    if len(first) <= limit:
        return first
    cut = max(first.rfind(c, 0, limit) for c in "，,、：")
    return first[:cut] + "。" if cut > 10 else first[:limit] + "…"


def flag_lines(flags: tuple[RedFlag, ...] | list[RedFlag], limit: int) -> list[str]:
    """One line per red flag: the user's own words, then (briefly) why it matters."""
    lines = []
    for f in list(flags)[:limit]:
        quote = f.quote if len(f.quote) <= 24 else f.quote[:22] + "…"
        why = brief(f.explain, 40) if f.explain else ""
        lines.append(f"• “{quote}”——{f.label}。{why}".rstrip())
    return lines


def advice_lines(advice: Advice, short: bool = False) -> list[str]:
    """三不一要 for one type, each line led by its rule (unless the entry's text already is).

    `short` keeps the first sentence of each, for replies that must fit one WeChat page.
    """
    cut = (lambda t: brief(t, 70)) if short else (lambda t: t)
    return [
        _led_by("不轻信", cut(advice.dont_believe), ("不轻信",)),
        _led_by("不泄露、不冲动", cut(advice.dont_disclose), ("不泄露", "不冲动")),
        _led_by("不转账", cut(advice.dont_transfer), ("不转账",)),
        _led_by("要及时报警", cut(advice.report), ("要及时报警", "要及时报案", "要报警")),
    ]


def _led_by(rule: str, text: str, words: tuple[str, ...]) -> str:
    if any(text.startswith(w) for w in words):
        return text
    return f"{rule}：{text}"


def identifier_lines(identifiers: tuple[Identifier, ...]) -> list[str]:
    """How to check each link / number the message contains."""
    lines = []
    kinds = {i.kind for i in identifiers}
    urls = [i.value for i in identifiers if i.kind == "url"]
    if urls:
        lines.append(f"• 链接 {urls[0]}：不要点开，更不要在里面填卡号、密码、验证码。真要办事，自己打开官方APP或官网。")
    phones = [i.value for i in identifiers if i.kind in ("mobile", "landline", "service_number", "overseas_number")]
    if phones:
        lines.append(f"• 号码 {phones[0]}：不要回拨消息里给的号码；自己查官方客服电话打过去核实。")
    if kinds & {"qq", "wechat_id"}:
        lines.append("• 对方留的QQ/微信号：不要加，正规单位不会让你加私人账号办业务。")
    if "bank_card" in kinds:
        lines.append("• 消息里的银行卡号：不要往这个卡上转钱；记下来，报警时交给警察。")
    if "id_card" in kinds:
        lines.append("• 身份证号：不要发给任何人；已经发出去了，要留意冒用。")
    for i in identifiers:
        if i.kind == "official_number" and i.value in OFFICIAL_NUMBERS:
            lines.append(f"• {i.value} 是{OFFICIAL_NUMBERS[i.value]}。")
            break
    return lines


def hotline_line(entry_ids: set[str]) -> str:
    """The hotlines, with 12337 for elderly-targeted scams."""
    return HOTLINES + (ELDERLY_HOTLINE if "elderly" in entry_ids else "")


def evidence_blocks(result: MatchResult, show_flags: int, heading: str) -> list[str]:
    """The red flags in the user's words, then how to check each link or number they gave."""
    blocks = []
    flags = flag_lines(result.red_flags, show_flags)
    if flags:
        blocks.append(heading + "\n" + "\n".join(flags))
    ident = identifier_lines(result.identifiers)
    if ident:
        blocks.append("怎么核实：\n" + "\n".join(ident))
    return blocks


def verdict_blocks(catalogue: Catalogue, result: MatchResult, entry: Entry, advice: Advice,
                   show_flags: int) -> list[str]:
    """A `scam` verdict: urgent steps first if money has gone, then what, why, 三不一要, hotlines."""
    top = result.types[0]
    blocks: list[str] = []
    if result.stage == "paid":
        blocks.append("⚠️ 已经转了钱，或者已经说出了验证码、密码？先做这几件事：\n" + "\n".join(URGENT_STEPS + _extra_paid(advice)))
    head = f"⚠️ 这很像{type_title(catalogue, top)}诈骗。"
    if result.stage == "asked_to_pay":
        head += "先别转钱！"
    blocks.append(f"{head}\n{entry.summary}")
    blocks += evidence_blocks(result, show_flags, "你说的话里有这些危险信号：")
    blocks.append("怎么办（三不一要）：\n" + "\n".join(advice_lines(advice, short=True))
                  + "\n" + _led_by("核实", brief(advice.verify, 70), ("核实", "自己核实")))
    blocks.append(hotline_line({top.id}))
    return blocks


def _extra_paid(advice: Advice) -> tuple[str, ...]:
    return tuple(f"• {brief(s, 70)}" for s in advice.already_paid[:2])


def unsure_blocks(catalogue: Catalogue, result: MatchResult, entry: Entry, show_flags: int) -> list[str]:
    """An `unsure` verdict: say so, show what looked risky, ask the one question that decides."""
    top = result.types[0]
    blocks = [f"我还不能确定。这件事有几处像{type_title(catalogue, top)}诈骗，但还不够肯定。"]
    blocks += evidence_blocks(result, show_flags, "值得警惕的地方：")
    blocks.append(f"想问你一个问题：{entry.clarify}")
    blocks.append("在弄清楚之前：不转账、不给验证码、不点链接。" + HOTLINES)
    return blocks


def not_scam_blocks(result: MatchResult) -> list[str]:
    """A `not_scam` verdict for a message that is about something real."""
    blocks = ["从你说的来看，暂时看不出诈骗的迹象。"]
    if result.benign:
        blocks.append("看起来正常的地方：" + "；".join(f.label for f in result.benign[:3]) + "。")
    ident = identifier_lines(result.identifiers)
    if ident:
        blocks.append("不过仍然要核实：\n" + "\n".join(ident))
    blocks.append("提醒一句：如果对方接下来让你转账、交“手续费/保证金”、报验证码、点链接或下载APP，那就要立刻停下——这些都是诈骗的信号。拿不准可打96110问问。")
    return blocks


def identifier_only_blocks(identifiers: tuple[Identifier, ...]) -> list[str]:
    """Only a link or a number was sent: how to check it, and ask for the words around it."""
    return [
        "你只发来了链接或号码。单凭它我没法判断是不是诈骗，但可以这样核实：\n" + "\n".join(identifier_lines(identifiers)),
        "「国家反诈中心」APP 可以查询可疑的网址和号码。",
        "请把对方发来的原话（短信、聊天内容）或者事情经过也发给我，我帮你看看。",
    ]


def urgent_blocks(catalogue: Catalogue, last_type: str) -> list[str]:
    """The 'I have already paid' path, with the last recognised type's extra steps."""
    blocks = ["别慌，现在最要紧的是抢时间：\n" + "\n".join(URGENT_STEPS)]
    if last_type and last_type in catalogue.entries:
        advice = catalogue.advice_for(last_type)
        name = catalogue.entries[catalogue.entries[last_type].canonical_id].name
        blocks.append(f"针对「{name}」还要注意：\n" + "\n".join(f"• {s}" for s in advice.already_paid))
    blocks.append("报警时带上：身份证、转账记录、对方的电话/账号/链接、聊天截图。")
    return blocks


def tips_blocks() -> list[str]:
    """General prevention advice (防骗要点)."""
    return ["防骗要点：\n" + "\n".join(f"{n}. {t}" for n, t in enumerate(GENERAL_TIPS, 1))]


def type_info_blocks(catalogue: Catalogue, entry: Entry) -> list[str]:
    """What a scam type is, how it unfolds, its red flags and the advice."""
    top = catalogue.entries[entry.canonical_id]
    name = entry.name if entry is top else f"{top.name} · {entry.name}"
    blocks = [f"「{name}」是什么：\n{entry.summary}"]
    blocks.append("常见套路：\n" + "\n".join(f"{n}. {s}" for n, s in enumerate(entry.steps, 1)))
    flags = [f"• {s.label}：{s.explain}" for s in entry.signals if s.weight >= 1.5][:6]
    if flags:
        blocks.append("危险信号：\n" + "\n".join(flags))
    blocks.append("怎么办（三不一要）：\n" + "\n".join(advice_lines(catalogue.advice_for(entry.id))))
    children = catalogue.children(entry.id)
    if children:
        blocks.append("常见的几种：" + "、".join(c.name for c in children))
    blocks.append(hotline_line({entry.canonical_id}))
    return blocks


def types_list_blocks(catalogue: Catalogue) -> list[str]:
    """The catalogue's scam types, one line each."""
    lines = [f"• {e.name}（{e.id}）" + (f"：{'、'.join(e.aliases[:3])}" if e.aliases else "") for e in catalogue.top_level()]
    return ["我认识这些诈骗类型（发“什么是+名称”了解详情，例如“什么是杀猪盘”）：\n" + "\n".join(lines)]


GREETING = (
    "你好，我是反诈助手。",
    "把你遇到的事用自己的话告诉我，或者把可疑的短信、聊天内容直接粘贴过来，我帮你看看是不是诈骗、是哪一种、该怎么办。",
    "例如：“有人说我涉嫌洗钱，要我把钱转到安全账户”“网上兼职让我先垫付”。\n已经转了钱？直接说“我已经转账了”。",
)

PRIVACY = (
    "我们保存什么：一个无法还原的用户编号、对话进行到哪一步、每次判断的结果（类型、风险信号名称），用于改进。",
    "你发的原话默认不保存、不写入日志；只有你点“同意保存”后，才会保存一份去掉手机号、身份证号、银行卡号的副本，帮助维护者改进。",
    "保存期限：{days}天后自动删除。随时发 /forget（或“删除我的数据”）立即删除与你有关的全部记录。",
)

OFF_TOPIC = "我是反诈助手，只会帮你判断一件事是不是诈骗。请把你遇到的情况或可疑的消息发给我；想了解防骗知识，发“防骗要点”。"
EMPTY = "我没有收到文字内容。请用文字描述你遇到的情况，或者把可疑的短信、聊天内容复制粘贴过来。"
TRUNCATED = "（你的消息太长，我只看了前面 {n} 个字。）"
NOT_THIS = "明白，不是这种情况。能再多说一点吗？比如：对方是谁、怎么联系你的、要你做什么（转账、给验证码、点链接、下载APP）？"
NOT_THIS_ALT = "明白。那也可能是{title}诈骗："
CLARIFY_NO = "好的。照你说的，目前风险不高。不过请记住：只要对方开始要你先交钱、报验证码、点链接或下载APP，就立刻停下，打96110问问。"
FEEDBACK_THANKS = "谢谢你的反馈！"
FEEDBACK_SORRY = "抱歉没帮上忙。能再说说具体情况吗？我会尽量给你更准确的判断。"
ASK_KEEP_TEXT = "要不要把你刚才的问题（去掉手机号、身份证号、银行卡号后）留给维护者，帮助我们改进？不同意也完全没关系。"
KEPT = "已保存（号码已去除）。谢谢！随时可以发 /forget 删除。"
FORGOTTEN = "已删除与你有关的全部记录（共 {n} 条）。"
NO_MORE = "没有更多内容了。"
NO_CASE = "今天的预警案例暂时无法获取，请稍后再试。"
