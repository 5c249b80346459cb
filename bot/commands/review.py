"""fanzha review: what the bot was unsure about, and what residents said it got wrong, grouped.

Unsure, low-confidence and unmatched questions and negative feedback (👎, 不是这种情况) since a
day, grouped so that "40 people asked about X and we said unsure" is one line: kept (redacted)
texts are grouped by similarity, questions without a kept text by (type, red flags).

Examples:
    fanzha review                      # the last 7 days
    fanzha review --since 2026-08-01
    fanzha review --json | jq '.groups[0]'
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from bot.commands.maintainers import add_report_args, open_report
from knowledge.identifiers import redact
from storage.reports import ReviewItem, review_items

SAMPLES = 3  # distinct texts shown per group


@dataclass
class ReviewGroup:
    """Questions that look alike: by kept text, or by (type, red flags) when no text was kept."""

    key: str  # "text" or "type:<id>|<signal,...>"
    items: list[ReviewItem] = field(default_factory=list)

    @property
    def people(self) -> int:
        """Distinct residents (hashed keys) in the group."""
        return len({i.user_key for i in self.items})

    def summary(self) -> dict:
        """The group as plain data (what --json prints)."""
        texts = list(dict.fromkeys(redact(i.text) for i in self.items if i.text))
        signals = Counter(s for i in self.items for s in i.signals)
        return {
            "people": self.people,
            "items": len(self.items),  # questions, plus feedback whose question is gone
            "by": "text" if self.key == "text" else "type_and_signals",
            "verdicts": dict(Counter(i.verdict or "-" for i in self.items).most_common()),
            "reasons": dict(Counter(r for i in self.items for r in sorted(i.reasons)).most_common()),
            "types": dict(Counter(i.top_type or "-" for i in self.items).most_common()),
            "signals": dict(signals.most_common(5)),
            "first_day": min(i.day for i in self.items),
            "last_day": max(i.day for i in self.items),
            "samples": texts[:SAMPLES],
            "more_texts": max(0, len(texts) - SAMPLES),
        }


def _bigrams(text: str) -> str:
    """Character bigrams as space-separated tokens: word order and short rewordings matter less."""
    chars = re.sub(r"[\W_]+", "", text.lower())
    return " ".join(chars[i:i + 2] for i in range(len(chars) - 1)) or chars


def group_items(items: list[ReviewItem], similarity: int) -> list[ReviewGroup]:
    """Group review items, largest first (by people, then questions).

    Texts join the first earlier group whose leading text is at least `similarity` (0-100) alike
    by rapidfuzz's token_set_ratio over character bigrams; the rest group by (type, red flags).
    """
    text_groups: list[ReviewGroup] = []
    leaders: list[str] = []
    signature_groups: dict[str, ReviewGroup] = {}
    for item in sorted(items, key=lambda i: (i.day, i.question_id or 0)):
        if item.text:
            grams = _bigrams(item.text)
            best = process.extractOne(grams, leaders, scorer=fuzz.token_set_ratio, processor=None,
                                      score_cutoff=similarity)
            if best is None:
                leaders.append(grams)
                text_groups.append(ReviewGroup("text"))
                text_groups[-1].items.append(item)
            else:
                text_groups[best[2]].items.append(item)
        else:
            key = f"type:{item.top_type or '-'}|{','.join(sorted(item.signals))}"
            signature_groups.setdefault(key, ReviewGroup(key)).items.append(item)
    groups = text_groups + list(signature_groups.values())
    return sorted(groups, key=lambda g: (-g.people, -len(g.items)))


def _mix(counts: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items())


def _what(summary: dict) -> str:
    if summary["samples"]:
        more = f" (+{summary['more_texts']} more texts)" if summary["more_texts"] else ""
        first = summary["samples"][0]
        return f"「{first[:60]}{'…' if len(first) > 60 else ''}」{more}"
    signals = ", ".join(summary["signals"]) or "no red flags"
    return f"no text kept · type {next(iter(summary['types']))} · {signals}"


def render_table(since: str, groups: list[ReviewGroup]) -> str:
    """The review queue as a text table, one block per group."""
    summaries = [g.summary() for g in groups]
    n_items = sum(s["items"] for s in summaries)
    reasons: Counter[str] = Counter()
    for s in summaries:
        reasons.update(s["reasons"])
    lines = [f"review since {since}: {n_items} item(s) in {len(groups)} group(s); "
             f"reasons: {_mix(dict(reasons.most_common())) or 'none'}"]
    if not groups:
        return lines[0] + "\nnothing to review"
    lines.append(f"{'#':>3}  {'people':>6}  {'items':>5}  what")
    for n, s in enumerate(summaries, 1):
        lines.append(f"{n:>3}  {s['people']:>6}  {s['items']:>5}  {_what(s)}")
        lines.append(f"{'':>20}we said: {_mix(s['verdicts'])} · why listed: {_mix(s['reasons'])} · "
                     f"types: {_mix(s['types'])} · {s['first_day']}..{s['last_day']}")
        for sample in s["samples"][1:]:
            lines.append(f"{'':>20}also: 「{sample[:60]}{'…' if len(sample) > 60 else ''}」")
    return "\n".join(lines)


def configure(parser: argparse.ArgumentParser) -> None:
    add_report_args(parser, default_days=7)
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--min-confidence", type=float, default=None,
                        help="list 'scam' answers below this confidence (default: [maintenance] review_min_confidence)")


def run(args: argparse.Namespace) -> int:
    config, since, db = open_report(args, default_days=7)
    settings = config.maintenance
    min_confidence = settings.review_min_confidence if args.min_confidence is None else args.min_confidence
    groups = group_items(review_items(db, since, min_confidence), settings.review_similarity)
    if args.json:
        print(json.dumps({"since": since, "min_confidence": min_confidence,
                          "groups": [g.summary() for g in groups]}, ensure_ascii=False, indent=2))
    else:
        print(render_table(since, groups))
    return 0
