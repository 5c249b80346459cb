"""fanzha chat: talk to the bot in the terminal (the embedded default: no token, no network).

Example:
    fanzha chat
    > 有人说我涉嫌洗钱，要我把钱转到安全账户
"""

from __future__ import annotations

import argparse
import sys

from bot.commands.common import config_or_exit
from bot.console import render_plain
from bot.runtime import build_runtime

CONSOLE_USER = "console"
QUIT = {"exit", "quit", "q", "退出", "再见"}


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help="config file (default: FANZHA_CONFIG or config.toml)")
    parser.add_argument("--db", help="SQLite file for conversation state (default: [storage] path)")


def run(args: argparse.Namespace) -> int:
    config = config_or_exit(args.config)
    rt = build_runtime(config, args.db)
    interactive = sys.stdin.isatty()
    print(render_plain(rt.service.command("console", CONSOLE_USER, "start")))
    print("（输入 exit 退出；/types 查看诈骗类型；/privacy 隐私说明；/forget 删除记录）\n")
    while True:
        try:
            line = input("> " if interactive else "")
        except EOFError:
            break
        text = line.strip()
        if text.lower() in QUIT:
            break
        if not text:
            continue
        if text.startswith("/"):
            name, _, arg = text[1:].partition(" ")
            if name == "forget":
                n = rt.service.forget("console", CONSOLE_USER)
                print(f"已删除与你有关的全部记录（共 {n} 条）。\n")
                continue
            reply = rt.service.command("console", CONSOLE_USER, name, arg.strip())
        else:
            reply = rt.service.handle_text("console", CONSOLE_USER, text)
        print(render_plain(reply) + "\n")
    return 0
