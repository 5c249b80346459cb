"""What the Telegram channel itself says (the dialogue writes everything else), in plain text.

Composed in simplified Chinese; `localize` converts for residents whose Telegram is set to
traditional Chinese, and for groups that chose 繁體 in /settings.
"""

from __future__ import annotations

from knowledge.normalize import to_traditional

NON_TEXT = ("我只能看懂文字。请用文字说说发生了什么，或者把可疑的短信、聊天内容复制粘贴过来"
            "（图片、语音里的内容也请打成字）。")
FLOOD = "消息太多太快，我先停一下。请稍等一会儿，把情况写在一条消息里再发给我。"
ADMIN_ONLY = "抱歉，只有本群的管理员可以更改每日提醒和群设置。请联系群管理员。"
ADMIN_ONLY_SHORT = "只有本群管理员可以更改设置。"
GROUP_ONLY = "这个命令在群里使用：把我拉进群，由群管理员发送 /subscribe 订阅每日防骗提醒。"
BAD_TIME = "时间格式不对。请用 24 小时制的 时:分，例如 /subscribe 08:30"
SUBSCRIBED = "好的，本群已订阅每日防骗提醒：每天 {time}（{tz}）发一条真实案例。\n修改设置：/settings　取消：/unsubscribe"
UNSUBSCRIBED = "已取消本群的每日防骗提醒。想恢复，管理员发送 /subscribe 即可。"
NOT_SUBSCRIBED = "本群还没有订阅每日防骗提醒。管理员发送 /subscribe 即可订阅。"
GROUP_INTRO = ("大家好，我是反诈助手。平时我不插话；有人 @我 或回复我的消息，我就帮忙看看是不是诈骗。\n"
               "群管理员可以发送 /subscribe 订阅每日防骗提醒，用 /settings 设置时间、专题、简繁和守护模式。")
PRIVATE_LINK = "私聊我，详细说说"
GUARDIAN_LINK = "私聊我，详细问问"
UPDATED = "已更新"
UNKNOWN_TOPIC = "没有找到专题“{topic}”。可以写类型名称，例如：养老、刷单、杀猪盘、公检法；或写“全部”。"
SETTINGS_USAGE = ("用法（群管理员）：\n"
                  "/settings time 08:30 — 每日提醒时间\n"
                  "/settings topics 养老 刷单 — 只推送这些专题（/settings topics 全部 恢复全部）\n"
                  "/settings script 繁 — 用繁体字推送（简 = 简体）\n"
                  "/settings guardian on — 开启守护模式（off 关闭）：群里出现很像诈骗的消息时，我会简短提醒")
HELP_COMMANDS = "命令："
HELP_GROUP = "在群里：平时我不插话，@我 或回复我的消息我才回答。群管理员可用 /subscribe、/unsubscribe、/settings。"

_TRADITIONAL_LANGUAGES = ("zh-hant", "zh-tw", "zh-hk", "zh-mo")


def wants_traditional(language_code: str | None) -> bool:
    """True when a Telegram user's interface language is traditional Chinese."""
    return bool(language_code) and language_code.lower().startswith(_TRADITIONAL_LANGUAGES)


def localize(text: str, traditional: bool) -> str:
    """`text` in the reader's script."""
    return to_traditional(text) if traditional else text
