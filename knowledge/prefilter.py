"""Cheap necessary conditions for regular expressions: "any match contains one of these characters".

Most red-flag patterns cannot match most messages. Deriving, from the parsed pattern, a set of
characters that every match must contain lets the matcher skip a regex with one set test
instead of running the backtracking engine over the whole message.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from re import _constants as C  # type: ignore[attr-defined]  # stdlib internals, stable since 3.11
from re import _parser as P  # type: ignore[attr-defined]

_ZERO_WIDTH = {C.AT, C.ASSERT, C.ASSERT_NOT, C.GROUPREF, C.GROUPREF_EXISTS}


_Cost = Callable[[frozenset[str]], float]


def _size(chars: frozenset[str]) -> float:
    return float(len(chars))


def _item(op: object, av: object, cost: _Cost) -> frozenset[str] | None:
    """Characters one of which a match of this item must contain (None: no such set known)."""
    if op is C.LITERAL:
        return frozenset(chr(av))  # type: ignore[arg-type]
    if op is C.IN:
        chars = set()
        for sub_op, sub_av in av:  # type: ignore[union-attr]
            if sub_op is C.LITERAL:
                chars.add(chr(sub_av))
            else:  # ranges, categories, negation: too broad to be useful
                return None
        return frozenset(chars)
    if op is C.SUBPATTERN:
        return _sequence(av[-1], cost)  # type: ignore[index]
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
        low, _high, sub = av  # type: ignore[misc]
        return _sequence(sub, cost) if low >= 1 else None
    if op is C.BRANCH:
        union: set[str] = set()
        for alternative in av[1]:  # type: ignore[index]
            req = _sequence(alternative, cost)
            if req is None:
                return None
            union |= req
        return frozenset(union)
    return None


def _sequence(seq: object, cost: _Cost) -> frozenset[str] | None:
    """The most selective (cheapest by `cost`) required set among a sequence's items."""
    best: frozenset[str] | None = None
    for op, av in seq:  # type: ignore[attr-defined]
        if op in _ZERO_WIDTH:
            continue
        req = _item(op, av, cost)
        if req is not None and (best is None or cost(req) < cost(best)):
            best = req
    return best


def required_chars(pattern: re.Pattern[str], cost: _Cost = _size) -> frozenset[str] | None:
    """A set of characters every match of `pattern` contains at least one of; None if unknown.

    Among several valid sets the cheapest by `cost` is returned: by default the smallest; the
    matcher passes how often the characters occur in messages, so common ones (的, 我) are avoided.
    Case-insensitive patterns return None (their literals stand for two characters each).
    """
    if pattern.flags & re.IGNORECASE:
        return None
    try:
        parsed = P.parse(pattern.pattern, pattern.flags)
    except re.error:
        return None
    if any(op is C.SUBPATTERN and av[1] & re.IGNORECASE for op, av in _walk(parsed)):  # (?i:...) groups
        return None
    return _sequence(parsed, cost)


def _walk(seq: object):  # type: ignore[no-untyped-def]
    for op, av in seq:  # type: ignore[attr-defined]
        yield op, av
        if op is C.SUBPATTERN:
            yield from _walk(av[-1])
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
            yield from _walk(av[2])
        elif op is C.BRANCH:
            for alternative in av[1]:
                yield from _walk(alternative)
