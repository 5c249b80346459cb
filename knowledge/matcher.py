"""The explainable matcher: message text → verdict, ranked scam types, red flags in the user's words.

How a message is scored:

1. It is normalised once (see `normalize`): simplified, half-width, lower case.
2. Every red-flag signal of every entry, and every shared cue, is looked for: literal phrases
   (also through pinyin, which catches the homophone typos of voice and pinyin input such as
   冻节/冻结 or 注消/注销) and regular expressions. A signal counts once however often it fires.
3. A type's evidence is the weight of its own signals plus its best sub-kind's, plus a vote from
   the nearest catalogue examples (character n-gram TF-IDF), which carries phrasings that no
   single signal names.
4. Shared cues add generic risk (money asked for, secrecy, links, remote screen sharing...) or
   benign context (an official channel the resident reached themselves, money returned the
   normal way, a news item or warning ABOUT a scam), and tell the stage (asked to pay / paid).
   A denial cue ("本行不会要求您提供密码") is benign, and red flags quoted inside it are
   dropped: a warning that names a scam's words is not that scam.
   A sub-kind adds only its best child's weight, so a child's negative signals lower that
   child alone, never the parent.
5. Thresholds from `MatcherSettings` turn the evidence into `scam`, `unsure` or `not_scam`.

Pure: no I/O beyond the catalogue passed in, deterministic, no network.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from knowledge.catalogue import Catalogue, Signal
from knowledge.identifiers import Identifier, find_identifiers
from knowledge.normalize import Normalized, fold, looks_cantonese, normalize, simplify
from knowledge.pinyin import to_syllables
from knowledge.prefilter import required_chars

VERDICTS = ("scam", "unsure", "not_scam")
STAGES = ("unknown", "asked_to_pay", "paid")
_HAN = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class MatcherSettings:
    """Tunable thresholds (config.toml [matcher])."""

    max_chars: int = 4000
    scam_threshold: float = 5.5
    unsure_threshold: float = 2.5
    min_type_signal: float = 2.0
    knn_weight: float = 4.0
    risk_factor: float = 0.5
    pinyin_factor: float = 0.7


@dataclass(frozen=True)
class RedFlag:
    """One signal that fired, with the user's own words that triggered it."""

    signal_id: str
    label: str
    explain: str
    entry_id: str  # "" for shared cues
    quote: str
    span: tuple[int, int]  # in the original (possibly truncated) text
    weight: float


@dataclass(frozen=True)
class TypeScore:
    """A canonical scam type, its most specific sub-kind (or ""), and a score in [0, 1]."""

    id: str
    subkind: str
    score: float
    evidence: float


@dataclass(frozen=True)
class MatchResult:
    """Everything a reply needs; plain data, no behaviour."""

    verdict: str
    types: tuple[TypeScore, ...]
    red_flags: tuple[RedFlag, ...]
    stage: str
    identifiers: tuple[Identifier, ...]
    general_question: bool
    benign: tuple[RedFlag, ...]
    traditional: bool
    cantonese: bool
    truncated: bool
    empty: bool
    confidence: float = 0.0
    explain: dict[str, float] = field(default_factory=dict)
    canonical: str = ""  # the normalised text (for intent checks; never stored)

    @property
    def top(self) -> TypeScore | None:
        """The best-ranked type, if any."""
        return self.types[0] if self.types else None

    @property
    def signal_ids(self) -> list[str]:
        """Ids of the red flags, for machine output."""
        return [f.signal_id for f in self.red_flags]


# --------------------------------------------------------------------------- phrase search


@dataclass(frozen=True)
class _Owner:
    entry_id: str  # "" for cues
    cue_kind: str  # "" for entry signals
    signal: Signal


class _PhraseIndex:
    """Literal phrase search (over text, or over its syllable-coded twin from knowledge.pinyin).

    Phrases are bucketed by their first two characters (one-character phrases by their only
    one), so a scan costs two dict look-ups per position.
    """

    def __init__(self) -> None:
        self._buckets: dict[str, list[tuple[str, int]]] = defaultdict(list)

    def add(self, phrase: str, owner: int) -> None:
        self._buckets[phrase[:2]].append((phrase, owner))

    def scan(self, text: str) -> Iterable[tuple[int, int, int]]:
        """Yield (owner, start, end) spans of every phrase occurrence."""
        buckets = self._buckets
        for i in range(len(text)):
            for key in (text[i:i + 2], text[i]):
                for phrase, owner in buckets.get(key, ()):
                    if text.startswith(phrase, i):
                        yield owner, i, i + len(phrase)


# --------------------------------------------------------------------------- example vote


