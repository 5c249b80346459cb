"""The regex prefilter: a pattern is skipped only when it provably cannot match."""

import re

import pytest

from knowledge.prefilter import required_chars


@pytest.mark.parametrize("pattern, required", [
    (r"(先|自己).{0,4}(花钱|出钱)", {"先", "自"}),
    (r"[0-9]+元", {"元"}),
    (r"(a|b)?c", {"c"}),
    (r"(?<!不)走审批", {"走"}),
    (r"(转|汇)(到|进)", {"转", "汇"}),
    (r".{0,3}", None),
    (r"(?i:abc)", None),
    (r"[^a]x?", None),
])
def test_required_characters(pattern, required):
    got = required_chars(re.compile(pattern))
    assert got == (frozenset(required) if required is not None else None)


def test_prefilter_never_hides_a_match(matcher):
    """Every catalogue pattern that matches an example also passes its own prefilter."""
    texts = [ex for e in matcher.catalogue.entries.values() for ex in e.examples]
    from knowledge.normalize import normalize
    for text in texts:
        canon = normalize(text).text
        present = set(canon)
        for _, pattern, required in matcher._patterns:
            if pattern.search(canon):
                assert required is None or not required.isdisjoint(present), pattern.pattern
