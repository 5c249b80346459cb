"""The catalogue: every canonical type present, validation errors name file, entry and field,
and every entry's own examples and near-misses hold (each one is a test)."""

from pathlib import Path

import pytest

from knowledge.catalogue import CANONICAL_IDS, CatalogueError, ENTRIES_DIR, CUES_FILE, load_catalogue
from knowledge.selfcheck import example_ok, near_miss_ok

_CAT = load_catalogue()
EXAMPLES = [(e.id, text) for e in _CAT.entries.values() for text in e.examples]
NEAR_MISSES = [(e.id, text) for e in _CAT.entries.values() for text in e.near_misses]


def test_every_canonical_type_has_an_entry(catalogue):
    assert {e.id for e in catalogue.top_level()} == set(CANONICAL_IDS)


@pytest.mark.parametrize("parent, child", [
    ("elderly", "elderly_house_pension"), ("elderly", "elderly_health_products"),
    ("elderly", "elderly_cheap_tour"), ("elderly", "elderly_pension_project"),
    ("elderly", "elderly_pension_insurance"), ("elderly", "elderly_support_subsidy"),
    ("elderly", "elderly_membership"), ("elderly", "elderly_companionship"),
    ("fake_police", "fake_police_phone_arrears"),
    ("phishing", "phishing_fake_charge_sms"), ("phishing", "phishing_ebank_upgrade"),
])
def test_seed_sub_kinds_exist(catalogue, parent, child):
    assert catalogue.entries[child].parent == parent


def test_every_entry_cites_a_source_and_has_advice(catalogue):
    for entry in catalogue.entries.values():
        assert entry.sources, entry.id
        advice = catalogue.advice_for(entry.id)
        assert advice.already_paid and advice.report


@pytest.mark.parametrize("entry_id, text", EXAMPLES, ids=[f"{e}:{i}" for i, (e, _) in enumerate(EXAMPLES)])
def test_example_matches_its_own_type(matcher, catalogue, entry_id, text):
    result = matcher.match(text, leave_out=True)
    assert example_ok(result, catalogue.entries[entry_id].canonical_id), (
        f"{entry_id}: got {result.verdict} {[t.id for t in result.types]}; flags {[f.label for f in result.red_flags]}")


@pytest.mark.parametrize("entry_id, text", NEAR_MISSES, ids=[f"{e}:{i}" for i, (e, _) in enumerate(NEAR_MISSES)])
def test_near_miss_is_not_called_a_scam(matcher, entry_id, text):
    result = matcher.match(text, leave_out=True)
    assert near_miss_ok(result), f"{entry_id}: near-miss called scam ({[f.label for f in result.red_flags]})"


def _copy_catalogue(tmp_path: Path) -> Path:
    d = tmp_path / "entries"
    d.mkdir()
    for f in ENTRIES_DIR.glob("*.toml"):
        (d / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    return d


@pytest.mark.parametrize("name, mutate, expected", [
    ("syntax", lambda s: s + "\n[[signals]\n", "brushing.toml: is not valid TOML"),
    ("missing field", lambda s: s.replace('summary = "', 'x_summary = "', 1), "brushing.toml [brushing].summary: is required"),
    ("bad regex", lambda s: s.replace("patterns = ['(提高", "patterns = ['(((提高", 1), "brushing.toml [brushing].signals[0].patterns[0]: does not compile"),
    ("bad weight", lambda s: s.replace("weight = 3.0", 'weight = "high"', 1), "brushing.toml [brushing].signals[0].weight: must be a number"),
    ("unknown parent", lambda s: s.replace('parent = ""', 'parent = "nope"', 1), "brushing.toml [brushing].parent: 'nope' is not an entry"),
    ("too few examples", lambda s: s.replace("examples = [", "examples = [] \nold_examples = [", 1), "brushing.toml [brushing].examples: needs at least 8"),
])
def test_broken_entry_is_refused_naming_file_entry_and_field(tmp_path, name, mutate, expected):
    d = _copy_catalogue(tmp_path)
    path = d / "brushing.toml"
    path.write_text(mutate(path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(CatalogueError) as err:
        load_catalogue(d, CUES_FILE)
    assert any(p.startswith(expected) for p in err.value.problems), err.value.problems


def test_duplicate_ids_and_missing_types_are_reported_together(tmp_path):
    d = _copy_catalogue(tmp_path)
    (d / "zz_copy.toml").write_text((d / "brushing.toml").read_text(encoding="utf-8"), encoding="utf-8")
    (d / "prize.toml").unlink()
    with pytest.raises(CatalogueError) as err:
        load_catalogue(d, CUES_FILE)
    text = str(err.value)
    assert "zz_copy.toml [brushing].id: duplicate of brushing.toml" in text
    assert "no entry for canonical id 'prize'" in text
