"""Quality figures for labelled cases: top-1 accuracy, scam recall, false alarms, per-type P/R."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable

from knowledge.matcher import MatchResult


@dataclass(frozen=True)
class LabelledCase:
    """One evaluation line: {"id", "text", "labels"}; labels[0] is the expected answer."""

    id: str
    text: str
    labels: tuple[str, ...]


def predicted_label(result: MatchResult) -> str:
    """The single label a result stands for: "none" unless the verdict names a type."""
    if result.verdict == "not_scam" or not result.types:
        return "none"
    return result.types[0].id


@dataclass
class Report:
    """Figures over a set of cases (see `evaluate`)."""

    total: int = 0
    top1_correct: int = 0
    scam_cases: int = 0
    scam_caught: int = 0
    none_cases: int = 0
    false_alarms: int = 0
    none_unsure: int = 0
    per_type: dict[str, dict[str, int]] = field(default_factory=dict)
    confusions: Counter = field(default_factory=Counter)
    misses: list[dict] = field(default_factory=list)

    @property
    def top1(self) -> float:
        return self.top1_correct / self.total if self.total else 0.0

    @property
    def scam_recall(self) -> float:
        return self.scam_caught / self.scam_cases if self.scam_cases else 0.0

    @property
    def false_alarm_rate(self) -> float:
        return self.false_alarms / self.none_cases if self.none_cases else 0.0

    def as_dict(self) -> dict:
        """Machine-readable form (fanzha eval --json)."""
        per_type = {}
        for label, c in sorted(self.per_type.items()):
            p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
            r = c["tp"] / c["n"] if c["n"] else 0.0
            per_type[label] = {"n": c["n"], "precision": round(p, 4), "recall": round(r, 4)}
        return {
            "total": self.total,
            "top1": round(self.top1, 4),
            "scam_recall": round(self.scam_recall, 4),
            "false_alarm_rate": round(self.false_alarm_rate, 4),
            "none_called_unsure": self.none_unsure,
            "per_type": per_type,
            "confusions": [{"expected": e, "predicted": p, "count": n} for (e, p), n in self.confusions.most_common()],
            "misses": self.misses,
        }


def evaluate(cases: Iterable[LabelledCase], results: Iterable[MatchResult]) -> Report:
    """Compare results with labels, case by case."""
    rep = Report()
    for case, res in zip(cases, results):
        expected = case.labels[0]
        pred = predicted_label(res)
        rep.total += 1
        ok = pred in case.labels
        rep.top1_correct += ok
        for label in {expected, pred}:
            rep.per_type.setdefault(label, {"n": 0, "tp": 0, "fp": 0})
        rep.per_type[expected]["n"] += 1
        if ok:
            rep.per_type[expected]["tp"] += 1
        else:
            rep.per_type[pred]["fp"] += 1
            rep.confusions[(expected, pred)] += 1
            rep.misses.append({"id": case.id, "expected": list(case.labels), "predicted": pred,
                               "verdict": res.verdict, "text": case.text[:80]})
        if expected == "none":
            rep.none_cases += 1
            rep.false_alarms += res.verdict == "scam"
            rep.none_unsure += res.verdict == "unsure"
        else:
            rep.scam_cases += 1
            rep.scam_caught += res.verdict != "not_scam"
    return rep


def read_cases(lines: Iterable[str]) -> list[LabelledCase]:
    """Parse JSON lines; blank lines are skipped, a broken line raises ValueError naming it."""
    out = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            labels = d["labels"]
            if isinstance(labels, str):
                labels = [labels]
            out.append(LabelledCase(id=str(d.get("id", n)), text=str(d["text"]), labels=tuple(labels)))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"line {n}: not an evaluation case ({exc})") from None
    return out


def format_table(rep: Report) -> str:
    """Human-readable report."""
    d = rep.as_dict()
    lines = [
        f"cases {d['total']}   top-1 {d['top1']:.3f}   scam recall {d['scam_recall']:.3f}   "
        f"false alarms {d['false_alarm_rate']:.3f}   (none→unsure {d['none_called_unsure']})",
        "",
        f"{'type':<26}{'n':>4}{'precision':>11}{'recall':>8}",
    ]
    for label, v in d["per_type"].items():
        lines.append(f"{label:<26}{v['n']:>4}{v['precision']:>11.2f}{v['recall']:>8.2f}")
    if d["confusions"]:
        lines += ["", "confusions (expected → predicted: count)"]
        lines += [f"  {c['expected']} → {c['predicted']}: {c['count']}" for c in d["confusions"][:20]]
    return "\n".join(lines)
