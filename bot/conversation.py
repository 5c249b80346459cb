"""The channel-neutral shapes of a conversation: what a channel passes in and gets back.

Channels (console, Telegram, WeChat) render a `Reply` their own way: text blocks are plain
text (channels escape them), options become buttons or numbered lines.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

# Option ids every channel may see. A channel sends the id back through Dialogue.choose().
OPT_PAID = "paid"  # 我已经转账了
OPT_NOT_PAID = "not_paid"  # 还没转账，想确认
OPT_NOT_THIS = "not_this"  # 不是这种情况
OPT_TIPS = "tips"  # 防骗要点
OPT_HELPFUL = "helpful"  # 有帮助 👍
OPT_UNHELPFUL = "unhelpful"  # 没帮助 👎
OPT_YES = "yes"  # answer to a clarifying question
OPT_NO = "no"
OPT_KEEP_TEXT = "keep_text"  # consent to keep the (redacted) question for maintainers
OPT_MORE = "more"  # next page of a long reply
OPT_TYPE_PREFIX = "type:"  # "type:<entry id>" explains an entry


@dataclass(frozen=True)
class Option:
    """A choice offered to the user: `id` comes back to Dialogue.choose, `label` is shown."""

    id: str
    label: str


@dataclass(frozen=True)
class Reply:
    """What the bot says: plain-text blocks (paragraphs) and options.

    kind ∈ greeting, help, verdict, clarify, urgent, tips, type_info, type_list, off_topic,
    empty, feedback, privacy, forgotten, case, not_understood, consent.
    """

    kind: str
    blocks: tuple[str, ...]
    options: tuple[Option, ...] = ()
    traditional: bool = False
    verdict: str = ""
    top_type: str = ""

    @property
    def text(self) -> str:
        """All blocks as one plain-text message."""
        return "\n\n".join(self.blocks)


@dataclass
class ConversationState:
    """Per-user memory between messages; stored as JSON, never holding the user's raw text."""

    traditional: bool = False
    cantonese: bool = False
    last_verdict: str = ""
    last_type: str = ""
    last_subkind: str = ""
    last_stage: str = ""
    last_signals: list[str] = field(default_factory=list)
    pending_question: str = ""  # which clarifying question awaits a yes/no
    evidence: float = 0.0  # evidence behind the last verdict (for clarify follow-ups)
    excluded_types: list[str] = field(default_factory=list)  # "不是这种情况" for this story
    alternatives: list[str] = field(default_factory=list)  # next-ranked types, offered after "不是这种情况"
    pages: list[str] = field(default_factory=list)  # remaining pages of a long reply (「更多」)
    keep_text: bool = False
    last_options: list[str] = field(default_factory=list)  # option ids of the last reply (numbered-line channels)
    last_question_id: int = 0

    def to_json(self) -> str:
        """Serialise for storage."""
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str | None) -> "ConversationState":
        """Deserialise; unknown or broken data gives a fresh state rather than an error."""
        if not raw:
            return cls()
        try:
            data = json.loads(raw)
            known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
            return cls(**known)
        except (ValueError, TypeError, AttributeError):
            return cls()
