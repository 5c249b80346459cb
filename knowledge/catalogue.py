"""The scam catalogue: entries and shared cues loaded from TOML data files and validated.

One TOML file per entry under ``knowledge/data/entries/``; shared cues (risk signals that are
not specific to one scam type, benign signals, payment stage) in ``knowledge/data/cues.toml``.
Every problem found is reported with the file, the entry and the field, all at once.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).parent / "data"
ENTRIES_DIR = DATA_DIR / "entries"
CUES_FILE = DATA_DIR / "cues.toml"

# The canonical top-level ids of ../shared/taxonomy.md ("none" is not an entry).
CANONICAL_IDS: tuple[str, ...] = (
    "brushing", "pig_butchering", "fake_police", "elderly", "fake_investment",
    "fake_customer_service", "fake_loan", "fake_credit_record", "impersonate_acquaintance",
    "game_trade", "fake_shopping", "prize", "tax_refund_subsidy", "phishing",
    "illegal_fundraising", "family_emergency",
)
_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
CUE_KINDS = ("risk", "benign", "denial", "discussion", "first_person", "paid", "asked_to_pay", "general_question")
MIN_EXAMPLES = 8
MIN_NEAR_MISSES = 2


class DataError(ValueError):
    """Every validation problem of a data file set, one per line, each naming file, item and field."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class CatalogueError(DataError):
    """The scam catalogue (entries, cues) failed validation."""


@dataclass(frozen=True)
class Signal:
    """A red flag: a named, weighted set of phrases and regular expressions."""

    id: str
    label: str
    explain: str
    weight: float
    phrases: tuple[str, ...]
    patterns: tuple[str, ...]  # regular expressions as written
    regex: re.Pattern[str] | None  # all of them as one alternation (one search per message)


@dataclass(frozen=True)
class Advice:
    """三不一要 applied to one scam type, plus what to do once money has gone."""

    dont_believe: str
    dont_disclose: str
    dont_transfer: str
    report: str
    verify: str
    already_paid: tuple[str, ...]


@dataclass(frozen=True)
class Entry:
    """One scam type (top-level canonical id) or sub-kind (with a parent)."""

    id: str
    parent: str
    name: str
    name_hant: str
    aliases: tuple[str, ...]
    summary: str
    steps: tuple[str, ...]
    targets: str
    signals: tuple[Signal, ...]
    advice: Advice | None
    clarify: str
    examples: tuple[str, ...]
    near_misses: tuple[str, ...]
    sources: tuple[str, ...]
    path: Path = field(compare=False, default=Path())

    @property
    def canonical_id(self) -> str:
        """The top-level taxonomy id this entry counts as."""
        return self.parent or self.id


@dataclass(frozen=True)
class Cue:
    """A signal shared by all types: generic risk, benign context, or payment stage."""

    kind: str
    signal: Signal


@dataclass(frozen=True)
class Catalogue:
    """All entries and cues, validated."""

    entries: dict[str, Entry]
    cues: tuple[Cue, ...]

    def top_level(self) -> list[Entry]:
        """Top-level entries in taxonomy order."""
        return [self.entries[i] for i in CANONICAL_IDS if i in self.entries]

    def children(self, entry_id: str) -> list[Entry]:
        """Sub-kinds of an entry, sorted by id."""
        return sorted((e for e in self.entries.values() if e.parent == entry_id), key=lambda e: e.id)

    def advice_for(self, entry_id: str) -> Advice:
        """The entry's advice, falling back to its parent's when a sub-kind has none of its own."""
        entry = self.entries[entry_id]
        if entry.advice is None:
            return self.advice_for(entry.parent)
        return entry.advice


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.items.append(f"{where}: {message}")


def _str(d: dict[str, Any], key: str, where: str, p: _Problems, required: bool = True) -> str:
    value = d.get(key, "")
    if not isinstance(value, str):
        p.add(f"{where}.{key}", f"must be a string, got {type(value).__name__}")
        return ""
    if required and not value.strip():
        p.add(f"{where}.{key}", "is required and must not be empty")
    return value.strip()


def _strs(d: dict[str, Any], key: str, where: str, p: _Problems, minimum: int = 0) -> tuple[str, ...]:
    value = d.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        p.add(f"{where}.{key}", "must be a list of strings")
        return ()
    items = tuple(v.strip() for v in value if v.strip())
    if len(items) < minimum:
        p.add(f"{where}.{key}", f"needs at least {minimum} items, has {len(items)}")
    return items


