"""The bot's command list: the one source for the handlers, set_my_commands and /help."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import BotCommand


@dataclass(frozen=True)
class Command:
    """A slash command: name, the description Telegram shows, whether only group admins use it."""

    name: str
    description: str
    admin: bool = False
    operator: bool = False  # maintainers only: never shown in command menus or /help


COMMANDS: tuple[Command, ...] = (
    Command("start", "开始：我能帮你做什么"),
    Command("help", "怎么用、有哪些命令"),
    Command("types", "常见诈骗类型一览"),
    Command("type", "了解一种诈骗，例如 /type 杀猪盘"),
    Command("case", "今天的防骗案例"),
    Command("privacy", "我们保存什么、保存多久、怎么删除"),
    Command("forget", "删除与你有关的全部记录"),
    Command("subscribe", "群管理员：订阅每日防骗提醒，例如 /subscribe 08:30", admin=True),
    Command("unsubscribe", "群管理员：取消每日防骗提醒", admin=True),
    Command("settings", "群管理员：提醒时间、专题、简繁、守护模式", admin=True),
    Command("reload", "维护人员：重新加载诈骗类型库", operator=True),
)
_NAMES = {c.name for c in COMMANDS}


def cmd(name: str) -> str:
    """`name` if it is in COMMANDS (KeyError otherwise), so no handler can use an unlisted command."""
    if name not in _NAMES:
        raise KeyError(f"/{name} is not in bot.telegram_bot.commands.COMMANDS")
    return name


def bot_commands(include_admin: bool) -> list[BotCommand]:
    """The list for set_my_commands: residents' commands, plus the admin ones if asked."""
    return [BotCommand(c.name, c.description) for c in COMMANDS
            if not c.operator and (include_admin or not c.admin)]


def help_lines(include_admin: bool) -> list[str]:
    """/help's command list, one "/name — description" line each."""
    return [f"/{c.name} — {c.description}" for c in COMMANDS
            if not c.operator and (include_admin or not c.admin)]
