"""fanzha eval FILE.jsonl [--json]: top-1, scam recall, false alarms, per-type P/R, confusions.

Example:
    fanzha eval ../shared/eval/dev_cases.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys

from bot.commands.common import brain_or_exit, config_or_exit, open_input
from knowledge.evaluation import evaluate, format_table, read_cases


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="labelled JSON lines: {\"id\", \"text\", \"labels\": [...]}")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--misses", action="store_true", help="also list every miss")
    parser.add_argument("--config", help="config file")
    parser.add_argument("--draft", action="store_true", help="accept a catalogue missing some types")


def run(args: argparse.Namespace) -> int:
    config = config_or_exit(args.config)
    matcher = brain_or_exit(config, require_complete=not args.draft).matcher
    try:
        cases = read_cases(open_input(args.file))
    except ValueError as exc:
        print(f"fanzha eval: {args.file}: {exc}", file=sys.stderr)
        return 2
    report = evaluate(cases, (matcher.match(c.text) for c in cases))
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return 0
    print(format_table(report))
    if args.misses:
        print("\nmisses:")
        for m in report.misses:
            print(f"  {m['id']}: expected {'/'.join(m['expected'])}, got {m['predicted']} ({m['verdict']}): {m['text']}")
    return 0