def _ngrams(text: str) -> Counter[str]:
    grams: Counter[str] = Counter()
    for run in re.findall(r"[\u4e00-\u9fff]+|[a-z0-9]+", text):
        if _HAN.match(run):
            grams.update(run[i:i + 2] for i in range(len(run) - 1))
            grams.update(run[i:i + 3] for i in range(len(run) - 2))
        else:
            grams[run] += 1
    return grams


class _ExampleVote:
    """TF-IDF cosine between a message and each catalogue example; inverted index for speed."""

    def __init__(self, labelled: list[tuple[str, str]]):
        self.labels = [label for _, label in labelled]
        self.texts = [fold(text) for text, _ in labelled]
        docs = [_ngrams(t) for t in self.texts]
        df: Counter[str] = Counter()
        for d in docs:
            df.update(d.keys())
        n = len(docs)
        self.idf = {g: math.log((1 + n) / (1 + c)) + 1.0 for g, c in df.items()}
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for k, d in enumerate(docs):
            vec = {g: (1 + math.log(c)) * self.idf[g] for g, c in d.items()}
            norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
            for g, v in vec.items():
                self.postings[g].append((k, v / norm))

    def best_by_label(self, text: str, leave_out: bool = False) -> dict[str, float]:
        """Highest cosine similarity per label; `leave_out` ignores examples identical to `text`."""
        q = _ngrams(text)
        vec = {g: (1 + math.log(c)) * self.idf[g] for g, c in q.items() if g in self.idf}
        norm = math.sqrt(sum(v * v for v in vec.values()))
        if not norm:
            return {}
        sims: dict[int, float] = defaultdict(float)
        for g, v in vec.items():
            for k, w in self.postings[g]:
                sims[k] += v * w / norm
        best: dict[str, float] = {}
        for k, s in sims.items():
            if leave_out and self.texts[k] == text:
                continue
            label = self.labels[k]
            if s > best.get(label, 0.0):
                best[label] = s
        return best


# --------------------------------------------------------------------------- the matcher


