"""fanzha stats: questions per day and per type, verdict mix, feedback, subscriptions, pushes.

Examples:
    fanzha stats                       # the last 30 days, as tables
    fanzha stats --since 2026-08-01 --json
    fanzha stats --csv > stats.csv     # one row per figure: section,key,field,value
"""

from __future__ import annotations

import argparse
import csv
import json
import sys

from bot.commands.maintainers import add_report_args, open_report
from storage.reports import distinct_people, usage_stats

TITLES = {
    "per_day": "questions per day",
    "per_type": "questions per type",
    "verdicts": "verdict mix",
    "feedback": "feedback",
    "subscriptions": "daily-warning subscriptions (now)",
    "pushes": "daily warnings (push log)",
}


def summarise(sections: dict[str, list[dict]], people: int) -> dict[str, float | int | None]:
    """Headline figures derived from the sections: totals, shares, feedback ratio."""
    questions = sum(r["questions"] for r in sections["verdicts"])
    presses = {r["kind"]: r["presses"] for r in sections["feedback"]}
    up, down = presses.get("up", 0), presses.get("down", 0)
    sent = sum(r["warnings"] for r in sections["pushes"] if r["status"] == "sent")
    failed = sum(r["warnings"] for r in sections["pushes"] if r["status"] == "failed")
    return {
        "questions": questions,
        "people": people,
        "feedback_presses": sum(presses.values()),
        "feedback_per_question": round(sum(presses.values()) / questions, 3) if questions else None,
        "helpful_ratio": round(up / (up + down), 3) if up + down else None,  # 👍 / (👍 + 👎)
        "not_this": presses.get("not_this", 0),
        "warnings_sent": sent,
        "warnings_failed": failed,
    }


def _table(rows: list[dict]) -> list[str]:
    if not rows:
        return ["  (none)"]
    cols = list(rows[0])
    cells = [[str(c) for c in cols]] + [["" if r[c] is None else str(r[c]) for c in cols] for r in rows]
    widths = [max(len(row[k]) for row in cells) for k in range(len(cols))]
    return ["  " + "  ".join(v.ljust(w) if k == 0 else v.rjust(w) for k, (v, w) in enumerate(zip(row, widths)))
            for row in cells]


def render_table(since: str, sections: dict[str, list[dict]], headline: dict) -> str:
    """Every section as an aligned text table, headline figures first."""
    lines = [f"stats since {since}"]
    lines += [f"  {k}: {'-' if v is None else v}" for k, v in headline.items()]
    for name, rows in sections.items():
        lines += ["", TITLES[name]] + _table(rows)
    return "\n".join(lines)


def write_csv(out, sections: dict[str, list[dict]], headline: dict) -> None:
    """Long format: one figure per row (section, key, field, value), so every section fits one file."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "key", "field", "value"])
    for k, v in headline.items():
        writer.writerow(["summary", k, "", "" if v is None else v])
    for name, rows in sections.items():
        for row in rows:
            key_col, *fields = list(row)
            key = row[key_col] if name != "pushes" else f"{row['channel']}/{row['status']}"
            for f in fields:
                if name == "pushes" and f == "status":
                    continue
                writer.writerow([name, key, f, row[f]])


def configure(parser: argparse.ArgumentParser) -> None:
    add_report_args(parser, default_days=30)
    fmt = parser.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="machine-readable output")
    fmt.add_argument("--csv", action="store_true", help="CSV export: section,key,field,value")


def run(args: argparse.Namespace) -> int:
    _, since, db = open_report(args, default_days=30)
    sections = usage_stats(db, since)
    headline = summarise(sections, distinct_people(db, since))
    if args.json:
        print(json.dumps({"since": since, "summary": headline, **sections}, ensure_ascii=False, indent=2))
    elif args.csv:
        write_csv(sys.stdout, sections, headline)
    else:
        print(render_table(since, sections, headline))
    return 0
