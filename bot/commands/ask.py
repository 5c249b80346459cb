"""fanzha ask "TEXT": print the reply a resident would see (nothing is stored).

Example:
    fanzha ask "有人打电话说我涉嫌洗钱，要我把钱转到安全账户"
"""

from __future__ import annotations

import argparse
import sys

from bot.brain import BrainHolder
from bot.commands.common import brain_or_exit, config_or_exit
from bot.console import render_plain
from bot.conversation import ConversationState
from bot.dialogue import Dialogue


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("text", nargs="?", help="the message (default: read standard input)")
    parser.add_argument("--config", help="config file")


def run(args: argparse.Namespace) -> int:
    config = config_or_exit(args.config)
    text = args.text if args.text is not None else sys.stdin.read()
    dialogue = Dialogue(BrainHolder(brain_or_exit(config), config.matcher), config.dialogue,
                        retention_days=config.privacy.retention_days)
    reply, _ = dialogue.handle(ConversationState(), text)
    print(render_plain(reply))
    return 0
