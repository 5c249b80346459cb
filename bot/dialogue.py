"""The conversation core, channel-neutral: (state, message) → (reply, new state).

Routing of a free-text message, in order:
  empty → ask for words; 「更多」 → next page; a yes/no to a pending question → the answer;
  "什么是杀猪盘" → the entry; greeting/help → greeting; "我已经转账了" (no story) → urgent steps;
  otherwise the matcher: scam → verdict, unsure → one clarifying question, not_scam → reassurance
  (or general tips for a general question, or a polite redirect when off-topic).
Replies are composed in simplified Chinese and converted when the user writes traditional.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Callable

from rapidfuzz import fuzz, process

from bot import replies as R
from bot.brain import BrainHolder
from bot.config import DialogueSettings
from bot.conversation import (OPT_HELPFUL, OPT_KEEP_TEXT, OPT_MORE, OPT_NO, OPT_NOT_PAID,
                              OPT_NOT_THIS, OPT_PAID, OPT_TIPS, OPT_TYPE_PREFIX, OPT_UNHELPFUL,
                              OPT_YES, ConversationState, Option, Reply)
from bot.paging import split_pages
from knowledge.catalogue import Catalogue, Entry
from knowledge.matcher import MatchResult
from knowledge.normalize import fold, normalize, to_traditional

LABELS = {
    OPT_PAID: "我已经转账了",
    OPT_NOT_PAID: "还没转账，想确认",
    OPT_NOT_THIS: "不是这种情况",
    OPT_TIPS: "防骗要点",
    OPT_HELPFUL: "有帮助 👍",
    OPT_UNHELPFUL: "没帮助 👎",
    OPT_YES: "是",
    OPT_NO: "不是",
    OPT_KEEP_TEXT: "同意保存",
    OPT_MORE: "更多",
}

_YES = {"是", "是的", "对", "对的", "有", "有的", "嗯", "嗯嗯", "是啊", "对啊", "有啊", "没错", "yes", "y", "好像是", "是呀", "有呀", "要了", "要过"}
_NO = {"不是", "没有", "没", "否", "不", "no", "n", "没要", "不要", "没有啊", "不是啊", "不是的", "没有的", "都没有"}
_GREETINGS = {"你好", "您好", "hi", "hello", "哈喽", "在吗", "在不在", "帮助", "help", "开始", "start", "菜单", "你能做什么", "你能帮我做什么", "怎么用", "你是谁"}
_TIPS_WORDS = ("防骗要点", "防诈要点", "怎么防诈骗", "如何防诈骗", "怎么防骗", "如何防骗", "防骗知识", "防诈骗知识", "防骗技巧")
_PAID_ALONE = re.compile(r"^(我|我妈|我爸|我家人|家里人|老人)?(已经|刚刚|刚才)?(被骗了?|转账了|转了钱|已经转了|汇款了|钱被骗了?|上当了)(怎么办|咋办|该怎么办)?[?!。.]?$")
_WHAT_IS = re.compile(r"^(什么是|啥是|什么叫|啥叫|何谓|介绍一下|讲讲|说说)(.{2,12}?)[?？]?$"
                      r"|^(.{2,12}?)(是什么|是啥|是啥意思|是什么意思|什么意思|啥意思|是怎么回事|怎么回事|是什么东西)"
                      r"(啊|呀|呢|哦|嘛|来的)?[?？!！]*$")
_MORE = {"更多", "more", "下一页", "继续"}
_FRAUD_WORDS = re.compile(r"钱|转|汇|付|骗|诈|账|卡|贷|投资|理财|中奖|客服|警|电话|短信|链接|验证码|app|微信|qq|红包|退|补贴|保证金|充值|兼职|网友|快递|银行|支付宝|密码|元|块|万")


class Dialogue:
    """Stateless service; all per-user memory lives in ConversationState."""

    def __init__(self, brain: BrainHolder, settings: DialogueSettings | None = None,
                 retention_days: int = 30, todays_case: Callable[[], str | None] | None = None):
        self.brain = brain
        self.settings = settings or DialogueSettings()
        self.retention_days = retention_days
        self.todays_case = todays_case
        self._names_for: Catalogue | None = None
        self._names_cache: dict[str, str] = {}

    @property
    def catalogue(self) -> Catalogue:
        return self.brain.brain.catalogue

    # ------------------------------------------------------------------ entry points

    def handle(self, state: ConversationState, text: str) -> tuple[Reply, ConversationState]:
        """Answer a free-text message."""
        text = text if isinstance(text, str) else ""
        result = self.brain.brain.matcher.match(text)
        if not result.empty:
            state.traditional = result.traditional or (state.traditional and not _has_han(result.canonical))
            state.cantonese = result.cantonese
        if result.empty:
            return self._reply(state, "empty", [R.EMPTY]), state
        canon = result.canonical.strip(" ?？!！。.~")
        if canon in _MORE:
            return self.choose(state, OPT_MORE)
        state.pages = []  # a new question: pages left from an earlier long reply are stale
        if state.pending_question and (canon in _YES or canon in _NO):
            return self.choose(state, OPT_YES if canon in _YES else OPT_NO)
        entry = self._what_is(canon)
        if entry is not None and not _is_story(result):
            return self._type_info(state, entry), state
        if canon in _GREETINGS and not _is_story(result):
            return self._greeting(state), state
        if any(w in canon for w in _TIPS_WORDS) and not _is_story(result):
            return self._tips(state), state
        if _PAID_ALONE.match(canon) and not _is_story(result):
            return self._urgent(state), state
        if result.identifiers and not _HAN_OR_WORD.search(_without_identifiers(result)):
            return self._reply(state, "identifier", R.identifier_only_blocks(result.identifiers),
                               [Option(OPT_TIPS, LABELS[OPT_TIPS])]), state
        return self._verdict(state, result)

    def choose(self, state: ConversationState, option_id: str) -> tuple[Reply, ConversationState]:
        """Answer a pressed option (button / numbered line)."""
        if option_id == OPT_PAID:
            return self._urgent(state), state
        if option_id == OPT_NOT_PAID:
            return self._not_paid(state), state
        if option_id == OPT_TIPS:
            return self._tips(state), state
        if option_id == OPT_NOT_THIS:
            return self._not_this(state)
        if option_id in (OPT_YES, OPT_NO):
            return self._clarify_answer(state, option_id == OPT_YES)
        if option_id in (OPT_HELPFUL, OPT_UNHELPFUL):
            return self._feedback(state, option_id == OPT_HELPFUL), state
        if option_id == OPT_KEEP_TEXT:
            return self._reply(state, "consent", [R.KEPT]), state
        if option_id == OPT_MORE:
            return self._next_page(state)
        if option_id.startswith(OPT_TYPE_PREFIX):
            entry = self.catalogue.entries.get(option_id[len(OPT_TYPE_PREFIX):])
            if entry is not None:
                return self._type_info(state, entry), state
        return self._greeting(state), state

    def command(self, state: ConversationState, name: str, arg: str = "") -> tuple[Reply, ConversationState]:
        """Answer a command: start, help, types, type <id or name>, privacy, tips, case."""
        if arg and _has_han(arg):
            state.traditional = normalize(arg).traditional
        if name in ("start", "help"):
            return self._greeting(state), state
        if name == "types":
            return self._reply(state, "type_list", R.types_list_blocks(self.catalogue),
                               [Option(OPT_TYPE_PREFIX + e.id, e.name) for e in self.catalogue.top_level()]), state
        if name == "type":
            entry = self.find_entry(arg)
            if entry is None:
                return self._reply(state, "type_list", [f"没有找到“{arg}”。"] + R.types_list_blocks(self.catalogue)), state
            return self._type_info(state, entry), state
        if name == "privacy":
            blocks = [b.format(days=self.retention_days) for b in R.PRIVACY]
            return self._reply(state, "privacy", blocks), state
        if name == "tips":
            return self._tips(state), state
        if name == "case":
            text = self.todays_case() if self.todays_case else None
            return self._reply(state, "case", [text or R.NO_CASE]), state
        return self._greeting(state), state

    def guardian(self, text: str, threshold: float) -> Reply | None:
        """A brief group warning if `text` is a scam with confidence >= threshold, else None."""
        result = self.brain.brain.matcher.match(text if isinstance(text, str) else "")
        if result.verdict != "scam" or result.confidence < threshold or not result.types:
            return None
        top = result.types[0]
        flags = "、".join(f"“{f.quote}”" for f in result.red_flags[:2])
        body = (f"⚠️ 提醒：这条消息很像{R.type_title(self.catalogue, top)}诈骗"
                + (f"（{flags}）" if flags else "") + "。不要转账、不要点链接、不要给验证码。私聊我可以详细判断。")
        state = ConversationState(traditional=result.traditional, cantonese=result.cantonese)
        return self._reply(state, "guardian", [body], verdict="scam", top_type=top.id)

    def paginate(self, state: ConversationState, reply: Reply, byte_budget: int | None = None) -> Reply:
        """Cut a reply to one page of `byte_budget` UTF-8 bytes; the rest waits in state for 「更多」."""
        budget = byte_budget or self.settings.reply_byte_budget
        pages = split_pages(reply.text, budget - len("\n\n回复「更多」看下一页".encode()))
        if len(pages) <= 1:
            state.pages = []
            return reply
        state.pages = pages[1:]
        more = Option(OPT_MORE, self._t(state, LABELS[OPT_MORE]))
        return replace(reply, blocks=(pages[0],), options=(more,) + reply.options)

    # ------------------------------------------------------------------ lookups

    def find_entry(self, query: str) -> Entry | None:
        """An entry by id, name, traditional name or alias; fuzzy (rapidfuzz) as a fallback."""
        q = fold(query).strip()
        if not q:
            return None
        names = self._names()
        if q in names:
            return self.catalogue.entries[names[q]]
        contained = [(len(n), eid) for n, eid in names.items() if len(n) >= 2 and (n in q or q in n)]
        if contained:
            return self.catalogue.entries[max(contained)[1]]
        best = process.extractOne(q, list(names), scorer=fuzz.ratio, score_cutoff=75)
        return self.catalogue.entries[names[best[0]]] if best else None

    def _names(self) -> dict[str, str]:
        """Folded id/name/alias → entry id, built once per catalogue (a reload brings a new one)."""
        catalogue = self.catalogue
        if self._names_for is catalogue:
            return self._names_cache
        names: dict[str, str] = {}
        for e in catalogue.entries.values():
            for n in (e.id, e.name, e.name_hant, *e.aliases):
                names.setdefault(fold(n), e.id)
        self._names_for, self._names_cache = catalogue, names
        return names

    def _what_is(self, canon: str) -> Entry | None:
        m = _WHAT_IS.match(canon)
        if not m:
            return None
        subject = (m.group(2) or m.group(3) or "").strip(" 「」“”\"'")
        if subject in ("这", "这个", "那", "那个", "这是", "它"):
            return None
        return self.find_entry(subject)

    # ------------------------------------------------------------------ replies

    def _verdict(self, state: ConversationState, result: MatchResult) -> tuple[Reply, ConversationState]:
        types = [t for t in result.types if t.id not in state.excluded_types] or list(result.types)
        state.excluded_types = []
        state.pending_question = ""
        state.last_verdict = result.verdict
        state.last_stage = result.stage
        state.last_signals = result.signal_ids[:12]
        state.evidence = result.confidence
        state.alternatives = [t.id for t in types[1:3]]
        prefix = [R.TRUNCATED.format(n=self.brain.brain.matcher.settings.max_chars)] if result.truncated else []
        if result.verdict == "not_scam" or not types:
            state.last_type = state.last_subkind = ""
            return self._not_scam(state, result, prefix), state
        top = types[0]
        entry = self.catalogue.entries[top.subkind or top.id]
        state.last_type, state.last_subkind = top.id, top.subkind
        if result.verdict == "scam":
            blocks = R.verdict_blocks(self.catalogue, replace(result, types=tuple(types)), entry,
                                      self.catalogue.advice_for(entry.id), self.settings.show_flags)
            opts = ([OPT_NOT_PAID, OPT_PAID] if result.stage != "paid" else []) + [OPT_NOT_THIS, OPT_TIPS, OPT_HELPFUL, OPT_UNHELPFUL]
            kind = "verdict"
        else:
            blocks = R.unsure_blocks(self.catalogue, replace(result, types=tuple(types)), entry, self.settings.show_flags)
            state.pending_question = entry.id
            opts = [OPT_YES, OPT_NO, OPT_PAID, OPT_NOT_THIS]
            kind = "clarify"
        return self._reply(state, kind, prefix + blocks, [Option(o, LABELS[o]) for o in opts],
                           verdict=result.verdict, top_type=top.id), state

    def _not_scam(self, state: ConversationState, result: MatchResult, prefix: list[str]) -> Reply:
        canon = result.canonical
        if result.general_question:
            return self._reply(state, "tips", prefix + R.tips_blocks(), [Option(OPT_HELPFUL, LABELS[OPT_HELPFUL]), Option(OPT_UNHELPFUL, LABELS[OPT_UNHELPFUL])], verdict="not_scam")
        if not _FRAUD_WORDS.search(canon) and not result.identifiers and not result.benign and len(canon) < 40:
            return self._reply(state, "off_topic", prefix + [R.OFF_TOPIC], [Option(OPT_TIPS, LABELS[OPT_TIPS])], verdict="not_scam")
        opts = [OPT_NOT_THIS, OPT_TIPS, OPT_HELPFUL, OPT_UNHELPFUL]
        return self._reply(state, "verdict", prefix + R.not_scam_blocks(result), [Option(o, LABELS[o]) for o in opts], verdict="not_scam")

    def _clarify_answer(self, state: ConversationState, yes: bool) -> tuple[Reply, ConversationState]:
        entry_id = state.pending_question
        state.pending_question = ""
        if not entry_id or entry_id not in self.catalogue.entries:
            return self._greeting(state), state
        entry = self.catalogue.entries[entry_id]
        if not yes:
            state.last_verdict = "not_scam"
            return self._reply(state, "verdict", [R.CLARIFY_NO], [Option(OPT_TIPS, LABELS[OPT_TIPS]), Option(OPT_HELPFUL, LABELS[OPT_HELPFUL]), Option(OPT_UNHELPFUL, LABELS[OPT_UNHELPFUL])], verdict="not_scam"), state
        state.last_verdict = "scam"
        advice = self.catalogue.advice_for(entry.id)
        top = self.catalogue.entries[entry.canonical_id]
        title = top.name if entry is top else f"{top.name} · {entry.name}"
        blocks = [f"⚠️ 那就基本可以判断是「{title}」诈骗。\n{entry.summary}",
                  "怎么办（三不一要）：\n" + "\n".join(R.advice_lines(advice)) + f"\n核实：{advice.verify}",
                  R.hotline_line({entry.canonical_id})]
        opts = [OPT_PAID, OPT_TIPS, OPT_HELPFUL, OPT_UNHELPFUL]
        return self._reply(state, "verdict", blocks, [Option(o, LABELS[o]) for o in opts], verdict="scam", top_type=top.id), state

    def _not_this(self, state: ConversationState) -> tuple[Reply, ConversationState]:
        if state.last_type:
            state.excluded_types = sorted(set(state.excluded_types) | {state.last_type})
        alternatives = [a for a in state.alternatives if a not in state.excluded_types and a in self.catalogue.entries]
        if alternatives:
            entry = self.catalogue.entries[alternatives[0]]
            state.last_type, state.last_subkind = entry.id, ""
            state.pending_question = entry.id
            state.alternatives = alternatives[1:]
            blocks = [R.NOT_THIS_ALT.format(title=f"「{entry.name}」") + "\n" + entry.summary, f"想问你一个问题：{entry.clarify}"]
            opts = [OPT_YES, OPT_NO, OPT_NOT_THIS]
            return self._reply(state, "clarify", blocks, [Option(o, LABELS[o]) for o in opts], verdict="unsure", top_type=entry.id), state
        return self._reply(state, "not_understood", [R.NOT_THIS]), state

    def _feedback(self, state: ConversationState, helpful: bool) -> Reply:
        blocks = [R.FEEDBACK_THANKS if helpful else R.FEEDBACK_SORRY]
        opts: list[Option] = []
        if not state.keep_text and state.last_question_id:
            blocks.append(R.ASK_KEEP_TEXT)
            opts.append(Option(OPT_KEEP_TEXT, LABELS[OPT_KEEP_TEXT]))
        return self._reply(state, "feedback", blocks, opts)

    def _next_page(self, state: ConversationState) -> tuple[Reply, ConversationState]:
        if not state.pages:
            return self._reply(state, "more", [R.NO_MORE]), state
        page, state.pages = state.pages[0], state.pages[1:]
        opts = [Option(OPT_MORE, self._t(state, LABELS[OPT_MORE]))] if state.pages else []
        # Pages were converted to the user's script when first cut; don't convert twice.
        return Reply(kind="more", blocks=(page,), options=tuple(opts), traditional=state.traditional), state

    def _urgent(self, state: ConversationState) -> Reply:
        state.last_stage = "paid"
        return self._reply(state, "urgent", R.urgent_blocks(self.catalogue, state.last_subkind or state.last_type),
                           [Option(OPT_TIPS, LABELS[OPT_TIPS]), Option(OPT_HELPFUL, LABELS[OPT_HELPFUL]), Option(OPT_UNHELPFUL, LABELS[OPT_UNHELPFUL])])

    def _not_paid(self, state: ConversationState) -> Reply:
        blocks = ["很好，那就先别转，也别给验证码、别点链接。"]
        if state.last_type in self.catalogue.entries:
            advice = self.catalogue.advice_for(state.last_subkind or state.last_type)
            blocks.append(f"这样核实：{advice.verify}")
        blocks.append("挂断或停止聊天后，自己查官方电话打过去问；或者先问问家人、打96110咨询。")
        return self._reply(state, "tips", blocks, [Option(OPT_PAID, LABELS[OPT_PAID]), Option(OPT_TIPS, LABELS[OPT_TIPS])])

    def _tips(self, state: ConversationState) -> Reply:
        return self._reply(state, "tips", R.tips_blocks(), [Option(OPT_HELPFUL, LABELS[OPT_HELPFUL]), Option(OPT_UNHELPFUL, LABELS[OPT_UNHELPFUL])])

    def _greeting(self, state: ConversationState) -> Reply:
        return self._reply(state, "greeting", list(R.GREETING), [Option(OPT_TIPS, LABELS[OPT_TIPS]), Option(OPT_PAID, LABELS[OPT_PAID])])

    def _type_info(self, state: ConversationState, entry: Entry) -> Reply:
        return self._reply(state, "type_info", R.type_info_blocks(self.catalogue, entry), [Option(OPT_TIPS, LABELS[OPT_TIPS])])

    # ------------------------------------------------------------------ script

    def _t(self, state: ConversationState, text: str) -> str:
        return to_traditional(text, state.cantonese) if state.traditional else text

    def _reply(self, state: ConversationState, kind: str, blocks: list[str], options: list[Option] | None = None,
               verdict: str = "", top_type: str = "") -> Reply:
        opts = tuple(Option(o.id, self._t(state, o.label)) for o in (options or []))
        return Reply(kind=kind, blocks=tuple(self._t(state, b) for b in blocks), options=opts,
                     traditional=state.traditional, verdict=verdict, top_type=top_type)


_HAN_OR_WORD = re.compile(r"[\u4e00-\u9fff]|[a-z]{4,}")


def _without_identifiers(result: MatchResult) -> str:
    """The original text with every identifier cut out, lower-cased."""
    text = result.canonical
    for ident in result.identifiers:
        text = text.replace(ident.value.lower(), " ")
    return re.sub(r"https?://|www\.", " ", text)


def _has_han(text: str) -> bool:
    return bool(re.search(r"[\u4e00-\u9fff]", text))


def _is_story(result: MatchResult) -> bool:
    """True when the message describes a situation (not just a short command-like phrase)."""
    return bool(result.types and result.types[0].evidence >= 4.0) or len(result.canonical) > 30

