"""Every entry's own examples and near-misses, run through the matcher (kb check and the tests)."""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.catalogue import Catalogue
from knowledge.matcher import Matcher, MatchResult


@dataclass(frozen=True)
class ExampleOutcome:
    """How one example or near-miss fared."""

    entry_id: str
    kind: str  # "example" or "near_miss"
    text: str
    ok: bool
    result: MatchResult
    expected: str  # canonical id for examples, "not a scam" for near-misses

    def describe(self) -> str:
        """kb check's account of one outcome: expected, got, the ranking and what fired or weighed against.

        The ranking shows how close the expected type came (or that none of its red flags fired),
        and benign cues are listed because they are the usual reason a true example falls short.
        """
        r = self.result
        got = f"{r.verdict} {r.top.id if r.top else '-'} (confidence {r.confidence:.2f})"
        ranked = " · ".join(f"{t.id} {t.evidence:.1f}" for t in r.types) or "no type"
        if self.kind == "example" and self.expected not in {t.id for t in r.types}:
            ranked += f"; {self.expected} not ranked: too few of its red flags fired"
        flags = ", ".join(f"{f.label}「{f.quote}」" for f in r.red_flags[:5]) or "no red flags fired"
        benign = ", ".join(f"{f.label}「{f.quote}」" for f in r.benign[:3])
        against = f"; benign cues against: {benign}" if benign else ""
        return (f"[{self.entry_id}] {self.kind}: expected {self.expected}, got {got}\n"
                f"      ranked: {ranked}\n      fired: {flags}{against}\n      {self.text}")


def example_ok(result: MatchResult, canonical_id: str) -> bool:
    """An example must be flagged (scam or unsure) with its own type ranked first."""
    return result.verdict != "not_scam" and result.top is not None and result.top.id == canonical_id


def near_miss_ok(result: MatchResult) -> bool:
    """A near-miss (legitimate look-alike) must never be called a scam."""
    return result.verdict != "scam"


def run_selfcheck(catalogue: Catalogue, matcher: Matcher) -> list[ExampleOutcome]:
    """Outcomes for every example and near-miss of every entry, in catalogue order."""
    out = []
    for entry in catalogue.entries.values():
        for text in entry.examples:
            r = matcher.match(text, leave_out=True)
            out.append(ExampleOutcome(entry.id, "example", text, example_ok(r, entry.canonical_id), r, entry.canonical_id))
        for text in entry.near_misses:
            r = matcher.match(text, leave_out=True)
            out.append(ExampleOutcome(entry.id, "near_miss", text, near_miss_ok(r), r, "not a scam"))
    return out
