"""fanzha kb: catalogue tools for maintainers — check, new, reload.

Examples:
    fanzha kb check                          # validate entries + cases, run examples and near-misses
    fanzha kb check --entry brushing         # only one entry (and its sub-kinds)
    fanzha kb new elderly_fake_doctor --parent elderly   # write a skeleton with every field explained
    fanzha kb reload                         # a running bot reloads the catalogue (refused if invalid)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.commands.common import brain_or_exit, config_or_exit
from bot.reload import request_reload, wait_for_outcome
from knowledge.cases import CASES_DIR, validate_cases
from knowledge.catalogue import ENTRIES_DIR, CatalogueError, load_catalogue
from knowledge.selfcheck import run_selfcheck
from knowledge.skeleton import SkeletonError, check_new_id, skeleton


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    check = sub.add_parser("check", help="validate entries and cases; run every example and near-miss")
    check.add_argument("--config", help="config file")
    check.add_argument("--draft", action="store_true", help="accept a catalogue (and case library) missing some types")
    check.add_argument("--entry", help="only this entry id (and its sub-kinds)")
    new = sub.add_parser("new", help="write a new entry skeleton with every field explained")
    new.add_argument("id", help="entry id: a canonical id, or any lower_snake_case id with --parent")
    new.add_argument("--parent", default="", help="canonical id this entry is a sub-kind of")
    new.add_argument("--dir", type=Path, default=ENTRIES_DIR, help="entries directory (default: the shipped one)")
    reload = sub.add_parser("reload", help="make a running bot reload the catalogue")
    reload.add_argument("--config", help="config file (reload_file and pid_file come from [maintenance])")
    reload.add_argument("--wait", type=float, default=None,
                        help="seconds to wait for the bot's answer (default: 30 if a running bot was found, else 0)")


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
    cases, problems = validate_cases(CASES_DIR, entries_dir=ENTRIES_DIR, require_complete=not args.draft)
    for problem in problems:
        print("CASE " + problem)
    n_entries = len(brain.catalogue.entries)
    print(f"catalogue: {n_entries} entries valid; {len(outcomes) - len(failed)}/{len(outcomes)} "
          "examples and near-misses pass (each example left out of its own nearest-example vote)")
    print(f"cases: {len(cases)} cases; " + (f"{len(problems)} problem(s)" if problems else "valid"))
    return 1 if failed or problems else 0


def _new(args: argparse.Namespace) -> int:
    try:
        path = check_new_id(args.id, args.parent, args.dir)
        with path.open("x", encoding="utf-8") as fh:  # "x": never overwrite, even in a race
            fh.write(skeleton(args.id, args.parent))
    except SkeletonError as exc:
        print(f"fanzha kb new: {exc}", file=sys.stderr)
        return 2
    except FileExistsError:
        print(f"fanzha kb new: {path} already exists; edit it instead", file=sys.stderr)
        return 2
    print(f"wrote {path}\nfill in every field, then: fanzha kb check --entry {args.id}")
    return 0


def _reload(args: argparse.Namespace) -> int:
    config = config_or_exit(args.config)
    try:
        load_catalogue()
    except CatalogueError as exc:
        # Asking would only get a refusal from the bot; say why here instead.
        print("fanzha kb reload: not asking the bot to reload, the catalogue has problems "
              "(the one in service stays):\n" + "\n".join(f"  - {p}" for p in exc.problems), file=sys.stderr)
        return 1
    settings = config.maintenance
    request = request_reload(Path(settings.reload_file), Path(settings.pid_file))
    print(f"catalogue valid; reload requested in {request.reload_file}")
    if request.pid is not None:
        print(f"sent SIGHUP to the running bot (pid {request.pid})")
    else:
        print(f"no signal sent: {request.note}; a bot watching {request.reload_file} "
              f"reloads within {settings.reload_poll_seconds:g} s")
    wait = args.wait if args.wait is not None else (30.0 if request.pid is not None else 0.0)
    if wait <= 0:
        return 0
    outcome = wait_for_outcome(request.reload_file, request.token, wait)
    if outcome is None:
        print(f"no answer from a running bot within {wait:g} s (is it running, with the same [maintenance] "
              "reload_file?)", file=sys.stderr)
        return 1
    print(outcome.summary())
    for problem in outcome.problems:
        print(f"  - {problem}")
    return 0 if outcome.ok else 1


def run(args: argparse.Namespace) -> int:
    return {"check": _check, "new": _new, "reload": _reload}[args.action](args)
