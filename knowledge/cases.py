"""The case library: short real-world scam stories for the daily group warning.

One TOML file per canonical scam type under ``knowledge/data/cases/`` (``brushing.toml`` ...),
each holding ``[[cases]]`` tables. Every case is one chat message: what happened, the red flag
that should have stopped it, and 三不一要 applied. Pure module: no Telegram, no SQLite, no network.

Validation reports every problem at once, each naming the file, the case id and the field, in
the same style as :mod:`knowledge.catalogue` (whose helpers it reuses).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from knowledge.catalogue import (
    CANONICAL_IDS,
    DataError,
    DATA_DIR,
    ENTRIES_DIR,
    _ID_RE,
    _Problems,
    _read_toml,
    _str,
    _strs,
)

CASES_DIR = DATA_DIR / "cases"

OUTCOMES: tuple[str, ...] = ("stopped", "lost", "pattern")
CASE_FIELDS = frozenset(
    {"id", "type", "subkind", "title", "story", "red_flag", "takeaway", "outcome", "source", "tags"}
)
MIN_PER_TYPE = 3
# One chat message: a story a resident reads to the end, and the whole case on one phone screen.
STORY_MAX_CHARS = 200
CASE_MAX_CHARS = 450
STORY_MIN_SENTENCES, STORY_MAX_SENTENCES = 2, 5
# "001:L83" (a line of a seed under /work/shared/seeds) or "public: <what police publicised>".
_SOURCE_RE = re.compile(r"^(\d{3}:L\d+(-\d+)?\b.*|public: \S.*)$")
_SENTENCE_END_RE = re.compile(r"[。！？!?]+[”」』）)]*")

# Chinese names a group admin may type as a topic, mapped to the canonical id. Taken from the 中文
# column of shared/taxonomy.md plus the short forms people actually say ("养老", "刷单").
TOPIC_NAMES: dict[str, str] = {
    "刷单": "brushing", "刷单返利": "brushing", "兼职": "brushing",
    "杀猪盘": "pig_butchering", "网络婚恋交友": "pig_butchering", "婚恋交友": "pig_butchering",
    "公检法": "fake_police", "冒充公检法": "fake_police",
    "养老": "elderly", "养老诈骗": "elderly",
    "投资理财": "fake_investment", "虚假投资理财": "fake_investment", "虚假网络投资理财": "fake_investment",
    "客服": "fake_customer_service", "冒充客服": "fake_customer_service",
    "冒充电商物流客服": "fake_customer_service",
    "贷款": "fake_loan", "虚假贷款": "fake_loan", "虚假网络贷款": "fake_loan",
    "征信": "fake_credit_record", "虚假征信": "fake_credit_record",
    "冒充熟人": "impersonate_acquaintance", "冒充领导熟人": "impersonate_acquaintance",
    "冒充领导": "impersonate_acquaintance",
    "游戏": "game_trade", "游戏交易": "game_trade", "网络游戏虚假交易": "game_trade",
    "购物": "fake_shopping", "虚假购物": "fake_shopping", "虚假购物服务": "fake_shopping",
    "中奖": "prize", "中奖诈骗": "prize",
    "退税": "tax_refund_subsidy", "补贴": "tax_refund_subsidy", "退税补贴": "tax_refund_subsidy",
    "钓鱼": "phishing", "钓鱼短信": "phishing", "钓鱼网址": "phishing",
    "集资": "illegal_fundraising", "非法集资": "illegal_fundraising",
    "亲友出事": "family_emergency", "虚构亲友出事": "family_emergency",
}


class CaseError(DataError):
    """The case library failed validation (problems name file, case and field)."""


@dataclass(frozen=True)
class Case:
    """One warning: a short story, its red flag and the 三不一要 takeaway."""

    id: str
    type: str
    subkind: str
    title: str
    story: str
    red_flag: str
    takeaway: str
    outcome: str
    source: str
    tags: tuple[str, ...]
    path: Path = field(compare=False, default=Path())

    @property
    def topics(self) -> frozenset[str]:
        """Everything a subscription topic can match: type id, sub-kind and tags."""
        return frozenset({self.type, self.subkind, *self.tags} - {""})


def resolve_topic(topic: str) -> str:
    """A topic as typed by an admin → what cases are matched on (Chinese names → canonical id)."""
    t = topic.strip()
    return TOPIC_NAMES.get(t, t.lower() if t.isascii() else t)


@dataclass(frozen=True)
class CaseLibrary:
    """All cases, validated, in file then file order (files sorted by name)."""

    cases: tuple[Case, ...]

    def by_id(self, case_id: str) -> Case:
        """The case with this id; KeyError if there is none."""
        for case in self.cases:
            if case.id == case_id:
                return case
        raise KeyError(case_id)

    def for_topics(self, topics: Iterable[str]) -> list[Case]:
        """Cases matching any topic (type id, sub-kind, tag, or a TOPIC_NAMES name); none = all."""
        # both the topic as typed and what it resolves to, so a tag that happens to be a
        # TOPIC_NAMES key (say 购物) still matches as a tag too
        wanted = {w for t in topics if t.strip() for w in (t.strip(), resolve_topic(t))}
        if not wanted:
            return list(self.cases)
        return [c for c in self.cases if c.topics & wanted]

    def by_type(self) -> dict[str, list[Case]]:
        """Cases grouped by canonical type, in taxonomy order (types with no case included)."""
        out: dict[str, list[Case]] = {t: [] for t in CANONICAL_IDS}
        for c in self.cases:
            out.setdefault(c.type, []).append(c)
        return out


def _entry_parents(entries_dir: Path) -> dict[str, str]:
    """id → parent of the catalogue entries that exist and parse (others are someone's draft)."""
    parents: dict[str, str] = {}
    for path in sorted(Path(entries_dir).glob("*.toml")):
        data = _read_toml(path, _Problems())  # an entry's own problems are `fanzha kb check`'s job
        if data and isinstance(data.get("id"), str):
            parent = data.get("parent", "")
            parents[data["id"]] = parent if isinstance(parent, str) else ""
    return parents


def parse_case(raw: Any, path: Path, index: int, parents: dict[str, str], p: _Problems) -> Case | None:
    """Validate one ``[[cases]]`` table. Problems go to `p`; returns None if unusable."""
    if not isinstance(raw, dict):
        p.add(f"{path.name} cases[{index}]", "must be a table")
        return None
    case_id = raw.get("id") if isinstance(raw.get("id"), str) and raw.get("id") else f"cases[{index}]"
    where = f"{path.name} [{case_id}]"
    if not _ID_RE.match(case_id):
        p.add(f"{where}.id", f"{case_id!r} must be lower_snake_case")
    unknown = set(raw) - CASE_FIELDS
    if unknown:
        p.add(where, f"unknown field(s) {sorted(unknown)}")

    ctype = _str(raw, "type", where, p)
    if ctype and ctype not in CANONICAL_IDS:
        p.add(f"{where}.type", f"{ctype!r} is not a canonical id {CANONICAL_IDS}")
    elif ctype and path.stem in CANONICAL_IDS and ctype != path.stem:
        p.add(f"{where}.type", f"{ctype!r} belongs in {ctype}.toml, not {path.name}")

    subkind = _str(raw, "subkind", where, p, required=False)
    if subkind:
        if not _ID_RE.match(subkind) or subkind == ctype:
            p.add(f"{where}.subkind", f"{subkind!r} must be a lower_snake_case sub-kind id other than the type")
        # Entries are written in parallel: a sub-kind not yet in the catalogue is accepted, but one
        # that exists must sit under this case's type.
        elif subkind in parents and parents[subkind] != ctype:
            p.add(f"{where}.subkind", f"entry {subkind!r} has parent {parents[subkind]!r}, not {ctype!r}")

    title = _str(raw, "title", where, p)
    story = _str(raw, "story", where, p)
    red_flag = _str(raw, "red_flag", where, p)
    takeaway = _str(raw, "takeaway", where, p)
    if len(story) > STORY_MAX_CHARS:
        p.add(f"{where}.story", f"is {len(story)} characters; keep it to {STORY_MAX_CHARS}")
    sentences = len(_SENTENCE_END_RE.findall(story))
    if story and not STORY_MIN_SENTENCES <= sentences <= STORY_MAX_SENTENCES:
        p.add(f"{where}.story", f"has {sentences} sentences; tell it in "
                                f"{STORY_MIN_SENTENCES}–{STORY_MAX_SENTENCES}")
    total = len(title) + len(story) + len(red_flag) + len(takeaway)
    if total > CASE_MAX_CHARS:
        p.add(where, f"title+story+red_flag+takeaway is {total} characters; keep it to {CASE_MAX_CHARS}")

    outcome = _str(raw, "outcome", where, p)
    if outcome and outcome not in OUTCOMES:
        p.add(f"{where}.outcome", f"must be one of {OUTCOMES}, got {outcome!r}")
    source = _str(raw, "source", where, p)
    if source and not _SOURCE_RE.match(source):
        p.add(f"{where}.source", f"{source!r} must cite a seed line (\"001:L83\") or start with \"public: \"")
    tags = _strs(raw, "tags", where, p)
    for tag in tags:
        if any(ch.isspace() for ch in tag):
            p.add(f"{where}.tags", f"{tag!r} must be one word (no spaces)")
    if len(set(tags)) != len(tags):
        p.add(f"{where}.tags", "lists a tag twice")

    return Case(id=case_id, type=ctype, subkind=subkind, title=title, story=story, red_flag=red_flag,
                takeaway=takeaway, outcome=outcome, source=source, tags=tags, path=path)


def validate_cases(cases_dir: Path = CASES_DIR, *, entries_dir: Path = ENTRIES_DIR,
                   require_complete: bool = True) -> tuple[tuple[Case, ...], list[str]]:
    """Every usable case and every problem found, without raising (for `fanzha cases check`).

    `require_complete=False` skips the "at least MIN_PER_TYPE cases for every canonical type"
    rule (while drafting, or for a test library); an empty library is always a problem.
    """
    p = _Problems()
    parents = _entry_parents(entries_dir)
    cases: list[Case] = []
    seen: dict[str, Path] = {}
    for path in sorted(Path(cases_dir).glob("*.toml")):
        data = _read_toml(path, p)
        if data is None:
            continue
        extra = set(data) - {"cases"}
        if extra:
            p.add(path.name, f"unknown top-level key(s) {sorted(extra)}; write each case as [[cases]]")
        raw_cases = data.get("cases", [])
        if not isinstance(raw_cases, list):
            p.add(path.name, "cases must be an array of tables ([[cases]])")
            continue
        for k, raw in enumerate(raw_cases):
            case = parse_case(raw, path, k, parents, p)
            if case is None:
                continue
            if case.id in seen:
                p.add(f"{path.name} [{case.id}].id", f"duplicate of the case in {seen[case.id].name}")
                continue
            seen[case.id] = path
            cases.append(case)
    if not cases:
        p.add(str(cases_dir), "contains no cases (*.toml files with [[cases]] tables)")
    elif require_complete:
        counts = Counter(c.type for c in cases)
        for cid in CANONICAL_IDS:
            if counts[cid] < MIN_PER_TYPE:
                p.add(f"{cid}.toml", f"type {cid!r} has {counts[cid]} case(s); needs at least {MIN_PER_TYPE}")
    return tuple(cases), p.items


def load_cases(cases_dir: Path = CASES_DIR, *, entries_dir: Path = ENTRIES_DIR,
               require_complete: bool = True) -> CaseLibrary:
    """Load and validate every case file; raise CaseError listing all problems.

    Checks unknown and missing fields, duplicate ids, unknown types, bad outcomes and sources,
    sub-kinds filed under the wrong type, over-long stories, an empty library, and (unless
    `require_complete=False`) fewer than MIN_PER_TYPE cases for any canonical type.
    """
    cases, problems = validate_cases(cases_dir, entries_dir=entries_dir, require_complete=require_complete)
    if problems:
        raise CaseError(problems)
    return CaseLibrary(cases=cases)
