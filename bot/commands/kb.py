"""fanzha kb check: validate the catalogue and run every entry's examples and near-misses.

Example:
    fanzha kb check
"""

from __future__ import annotations

import argparse

from bot.commands.common import brain_or_exit, config_or_exit
from knowledge.selfcheck import run_selfcheck


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    check = sub.add_parser("check", help="validate entries and run their examples and near-misses")
    check.add_argument("--config", help="config file")
    check.add_argument("--draft", action="store_true", help="accept a catalogue missing some types")
    check.add_argument("--entry", help="only this entry id (and its sub-kinds)")


def _check(args: argparse.Namespace) -> int:
    config = config_or_exit(args.config)
    brain = brain_or_exit(config, require_complete=not args.draft)
    outcomes = run_selfcheck(brain.catalogue, brain.matcher)
    if args.entry:
        wanted = {args.entry} | {c.id for c in brain.catalogue.children(args.entry)}
        outcomes = [o for o in outcomes if o.entry_id in wanted]
    failed = [o for o in outcomes if not o.ok]
    for o in failed:
        print("FAIL " + o.describe())
    n_entries = len(brain.catalogue.entries)
    print(f"catalogue: {n_entries} entries valid; {len(outcomes) - len(failed)}/{len(outcomes)} examples and near-misses pass")
    return 1 if failed else 0


def run(args: argparse.Namespace) -> int:
    return {"check": _check}[args.action](args)