class Matcher:
    """Built once from a validated catalogue; `match(text)` is pure and thread-safe."""

    def __init__(self, catalogue: Catalogue, settings: MatcherSettings | None = None):
        self.catalogue = catalogue
        self.settings = settings or MatcherSettings()
        self._owners: list[_Owner] = []
        self._chars = _PhraseIndex()
        self._pinyin = _PhraseIndex()
        self._patterns: list[tuple[int, re.Pattern[str], frozenset[str] | None]] = []
        self._phrases_by_owner: dict[int, list[str]] = defaultdict(list)
        # Cantonese phrases the normaliser rewrites into Mandarin (入数 → 转账): user text never
        # contains them, and the rewritten word is usually far more generic than the author meant.
        self.rewritten_phrases: list[tuple[str, str, str, str]] = []  # (entry, signal, phrase, folded)
        # How often each character occurs in resident-style text (the catalogue's own examples):
        # the regex prefilter keys on the rarest characters a pattern needs.
        freq: Counter[str] = Counter()
        for e in catalogue.entries.values():
            for text in (*e.examples, *e.near_misses):
                freq.update(set(text))
        self._char_cost = lambda chars: float(sum(freq.get(c, 0) + 1 for c in chars))
        for entry in catalogue.entries.values():
            for sig in entry.signals:
                self._add(_Owner(entry.id, "", sig))
        for cue in catalogue.cues:
            self._add(_Owner("", cue.kind, cue.signal))
        self._top = catalogue.top_level()
        self._children = {e.id: [c.id for c in catalogue.children(e.id)] for e in self._top}
        labelled = [(ex, e.canonical_id) for e in catalogue.entries.values() for ex in e.examples]
        labelled += [(nm, "none") for e in catalogue.entries.values() for nm in e.near_misses]
        self._vote = _ExampleVote(labelled)

    def _add(self, owner: _Owner) -> None:
        idx = len(self._owners)
        self._owners.append(owner)
        for phrase in owner.signal.phrases:
            folded = fold(phrase)
            if not folded:
                continue
            if folded != simplify(phrase) and looks_cantonese(simplify(phrase)):
                self.rewritten_phrases.append((owner.entry_id, owner.signal.id, phrase, folded))
                continue
            self._chars.add(folded, idx)
            # Homophone matching is for scam-specific words; generic cue words of two
            # characters collide with everyday words (接他/借他, 转完/转弯) far too often.
            min_len = 3 if owner.cue_kind else 2
            if len(folded) >= min_len and all(_HAN.match(c) for c in folded):
                self._pinyin.add(to_syllables(folded), idx)
                self._phrases_by_owner[idx].append(folded)
        if owner.signal.regex is not None:
            self._patterns.append((idx, owner.signal.regex, required_chars(owner.signal.regex, self._char_cost)))

    # -- hits

    def _hits(self, norm: Normalized) -> dict[int, tuple[int, int, float]]:
        """Best (start, end, factor) per owner; factor < 1 for pinyin-only hits."""
        text = norm.text
        hits: dict[int, tuple[int, int, float]] = {}

        def keep(owner: int, a: int, b: int, factor: float) -> None:
            old = hits.get(owner)
            if old is None or factor > old[2] or (factor == old[2] and b - a > old[1] - old[0]):
                hits[owner] = (a, b, factor)

        for owner, a, b in self._chars.scan(text):
            if _latin_inside_word(text, a, b):  # "eth" in "method", "payme" in "payment"
                continue
            keep(owner, a, b, 1.0)
        present = set(text)
        for owner, pattern, required in self._patterns:
            if owner in hits:  # a signal counts once; its phrase hit already quotes the user
                continue
            if required is not None and required.isdisjoint(present):
                continue  # none of the characters every match needs is in the message
            m = pattern.search(text)
            if m and m.end() > m.start():
                keep(owner, m.start(), m.end(), 1.0)
        for owner, a, b in self._pinyin.scan(to_syllables(text)):
            if owner in hits or not self._plausible_typo(owner, text, a, b):
                continue
            factor = self.settings.pinyin_factor if b - a <= 2 else min(1.0, self.settings.pinyin_factor + 0.2)
            keep(owner, a, b, factor)
        return hits

    def _plausible_typo(self, owner: int, text: str, a: int, b: int) -> bool:
        """A homophone hit counts only as a typo: at least half its characters written correctly.

        Two entirely different words that merely sound alike (逮捕/代步, 通缉/统计) are not typos.
        """
        written = text[a:b]
        return any(
            sum(x == y for x, y in zip(written, phrase)) * 2 >= len(phrase)
            for phrase in self._phrases_by_owner[owner] if len(phrase) == b - a
        )

    def _flag(self, norm: Normalized, owner: _Owner, span: tuple[int, int, float]) -> RedFlag:
        a, b, factor = span
        sig = owner.signal
        return RedFlag(
            signal_id=sig.id,
            label=sig.label,
            explain=sig.explain,
            entry_id=owner.entry_id,
            quote=norm.quote(a, b),
            span=norm.original_span(a, b),
            weight=sig.weight * factor,
        )

    # -- scoring

    def match(self, text: str, leave_out: bool = False) -> MatchResult:
        """Score one message. Never raises for any string input.

        `leave_out` drops catalogue examples identical to `text` from the nearest-example vote,
        so an entry's own examples are tested on their signals, not on finding themselves.
        """
        norm = normalize(text if isinstance(text, str) else "", self.settings.max_chars)
        identifiers = tuple(find_identifiers(norm.original))
        if not _has_content(norm.text):
            return _empty_result(norm, identifiers)
        hits = self._hits(norm)
        entry_flags: dict[str, list[RedFlag]] = defaultdict(list)
        cue_flags: dict[str, list[RedFlag]] = defaultdict(list)
        for idx, span in hits.items():
            owner = self._owners[idx]
            flag = self._flag(norm, owner, span)
            if owner.entry_id:
                entry_flags[owner.entry_id].append(flag)
            else:
                cue_flags[owner.cue_kind].append(flag)

        _mask_denied(entry_flags, cue_flags)
        votes = self._vote.best_by_label(norm.text, leave_out)
        ranked = self._rank(entry_flags, votes)
        risk = sum(f.weight for f in cue_flags["risk"]) + _identifier_risk(identifiers)
        benign = sum(f.weight for f in cue_flags["benign"] + cue_flags["denial"])
        # Talking about a scam (news, a warning, a lecture) is not being scammed; it counts double
        # unless someone in the message is actually being contacted or has paid.
        discussion = sum(f.weight for f in cue_flags["discussion"])
        benign += discussion * (1 if cue_flags["first_person"] else 2)
        general = bool(cue_flags["general_question"])
        stage = "paid" if cue_flags["paid"] else "asked_to_pay" if cue_flags["asked_to_pay"] else "unknown"

        verdict, confidence = self._verdict(ranked, risk, benign, general, votes)
        types = tuple(ranked[:3]) if verdict != "not_scam" else tuple(t for t in ranked[:3] if t.evidence >= self.settings.unsure_threshold)
        top_ids = {t.id for t in types[:1]}
        flags = [f for t in types[:1] for eid in (t.id, *self._children[t.id]) for f in entry_flags.get(eid, [])]
        if verdict != "not_scam":
            flags += cue_flags["risk"]
        flags = _dedupe_flags(flags)
        return MatchResult(
            verdict=verdict,
            types=types,
            red_flags=tuple(sorted(flags, key=lambda f: (-f.weight, f.span))),
            stage=stage,
            identifiers=identifiers,
            general_question=general,
            benign=tuple(cue_flags["benign"] + cue_flags["denial"] + cue_flags["discussion"]),
            traditional=norm.traditional,
            cantonese=norm.cantonese,
            truncated=norm.truncated,
            empty=False,
            confidence=confidence,
            explain={"risk": risk, "benign": benign, **{f"vote:{k}": v for k, v in votes.items() if k in top_ids or k == "none"}},
            canonical=norm.text,
        )

    def _rank(self, entry_flags: dict[str, list[RedFlag]], votes: dict[str, float]) -> list[TypeScore]:
        own = {eid: sum(f.weight for f in flags) for eid, flags in entry_flags.items()}
        scores = []
        for entry in self._top:
            child_scores = [(own.get(c, 0.0), c) for c in self._children[entry.id]]
            best_child = max(child_scores, default=(0.0, ""))
            signal_evidence = own.get(entry.id, 0.0) + best_child[0]
            evidence = signal_evidence + self.settings.knn_weight * votes.get(entry.id, 0.0)
            if evidence <= 0:
                continue
            scores.append(TypeScore(
                id=entry.id,
                subkind=best_child[1] if best_child[0] > 0 else "",
                score=round(evidence / (evidence + self.settings.scam_threshold), 4),
                evidence=round(evidence, 4),
            ))
        scores.sort(key=lambda t: (-t.evidence, t.id))
        return scores

    def _verdict(self, ranked: list[TypeScore], risk: float, benign: float, general: bool,
                 votes: dict[str, float]) -> tuple[str, float]:
        s = self.settings
        if not ranked:
            return "not_scam", 0.0
        top = ranked[0]
        evidence = top.evidence + s.risk_factor * risk - benign
        evidence -= s.knn_weight * votes.get("none", 0.0) * 0.5
        if general:
            evidence -= 2.0
        confidence = round(evidence / (evidence + s.scam_threshold), 4) if evidence > 0 else 0.0
        if evidence >= s.scam_threshold and top.evidence - s.knn_weight * votes.get(top.id, 0.0) >= s.min_type_signal:
            return "scam", confidence
        if evidence >= s.unsure_threshold:
            return "unsure", confidence
        return "not_scam", confidence


