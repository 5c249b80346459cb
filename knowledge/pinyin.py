"""Homophone folding: every Han character → one code point standing for its toneless syllable.

Voice input and pinyin keyboards produce homophone typos (冻节 for 冻结, 注消 for 注销, 证信 for
征信). Translating text and catalogue phrases through the same table makes homophones equal
while keeping one code point per character, so a hit's span is the span in the text itself.

The table comes from pypinyin's character dictionary (first reading of each character). It is
read straight from the package's JSON file: importing pypinyin itself also loads its 2.5 MB
phrase dictionary, which would cost most of our start-up time for data we do not use.
"""

from __future__ import annotations

import importlib.util
import json
import unicodedata
from functools import lru_cache
from pathlib import Path

_PRIVATE_USE_BASE = 0xF0000  # supplementary private-use plane: never in user text we keep


def _pinyin_dict_path() -> Path:
    spec = importlib.util.find_spec("pypinyin")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("pypinyin is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / "pinyin_dict.json"


def _toneless(reading: str) -> str:
    plain = "".join(c for c in unicodedata.normalize("NFD", reading) if not unicodedata.combining(c))
    return plain.replace("ü", "v").lower()


@lru_cache(maxsize=1)
def syllable_table() -> dict[int, str]:
    """str.translate table: Han code point → a private-use character naming its syllable."""
    with _pinyin_dict_path().open(encoding="utf-8") as fh:
        raw: dict[str, str] = json.load(fh)
    ids: dict[str, str] = {}
    by_reading: dict[str, str] = {}
    table: dict[int, str] = {}
    for code, readings in raw.items():
        cp = int(code)
        if not 0x3400 <= cp <= 0x9FFF:  # CJK unified ideographs (and extension A) only
            continue
        first = readings.split(",", 1)[0]
        code_char = by_reading.get(first)
        if code_char is None:
            syllable = _toneless(first)
            code_char = by_reading[first] = ids.setdefault(syllable, chr(_PRIVATE_USE_BASE + len(ids)))
        table[cp] = code_char
    return table


def to_syllables(text: str) -> str:
    """`text` with every Han character replaced by its syllable code (same length, same positions)."""
    return text.translate(syllable_table())