def _signal(d: Any, where: str, p: _Problems) -> Signal | None:
    if not isinstance(d, dict):
        p.add(where, "must be a table")
        return None
    sid = _str(d, "id", where, p)
    if sid and not _ID_RE.match(sid):
        p.add(f"{where}.id", f"{sid!r} must be lower_snake_case")
    weight = d.get("weight", 1.0)
    if not isinstance(weight, (int, float)) or isinstance(weight, bool) or not -5 <= weight <= 5:
        p.add(f"{where}.weight", f"must be a number between -5 and 5, got {weight!r}")
        weight = 0.0
    phrases = _strs(d, "phrases", where, p)
    raw_patterns = _strs(d, "patterns", where, p)
    regex = _compile_alternation(raw_patterns, where, p)
    if not phrases and not raw_patterns:
        p.add(where, "needs at least one of phrases or patterns")
    unknown = set(d) - {"id", "label", "explain", "weight", "phrases", "patterns"}
    if unknown:
        p.add(where, f"unknown field(s) {sorted(unknown)}")
    return Signal(
        id=sid,
        label=_str(d, "label", where, p),
        explain=_str(d, "explain", where, p, required=False),
        weight=float(weight),
        phrases=phrases,
        patterns=raw_patterns,
        regex=regex,
    )


_GLOBAL_FLAGS = re.compile(r"^\(\?([aiLmsux]+)\)")


def _scoped(raw: str) -> str:
    """`(?i)abc` → `(?i:abc)`: global flags are only legal at the very start of the joined regex."""
    m = _GLOBAL_FLAGS.match(raw)
    return f"(?{m.group(1)}:{raw[m.end():]})" if m else f"(?:{raw})"


def _compile_alternation(raw_patterns: tuple[str, ...], where: str, p: _Problems) -> re.Pattern[str] | None:
    """One compiled alternation of a signal's patterns; on failure, name each pattern that is broken."""
    if not raw_patterns:
        return None
    try:
        return re.compile("|".join(_scoped(raw) for raw in raw_patterns))
    except re.error as joined_error:
        broken = False
        for k, raw in enumerate(raw_patterns):
            try:
                re.compile(_scoped(raw))
            except re.error as exc:
                broken = True
                p.add(f"{where}.patterns[{k}]", f"does not compile: {exc} in {raw!r}")
        if not broken:
            p.add(f"{where}.patterns", f"compile alone but not together: {joined_error}")
        return None


def _signals(raw: Any, where: str, p: _Problems) -> tuple[Signal, ...]:
    if not isinstance(raw, list):
        p.add(where, "must be an array of tables ([[signals]])")
        return ()
    out = [s for k, item in enumerate(raw) if (s := _signal(item, f"{where}[{k}]", p))]
    seen: set[str] = set()
    for s in out:
        if s.id in seen:
            p.add(where, f"signal id {s.id!r} appears twice")
        seen.add(s.id)
    return tuple(out)


def _advice(d: Any, where: str, p: _Problems) -> Advice | None:
    if d is None:
        return None
    if not isinstance(d, dict):
        p.add(where, "must be a table")
        return None
    unknown = set(d) - {"dont_believe", "dont_disclose", "dont_transfer", "report", "verify", "already_paid"}
    if unknown:
        p.add(where, f"unknown field(s) {sorted(unknown)} (top-level keys must come before the first [table])")
    return Advice(
        dont_believe=_str(d, "dont_believe", where, p),
        dont_disclose=_str(d, "dont_disclose", where, p),
        dont_transfer=_str(d, "dont_transfer", where, p),
        report=_str(d, "report", where, p),
        verify=_str(d, "verify", where, p),
        already_paid=_strs(d, "already_paid", where, p, minimum=1),
    )


ENTRY_FIELDS = {
    "id", "parent", "name", "name_hant", "aliases", "summary", "steps", "targets", "signals",
    "advice", "clarify", "examples", "near_misses", "sources",
}


