"""fanzha cases: validate the daily-warning case library, and list its cases.

Examples:
    fanzha cases check                 # counts per type, every problem; exit 1 on problems
    fanzha cases list --type elderly   # id, type, title
    fanzha cases list --topic 老人      # what a group subscribed to 老人 would get
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from knowledge.cases import (
    CASES_DIR,
    MIN_PER_TYPE,
    OUTCOMES,
    CaseError,
    CaseLibrary,
    load_cases,
    resolve_topic,
    validate_cases,
)
from knowledge.catalogue import CANONICAL_IDS, ENTRIES_DIR


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    check = sub.add_parser("check", help="validate the case files; print counts per type and every problem")
    check.add_argument("--dir", type=Path, default=CASES_DIR, help="case directory (default: the shipped library)")
    check.add_argument("--draft", action="store_true",
                       help=f"accept types with fewer than {MIN_PER_TYPE} cases")
    lst = sub.add_parser("list", help="id, type and title of every case")
    lst.add_argument("--dir", type=Path, default=CASES_DIR, help="case directory (default: the shipped library)")
    lst.add_argument("--type", help="only this canonical type id (or its Chinese name, e.g. 养老)")
    lst.add_argument("--topic", action="append", default=[],
                     help="only cases a group subscribed to this topic gets (type, sub-kind, tag); repeatable")


def _check(args: argparse.Namespace) -> int:
    cases, problems = validate_cases(args.dir, entries_dir=ENTRIES_DIR, require_complete=not args.draft)
    by_type = Counter(c.type for c in cases)
    width = max(len(t) for t in CANONICAL_IDS)
    for cid in CANONICAL_IDS:
        flag = "" if by_type[cid] >= MIN_PER_TYPE else f"  (needs {MIN_PER_TYPE})"
        print(f"  {cid:<{width}}  {by_type[cid]:>3}{flag}")
    outcomes = Counter(c.outcome for c in cases)
    print("  outcomes: " + ", ".join(f"{o} {outcomes[o]}" for o in OUTCOMES))
    for problem in problems:
        print("PROBLEM " + problem)
    verdict = f"{len(problems)} problem(s)" if problems else "valid"
    print(f"cases: {len(cases)} cases in {len(set(c.path for c in cases))} files; {verdict}")
    return 1 if problems else 0


def _list(args: argparse.Namespace) -> int:
    try:
        # listing a half-written library is still useful; `check` is where completeness counts
        library: CaseLibrary = load_cases(args.dir, require_complete=False)
    except CaseError as exc:
        for problem in exc.problems:
            print("PROBLEM " + problem)
        return 1
    cases = library.for_topics(args.topic)
    if args.type:
        wanted = resolve_topic(args.type)
        if wanted not in CANONICAL_IDS:
            print(f"fanzha cases list: unknown type {args.type!r}; one of {', '.join(CANONICAL_IDS)}")
            return 2
        cases = [c for c in cases if c.type == wanted]
    width = max((len(c.id) for c in cases), default=0)
    type_width = max((len(c.type) for c in cases), default=0)
    for c in cases:
        print(f"{c.id:<{width}}  {c.type:<{type_width}}  {c.title}")
    print(f"{len(cases)} case(s)")
    return 0


def run(args: argparse.Namespace) -> int:
    return {"check": _check, "list": _list}[args.action](args)
