"""`fanzha` command line: a thin shell that dispatches to bot.commands.<module>.

The routing table below is the whole CLI; each command's module builds its own arguments, so a
command's imports (Telegram, WeChat...) are paid only when it runs.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# (command, module under bot.commands, one-line help)
COMMANDS: list[tuple[str, str, str]] = [
    ("chat", "chat", "interactive console conversation (no token, no network)"),
    ("ask", "ask", "print the reply a resident would get for TEXT"),
    ("match", "match", "match JSON lines {id, text} → verdict/types/signals (evaluation interface)"),
    ("eval", "evaluate", "figures for a labelled JSON-lines file (top-1, scam recall, false alarms)"),
    ("kb", "kb", "catalogue tools: check, new <id>, reload"),
    ("cases", "cases", "case library tools: check, list"),
    ("run", "run", "run the Telegram bot (token from TELEGRAM_BOT_TOKEN)"),
    ("push", "push", "daily warnings: --dry-run preview, --now send today's due warnings"),
    ("wechat", "wechat", "WeChat: serve the 公众号 callback; push daily warnings to WeCom robots"),
    ("review", "review", "maintainers: unsure/low-confidence questions and negative feedback, grouped"),
    ("stats", "stats", "maintainers: questions, verdicts, feedback, subscriptions, pushes"),
]


def _usage() -> str:
    width = max(len(c) for c, _, _ in COMMANDS)
    rows = "\n".join(f"  {c:<{width}}  {h}" for c, _, h in COMMANDS)
    return f"usage: fanzha <command> [options]\n\n反诈助手 — is this a scam?\n\ncommands:\n{rows}\n\n`fanzha <command> -h` for a command's options."


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `fanzha` console script."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(_usage())
        return 0
    name, rest = argv[0], argv[1:]
    modules = {c: m for c, m, _ in COMMANDS}
    if name not in modules:
        print(f"fanzha: unknown command {name!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    module = importlib.import_module(f"bot.commands.{modules[name]}")
    parser = argparse.ArgumentParser(prog=f"fanzha {name}", description=dict((c, h) for c, _, h in COMMANDS)[name])
    module.configure(parser)
    args = parser.parse_args(rest)
    try:
        return int(module.run(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # Output piped into `head` and closed early: not an error worth a traceback.
        sys.stderr.close()
        return 0