def parse_entry(data: dict[str, Any], path: Path, p: _Problems) -> Entry | None:
    """Validate one entry's parsed TOML. Problems go to `p`; returns None if unusable."""
    entry_id = data.get("id") if isinstance(data.get("id"), str) else path.stem
    where = f"{path.name} [{entry_id}]"
    if not _ID_RE.match(entry_id or ""):
        p.add(f"{where}.id", f"{entry_id!r} must be lower_snake_case")
    unknown = set(data) - ENTRY_FIELDS
    if unknown:
        p.add(where, f"unknown field(s) {sorted(unknown)}")
    parent = _str(data, "parent", where, p, required=False)
    advice = _advice(data.get("advice"), f"{where}.advice", p)
    if advice is None and not parent:
        p.add(f"{where}.advice", "is required for a top-level entry")
    return Entry(
        id=entry_id,
        parent=parent,
        name=_str(data, "name", where, p),
        name_hant=_str(data, "name_hant", where, p),
        aliases=_strs(data, "aliases", where, p),
        summary=_str(data, "summary", where, p),
        steps=_strs(data, "steps", where, p, minimum=2),
        targets=_str(data, "targets", where, p, required=False),
        signals=_signals(data.get("signals", []), f"{where}.signals", p),
        advice=advice,
        clarify=_str(data, "clarify", where, p),
        examples=_strs(data, "examples", where, p, minimum=MIN_EXAMPLES),
        near_misses=_strs(data, "near_misses", where, p, minimum=MIN_NEAR_MISSES),
        sources=_strs(data, "sources", where, p, minimum=1),
        path=path,
    )


def _read_toml(path: Path, p: _Problems) -> dict[str, Any] | None:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        p.add(path.name, f"is not valid TOML: {exc}")
    except (OSError, UnicodeDecodeError) as exc:
        p.add(path.name, f"cannot be read: {exc}")
    return None


def _check_tree(entries: dict[str, Entry], p: _Problems, require_complete: bool) -> None:
    for e in entries.values():
        where = f"{e.path.name} [{e.id}]"
        if e.parent:
            if e.parent not in entries:
                p.add(f"{where}.parent", f"{e.parent!r} is not an entry")
            elif entries[e.parent].parent:
                p.add(f"{where}.parent", f"{e.parent!r} is itself a sub-kind; nest one level only")
        elif e.id not in CANONICAL_IDS:
            p.add(f"{where}.id", "top-level id must be one of the taxonomy ids; set parent for a sub-kind")
    for cid in CANONICAL_IDS if require_complete else ():
        if cid not in entries:
            p.add("entries", f"no entry for canonical id {cid!r}")


def load_cues(path: Path, p: _Problems) -> tuple[Cue, ...]:
    """Load the shared cues file (``[[cues]]`` tables with a ``kind``)."""
    data = _read_toml(path, p)
    if data is None:
        return ()
    cues = []
    for k, raw in enumerate(data.get("cues", [])):
        where = f"{path.name} cues[{k}]"
        if not isinstance(raw, dict):
            p.add(where, "must be a table")
            continue
        kind = raw.get("kind")
        if kind not in CUE_KINDS:
            p.add(f"{where}.kind", f"must be one of {CUE_KINDS}, got {kind!r}")
            continue
        body = {key: v for key, v in raw.items() if key != "kind"}
        sig = _signal(body, f"{where} ({raw.get('id', '?')})", p)
        if sig:
            cues.append(Cue(kind=kind, signal=sig))
    return tuple(cues)


def load_catalogue(entries_dir: Path = ENTRIES_DIR, cues_file: Path = CUES_FILE,
                   require_complete: bool = True) -> Catalogue:
    """Load and validate every entry and cue; raise CatalogueError listing all problems.

    `require_complete=False` accepts a catalogue missing some canonical ids (while drafting).
    """
    p = _Problems()
    entries: dict[str, Entry] = {}
    files = sorted(Path(entries_dir).glob("*.toml"))
    if not files:
        p.add(str(entries_dir), "contains no *.toml entries")
    for path in files:
        data = _read_toml(path, p)
        if data is None:
            continue
        entry = parse_entry(data, path, p)
        if entry is None:
            continue
        if entry.id in entries:
            p.add(f"{path.name} [{entry.id}].id", f"duplicate of {entries[entry.id].path.name}")
            continue
        entries[entry.id] = entry
    _check_tree(entries, p, require_complete)
    cues = load_cues(Path(cues_file), p)
    if p.items:
        raise CatalogueError(p.items)
    return Catalogue(entries=entries, cues=cues)
