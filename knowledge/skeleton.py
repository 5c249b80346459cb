"""A new catalogue entry's skeleton: every field, explained in comments (`fanzha kb new`).

The skeleton is valid TOML as written, so a half-filled file still parses and `fanzha kb check`
can name exactly which fields are still empty. Pure module: it returns text and checks ids;
the command writes the file.
"""

from __future__ import annotations

from pathlib import Path

from knowledge.catalogue import _ID_RE, CANONICAL_IDS, MIN_EXAMPLES, MIN_NEAR_MISSES, _Problems, _read_toml


class SkeletonError(ValueError):
    """Why a skeleton cannot be written for this id (bad id, wrong parent, already exists)."""


def check_new_id(entry_id: str, parent: str, entries_dir: Path) -> Path:
    """The path the new entry goes to; SkeletonError if the id or parent is not acceptable.

    A top-level id must be one of the canonical taxonomy ids; a sub-kind (``parent`` given) must
    not take one, and its parent must be canonical (sub-kinds nest one level only).
    """
    if not _ID_RE.match(entry_id):
        raise SkeletonError(f"{entry_id!r} is not a valid id: use lower_snake_case (a-z, 0-9, _), "
                            "starting with a letter, e.g. brushing_task_app")
    if parent:
        if parent not in CANONICAL_IDS:
            raise SkeletonError(f"parent {parent!r} is not a canonical id; one of: {', '.join(CANONICAL_IDS)}")
        if entry_id in CANONICAL_IDS:
            raise SkeletonError(f"{entry_id!r} is a canonical top-level id; a sub-kind needs its own id")
    elif entry_id not in CANONICAL_IDS:
        raise SkeletonError(f"{entry_id!r} is not a canonical id; a top-level entry must be one of "
                            f"{', '.join(CANONICAL_IDS)}. For a sub-kind, add --parent <canonical id>")
    path = Path(entries_dir) / f"{entry_id}.toml"
    if path.exists():
        raise SkeletonError(f"{path} already exists; edit it instead")
    for other in sorted(Path(entries_dir).glob("*.toml")):
        data = _read_toml(other, _Problems())  # a broken file is `kb check`'s business, not ours
        if data and data.get("id") == entry_id:
            raise SkeletonError(f"{other} already has id {entry_id!r}; edit it instead")
    return path


_HEAD = """\
# {title} — written by `fanzha kb new {entry_id}{parent_arg}`. Fill in every field, then run
# `fanzha kb check --entry {check_id}`; each empty field is named there until it is done.
# Model entry to compare with: knowledge/data/entries/brushing.toml.
#
# Phrases and patterns are matched against the canonical form of the resident's text:
# simplified characters, half-width, lower case. Traditional and Cantonese input are folded to
# that first, and homophone typos (兼值/兼职, 冻节/冻结) are caught through pinyin, so write
# the correct simplified word once.

# The id: lower_snake_case, the same as the file name. Do not change it after release:
# feedback, statistics and subscriptions refer to it.
id = "{entry_id}"

# The top-level (canonical) id this is a sub-kind of, or "" for a top-level entry.
parent = "{parent}"

# The name residents see, in simplified and in traditional characters (e.g. 刷单返利 / 刷單返利).
name = ""
name_hant = ""

# Other names people use for this scam (short words; /type 杀猪盘 finds the entry by them).
aliases = []

# One or two sentences: how the scam works and why people fall for it.
summary = ""

# How it unfolds, step by step, as a resident would live it (at least 2 steps).
steps = [
]

# Who is usually targeted (optional), e.g. "退休老人" or "在家带孩子的妈妈、学生".
targets = ""

# Where this comes from: a seed file line ("002:L42 ...") or "public: <what police published>".
sources = [
]

# The ONE question that decides between this scam and an innocent situation, asked when the
# bot is unsure, e.g. "对方有没有要你先自己垫钱、充值或者交保证金？"
clarify = ""

# At least {min_examples} messages as residents really write them: first person, forwarded SMS,
# typos, 繁體 and Cantonese mixed in. Each one becomes a test: `fanzha kb check` expects this
# type ranked first, and leaves the example itself out of the nearest-example vote, so each
# must be caught by the red flags below, not just by resembling itself.
examples = [
]

# At least {min_near_misses} legitimate look-alikes (a real part-time job, a real bank notice).
# Each one becomes a test: it must never be called a scam.
near_misses = [
]

# Red flags: one [[signals]] table each; copy the block for more (3-6 is usual). Signal ids
# are lower_snake_case and unique within the entry; they are stored with every question, so
# keep them stable.
[[signals]]
id = ""
# A short name shown to the resident next to their own words, e.g. "要你先垫钱".
label = ""
# One sentence: why this is a warning sign.
explain = ""
# How strongly it points to this scam, -5..5. About 3 = decisive on its own (the scam named,
# "先垫付"); 1.5-2.5 = typical step; below 1 = only with others. Negative = makes it less likely.
weight = 2.0
# Literal phrases (any one fires the signal); write what residents actually say.
phrases = []
# Regular expressions (Python syntax) for what phrases cannot list, e.g. '(先|自己).{{0,4}}(垫|付)'.
# Single quotes keep backslashes literal.
patterns = []
"""

_ADVICE_TOP = """
# 三不一要 for this type: one sentence each, concrete to this scam.
[advice]
dont_believe = ""   # 不轻信: what not to believe
dont_disclose = ""  # 不泄露 / 不冲动: what not to give away or rush into
dont_transfer = ""  # 不转账: what payment never to make
report = ""         # 要及时报警: 110 / 国家反诈中心APP, and what to bring
verify = ""         # how to check independently (official number, 96110, family)
# Once money has gone: concrete steps in order (at least 1).
already_paid = [
]
"""

_ADVICE_SUB = """
# Advice: a sub-kind uses its parent's 三不一要 unless it has its own. To give it its own,
# remove the leading "# " from the block below and fill every field.
# [advice]
# dont_believe = ""   # 不轻信: what not to believe
# dont_disclose = ""  # 不泄露 / 不冲动: what not to give away or rush into
# dont_transfer = ""  # 不转账: what payment never to make
# report = ""         # 要及时报警: 110 / 国家反诈中心APP, and what to bring
# verify = ""         # how to check independently (official number, 96110, family)
# already_paid = [""] # once money has gone: concrete steps in order
"""


def skeleton(entry_id: str, parent: str = "") -> str:
    """The TOML text of a new entry, every field present and explained, values left empty."""
    title = f"sub-kind of {parent}" if parent else "top-level entry"
    head = _HEAD.format(title=title, entry_id=entry_id, parent=parent,
                        parent_arg=f" --parent {parent}" if parent else "",
                        check_id=entry_id, min_examples=MIN_EXAMPLES,
                        min_near_misses=MIN_NEAR_MISSES)
    return head + (_ADVICE_SUB if parent else _ADVICE_TOP)
