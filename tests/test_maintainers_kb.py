"""`fanzha kb new` and `fanzha kb check`: skeletons that load once filled, cases checked too (issue 6)."""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from pathlib import Path

import pytest

from bot.cli import main
from bot.commands import kb
from knowledge.catalogue import CUES_FILE, ENTRIES_DIR, CatalogueError, load_catalogue
from knowledge.selfcheck import ExampleOutcome, run_selfcheck
from knowledge.skeleton import skeleton

FILLED = {
    "name": "测试骗局", "name_hant": "測試騙局", "aliases": ["测试"],
    "summary": "一个只在测试里存在的骗局。", "steps": ["先加好友。", "再要钱。"],
    "sources": ["public: test"], "clarify": "对方有没有让你先交钱？",
    "examples": [f"测试例子第{i}条，对方让我先交保证金" for i in range(8)],
    "near_misses": ["正常的测试句子一", "正常的测试句子二"],
    "label": "先交钱", "explain": "正规的事不会先收钱。", "phrases": ["保证金"],
    "dont_believe": "不轻信。", "dont_disclose": "不泄露。", "dont_transfer": "不转账。",
    "report": "打110。", "verify": "打96110。", "already_paid": ["马上报警。"],
}


def fill(text: str, signal_id: str = "deposit_first") -> str:
    """Fill every empty value of a skeleton the way a maintainer would, line by line."""
    values = {**FILLED, "id": signal_id}
    for key, value in values.items():
        literal = json.dumps(value, ensure_ascii=False)  # JSON strings and lists are TOML too
        text = re.sub(rf'^{key} = (""|\[\n?\])', lambda _: f"{key} = {literal}", text, flags=re.MULTILINE)
    return text


@pytest.fixture()
def catalogue_copy(tmp_path: Path) -> tuple[Path, Path]:
    """A writable copy of the shipped entries and cues."""
    entries = tmp_path / "entries"
    shutil.copytree(ENTRIES_DIR, entries)
    cues = tmp_path / "cues.toml"
    shutil.copy(CUES_FILE, cues)
    return entries, cues


@pytest.mark.parametrize("entry_id, parent", [("elderly_fake_doctor", "elderly"), ("prize", "")],
                         ids=["sub-kind", "top-level"])
def test_new_skeleton_loads_once_filled(catalogue_copy, capsys, entry_id, parent):
    entries, cues = catalogue_copy
    (entries / f"{entry_id}.toml").unlink(missing_ok=True)  # a top-level id is free only if its file is gone
    args = ["kb", "new", entry_id, "--dir", str(entries)] + (["--parent", parent] if parent else [])
    assert main(args) == 0
    path = entries / f"{entry_id}.toml"
    assert str(path) in capsys.readouterr().out
    written = path.read_text(encoding="utf-8")
    assert tomllib.loads(written)["id"] == entry_id  # valid TOML as written
    with pytest.raises(CatalogueError) as unfilled:
        load_catalogue(entries, cues)
    assert any(p.startswith(f"{entry_id}.toml [{entry_id}].name") for p in unfilled.value.problems)
    path.write_text(fill(written), encoding="utf-8")
    catalogue = load_catalogue(entries, cues)
    entry = catalogue.entries[entry_id]
    assert entry.parent == parent and len(entry.examples) == 8 and entry.signals[0].id == "deposit_first"
    assert (entry.advice is None) == bool(parent)  # a sub-kind falls back to its parent's advice


def test_skeleton_explains_every_field():
    text = skeleton("elderly_fake_doctor", "elderly") + skeleton("prize")
    for key in ("name", "name_hant", "aliases", "summary", "steps", "targets", "sources", "clarify",
                "examples", "near_misses", "label", "explain", "weight", "phrases", "patterns",
                "dont_believe", "already_paid"):
        line = text.index(f"\n{key} = ") if f"\n{key} = " in text else text.index(f"# {key} = ")
        assert "#" in text[max(0, line - 300):line], f"{key} has no comment before it"


@pytest.mark.parametrize("args, message", [
    (["brushing"], "already exists"),
    (["Brushing-2", "--parent", "brushing"], "not a valid id"),
    (["shady_stuff"], "not a canonical id"),
    (["brushing_app", "--parent", "brushing_x"], "parent 'brushing_x' is not a canonical id"),
    (["prize", "--parent", "brushing"], "a sub-kind needs its own id"),
], ids=["exists", "bad-id", "top-level-not-canonical", "bad-parent", "canonical-as-sub-kind"])
def test_new_refuses(catalogue_copy, capsys, args, message):
    entries, _ = catalogue_copy
    before = sorted(p.name for p in entries.iterdir())
    assert main(["kb", "new", *args, "--dir", str(entries)]) == 2
    assert message in capsys.readouterr().err
    assert sorted(p.name for p in entries.iterdir()) == before


def test_new_never_overwrites(catalogue_copy, capsys):
    entries, _ = catalogue_copy
    assert main(["kb", "new", "brushing_app", "--parent", "brushing", "--dir", str(entries)]) == 0
    (entries / "brushing_app.toml").write_text("# my work in progress\n", encoding="utf-8")
    assert main(["kb", "new", "brushing_app", "--parent", "brushing", "--dir", str(entries)]) == 2
    assert (entries / "brushing_app.toml").read_text(encoding="utf-8") == "# my work in progress\n"


def test_new_refuses_an_id_another_file_already_uses(catalogue_copy, capsys):
    entries, _ = catalogue_copy
    shutil.copy(entries / "elderly_cheap_tour.toml", entries / "renamed.toml")
    (entries / "elderly_cheap_tour.toml").unlink()
    assert main(["kb", "new", "elderly_cheap_tour", "--parent", "elderly", "--dir", str(entries)]) == 2
    assert "renamed.toml already has id 'elderly_cheap_tour'" in capsys.readouterr().err


def test_check_validates_the_case_library_too(tmp_path, monkeypatch, capsys):
    (tmp_path / "brushing.toml").write_text(
        '[[cases]]\nid = "c1"\ntype = "brushing"\ntitle = "t"\nstory = "太短。"\nred_flag = "r"\n'
        'takeaway = "k"\noutcome = "maybe"\nsource = "public: x"\n', encoding="utf-8")
    monkeypatch.setattr(kb, "CASES_DIR", tmp_path)
    code = main(["kb", "check", "--draft", "--entry", "brushing"])
    out = capsys.readouterr().out
    assert code == 1
    assert "CASE brushing.toml [c1].outcome: must be one of" in out
    assert "cases: 1 cases; " in out


def test_selfcheck_leaves_each_example_out_of_its_own_vote(brain, monkeypatch):
    calls = []
    real = brain.matcher.match
    monkeypatch.setattr(brain.matcher, "match", lambda text, leave_out=False: calls.append(leave_out) or real(text, leave_out))
    run_selfcheck(brain.catalogue, brain.matcher)
    assert calls and all(calls)


def test_failure_says_what_fired_and_how_close_the_type_came(brain):
    result = brain.matcher.match("今天天气不错，我们去公园散步吧", leave_out=True)
    text = ExampleOutcome("brushing", "example", "今天天气不错", False, result, "brushing").describe()
    assert "expected brushing, got not_scam" in text
    assert "brushing not ranked" in text and "fired: no red flags fired" in text
    scam = brain.matcher.match("有人让我先垫付做刷单任务，说完成后返佣金", leave_out=True)
    text = ExampleOutcome("pig_butchering", "example", "x", False, scam, "pig_butchering").describe()
    assert "ranked: brushing" in text and "「" in text  # quotes the words that fired