def _is_latin(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _latin_inside_word(text: str, a: int, b: int) -> bool:
    """True when a Latin phrase hit is only part of a longer Latin word or number."""
    return (_is_latin(text[a]) and a > 0 and _is_latin(text[a - 1])) or \
        (_is_latin(text[b - 1]) and b < len(text) and _is_latin(text[b]))


def _has_content(text: str) -> bool:
    return bool(re.search(r"[\u4e00-\u9fffa-z0-9]", text))


def _identifier_risk(identifiers: Sequence[Identifier]) -> float:
    kinds = {i.kind for i in identifiers}
    return 1.0 if "url" in kinds else 0.0


def _empty_result(norm: Normalized, identifiers: tuple[Identifier, ...]) -> MatchResult:
    return MatchResult(
        verdict="not_scam", types=(), red_flags=(), stage="unknown", identifiers=identifiers,
        general_question=False, benign=(), traditional=norm.traditional, cantonese=norm.cantonese,
        truncated=norm.truncated, empty=True, canonical=norm.text,
    )


def _mask_denied(entry_flags: dict[str, list[RedFlag]], cue_flags: dict[str, list[RedFlag]]) -> None:
    """Words inside a denial (本行不会要求您提供密码或验证码) are not evidence of a scam: drop every
    positive entry or risk flag that overlaps a denial cue's span."""
    denials = [f.span for f in cue_flags.get("denial", [])]
    if not denials:
        return

    def denied(f: RedFlag) -> bool:
        return f.weight > 0 and any(f.span[0] < b and a < f.span[1] for a, b in denials)

    for eid in list(entry_flags):
        entry_flags[eid] = [f for f in entry_flags[eid] if not denied(f)]
    cue_flags["risk"] = [f for f in cue_flags["risk"] if not denied(f)]


def _dedupe_flags(flags: list[RedFlag]) -> list[RedFlag]:
    """One flag per signal, and one per quoted phrase (a type's signal and a shared cue often
    fire on the same words; the first, the type's own, explains them better)."""
    seen: set[tuple[str, str]] = set()
    quotes: set[str] = set()
    out = []
    for f in flags:
        key = (f.entry_id, f.signal_id)
        if key in seen or f.quote in quotes:
            continue
        seen.add(key)
        quotes.add(f.quote)
        out.append(f)
    return out
