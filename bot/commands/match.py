"""fanzha match --jsonl [FILE|-]: one JSON line out per JSON line in (the evaluation interface).

Example:
    echo '{"id": 1, "text": "有人让我先垫付做刷单任务"}' | fanzha match --jsonl
"""

from __future__ import annotations

import argparse
import json
import sys

from bot.commands.common import brain_or_exit, config_or_exit, open_input
from knowledge.matcher import Matcher


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--jsonl", nargs="?", const="-", default="-", metavar="FILE",
                        help="JSON-lines input, one {\"id\", \"text\"} per line (default: standard input)")
    parser.add_argument("--config", help="config file (default: FANZHA_CONFIG or config.toml)")


def match_line(matcher: Matcher, line: str, n: int) -> dict:
    """The output object for one input line; errors become {"id", "error"}, never an exception."""
    try:
        obj = json.loads(line)
    except ValueError as exc:
        return {"id": None, "line": n, "error": f"invalid JSON: {exc}"}
    if not isinstance(obj, dict):
        return {"id": None, "line": n, "error": "expected a JSON object"}
    case_id = obj.get("id")
    text = obj.get("text")
    if not isinstance(text, str):
        return {"id": case_id, "error": "missing or non-string \"text\""}
    r = matcher.match(text)
    return {
        "id": case_id,
        "verdict": r.verdict,
        "types": [{"id": t.id, "score": t.score} for t in r.types[:3]],
        "signals": r.signal_ids,
    }


def run(args: argparse.Namespace) -> int:
    config = config_or_exit(args.config)
    matcher = brain_or_exit(config).matcher
    stream = open_input(args.jsonl)
    out = sys.stdout
    for n, line in enumerate(stream, 1):
        if not line.strip():
            continue
        out.write(json.dumps(match_line(matcher, line, n), ensure_ascii=False) + "\n")
        out.flush()
    return 0
