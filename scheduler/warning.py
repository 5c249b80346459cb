"""The daily warning message for a case: plain text, simplified or traditional script.

Plain text on purpose: no parse mode means a case's 《》, <, & or * can never break the message,
and the same text goes to WeCom robots unchanged.
"""

from __future__ import annotations

from knowledge.cases import Case
from knowledge.normalize import to_traditional

HEADER = "【反诈每日提醒】"
RULE = "三不一要：不轻信、不泄露、不转账，要及时报警。"
HOTLINES = "遇到可疑情况，先挂断、不转账；拨打 110 报警，或 96110 反诈专线咨询。"
# Telegram's message limit is 4096 characters; cases are validated far below that (450), the
# guard only keeps a bad edit from turning into a failed send.
MAX_CHARS = 4096


def render_warning(case: Case, script: str = "hans") -> str:
    """The message for `case`: title, story, the red flag, 三不一要 takeaway, 110 / 96110.

    :param script: ``"hans"`` (简体, default) or ``"hant"`` (繁體, Taiwan forms).
    """
    text = "\n\n".join([
        f"{HEADER}{case.title}",
        case.story,
        f"⚠️ 识破点：{case.red_flag}",
        f"✅ 怎么做：{case.takeaway}\n{RULE}",
        f"☎️ {HOTLINES}",
    ])
    if script == "hant":
        text = to_traditional(text)
    return text[:MAX_CHARS]
