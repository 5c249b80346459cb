"""Group settings for admins, pure: parsing `/settings` arguments and button data, and showing
the settings with their toggle buttons.

    /settings                      show the settings, with buttons
    /settings time 08:30           daily send time (also 时间)
    /settings topics 养老 刷单      only these scam types (also 专题; 全部/all = every type)
    /settings script 繁            简体 or 繁體 for the daily warning (also 文字; 简/繁, hans/hant)
    /settings guardian on          guardian mode on/off (also 守护; 开/关)
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.telegram_bot.texts import BAD_TIME, SETTINGS_USAGE, UNKNOWN_TOPIC
from knowledge.cases import resolve_topic
from knowledge.catalogue import Catalogue
from scheduler.schedule import parse_hhmm
from storage.subscriptions import Subscription

BUTTON_PREFIX = "set:"  # callback_data of settings buttons: "set:<field>:<value>"
BUTTON_PATTERN = r"^set:"
_KEYS = {"time": "send_time", "时间": "send_time", "topics": "topics", "专题": "topics",
         "script": "script", "文字": "script", "简繁": "script", "guardian": "guardian", "守护": "guardian",
         "守护模式": "guardian"}
_SCRIPTS = {"简": "hans", "简体": "hans", "簡": "hans", "簡體": "hans", "hans": "hans",
            "繁": "hant", "繁体": "hant", "繁體": "hant", "hant": "hant"}
_ON = {"on", "开", "開", "开启", "開啟", "1", "yes"}
_OFF = {"off", "关", "關", "关闭", "關閉", "0", "no"}
_ALL = {"all", "全部", "所有"}


@dataclass(frozen=True)
class Change:
    """One settings change: the Subscription field and its new value."""

    field: str
    value: object


class SettingsError(ValueError):
    """Arguments that do not make a valid change; the message is what to tell the admin."""

    @classmethod
    def usage(cls) -> "SettingsError":
        """The arguments are not understood: show how to use /settings."""
        return cls(SETTINGS_USAGE)


def parse_time(text: str) -> str:
    """"8:30" or "08：30" → "08:30"; SettingsError otherwise."""
    try:
        return f"{parse_hhmm(text.replace('：', ':')):%H:%M}"
    except ValueError:
        raise SettingsError(BAD_TIME) from None


def resolve_topics(words: list[str], catalogue: Catalogue) -> tuple[str, ...]:
    """Scam type ids for what an admin typed (id, name, alias); SettingsError naming an unknown one."""
    if not words or any(w.lower() in _ALL for w in words):
        return ()
    ids: list[str] = []
    for word in words:
        found = _topic_id(word, catalogue)
        if found is None:
            raise SettingsError(UNKNOWN_TOPIC.format(topic=word))
        if found not in ids:
            ids.append(found)
    return tuple(ids)


def _topic_id(word: str, catalogue: Catalogue) -> str | None:
    resolved = resolve_topic(word)
    if resolved in catalogue.entries:
        return resolved
    for entry in catalogue.entries.values():
        if word in (entry.name, entry.name_hant) or word in entry.aliases:
            return entry.id
    return None


def parse_args(args: list[str], catalogue: Catalogue) -> Change | None:
    """`/settings <key> <value...>` → a Change; None for no arguments; SettingsError if invalid."""
    if not args:
        return None
    key, values = _KEYS.get(args[0].lower()), args[1:]
    if key is None or not values and key != "topics":
        raise SettingsError.usage()
    if key == "send_time":
        return Change("send_time", parse_time(values[0]))
    if key == "topics":
        return Change("topics", resolve_topics(values, catalogue))
    if key == "script":
        if values[0].lower() not in _SCRIPTS:
            raise SettingsError.usage()
        return Change("script", _SCRIPTS[values[0].lower()])
    if values[0].lower() not in _ON | _OFF:
        raise SettingsError.usage()
    return Change("guardian", values[0].lower() in _ON)


def parse_button(data: str) -> Change | None:
    """"set:guardian:1" → Change("guardian", True); None for data that is not a settings button."""
    if not data.startswith(BUTTON_PREFIX):
        return None
    _, name, value = (data.split(":", 2) + ["", ""])[:3]
    if name in ("guardian", "active"):
        return Change(name, value == "1")
    if name == "script" and value in ("hans", "hant"):
        return Change("script", value)
    if name == "topics" and value == "all":
        return Change("topics", ())
    return None


def summary(sub: Subscription | None, catalogue: Catalogue, default_time: str, default_tz: str) -> str:
    """The group's settings as plain text (channel texts are escaped when sent)."""
    active = sub is not None and sub.active
    send_time = (sub.send_time if sub and sub.send_time else default_time)
    tz = (sub.timezone if sub and sub.timezone else default_tz)
    topics = "、".join(catalogue.entries[t].name if t in catalogue.entries else t for t in sub.topics) if sub else ""
    lines = [
        "本群设置",
        f"• 每日防骗提醒：{'已订阅' if active else '未订阅'}，每天 {send_time}（{tz}）",
        f"• 专题：{topics or '全部'}",
        f"• 文字：{'繁體' if sub and sub.script == 'hant' else '简体'}",
        f"• 守护模式：{'开' if sub and sub.guardian else '关'}（开启后，群里出现很像诈骗的消息时我会简短提醒）",
    ]
    return "\n".join(lines)


def keyboard(sub: Subscription | None) -> InlineKeyboardMarkup:
    """Toggle buttons for the current settings."""
    guardian = bool(sub and sub.guardian)
    hant = bool(sub and sub.script == "hant")
    active = bool(sub and sub.active)
    rows = [
        [InlineKeyboardButton("关闭守护模式" if guardian else "开启守护模式",
                              callback_data=f"{BUTTON_PREFIX}guardian:{0 if guardian else 1}")],
        [InlineKeyboardButton("改用简体" if hant else "改用繁體",
                              callback_data=f"{BUTTON_PREFIX}script:{'hans' if hant else 'hant'}")],
        [InlineKeyboardButton("取消每日提醒" if active else "订阅每日提醒",
                              callback_data=f"{BUTTON_PREFIX}active:{0 if active else 1}")],
    ]
    if sub and sub.topics:
        rows.append([InlineKeyboardButton("专题：恢复全部", callback_data=f"{BUTTON_PREFIX}topics:all")])
    return InlineKeyboardMarkup(rows)
