"""Splitting long replies into pages that fit a channel's limit (WeChat bytes, Telegram characters)."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[。！？!?；;\n])")


def _size(text: str, unit: str) -> int:
    return len(text.encode("utf-8")) if unit == "bytes" else len(text)


def split_pages(text: str, budget: int, unit: str = "bytes") -> list[str]:
    """Cut `text` into pages of at most `budget` (UTF-8 bytes or characters).

    Cuts fall between paragraphs when possible, else at sentence ends, and only inside a
    sentence when one sentence alone is longer than a page.
    """
    budget = max(budget, 16)
    if _size(text, unit) <= budget:
        return [text]
    pieces: list[str] = []
    for para in text.split("\n\n"):
        if _size(para, unit) <= budget:
            pieces.append(para)
            continue
        for sentence in filter(None, _SENTENCE_END.split(para)):
            while _size(sentence, unit) > budget:
                cut = _hard_cut(sentence, budget, unit)
                pieces.append(sentence[:cut])
                sentence = sentence[cut:]
            pieces.append(sentence)
    pages: list[str] = []
    current = ""
    for piece in pieces:
        sep = "\n\n" if current and not current.endswith("\n") else ""
        candidate = current + sep + piece if current else piece
        if _size(candidate, unit) <= budget:
            current = candidate
        else:
            if current:
                pages.append(current.strip("\n"))
            current = piece
    if current.strip():
        pages.append(current.strip("\n"))
    return pages


def _hard_cut(sentence: str, budget: int, unit: str) -> int:
    cut = len(sentence)
    while cut > 1 and _size(sentence[:cut], unit) > budget:
        cut -= 1
    return cut
