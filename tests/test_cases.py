"""The case library for daily warnings: the shipped data validates and covers every type and seed
case, topic filters pick the right cases, broken files are reported by file, case and field,
and `fanzha cases check|list` exit with the right codes."""

from __future__ import annotations

import re
from pathlib import Path

import opencc
import pytest

from bot.cli import main
from knowledge.cases import (
    CASE_MAX_CHARS,
    OUTCOMES,
    STORY_MAX_CHARS,
    CaseError,
    CaseLibrary,
    _entry_parents,
    load_cases,
)
from knowledge.catalogue import CANONICAL_IDS, ENTRIES_DIR

LIB = load_cases()

# --- the shipped library ------------------------------------------------------------------------


def test_shipped_library_validates():
    assert isinstance(LIB, CaseLibrary) and LIB.cases


def test_library_is_large_enough_for_two_months_without_repeats():
    assert len(LIB.cases) >= 60


@pytest.mark.parametrize("type_id", CANONICAL_IDS)
def test_every_type_has_at_least_four_cases(type_id):
    assert sum(c.type == type_id for c in LIB.cases) >= 4


def test_ids_are_unique_lower_snake_case():
    ids = [c.id for c in LIB.cases]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", i) for i in ids)


def test_each_file_holds_one_type():
    for c in LIB.cases:
        assert c.path.stem == c.type, c.id


# Every concrete case the seeds narrate (shared/research/seeds-digest.md §4), found by its citation.
SEED_CASES = [
    # (label, citation, type, outcome, a fact the story must carry)
    ("C1 固话欠费3168元", "001:L83", "fake_police", "stopped", "3168"),
    ("C2 昆明欠费 5万元", "001:L97", "fake_police", "lost", "5万"),
    ("C3 钱小姐 假消费短信", "001:L189", "phishing", "lost", "1万元"),
    ("C4 张先生 网银升级", "001:L193", "phishing", "lost", "近两万"),
    ("C5 冒充公安局一波电话", "001:L199", "fake_police", "pattern", "114"),
    ("C6 客户A 提前支取定期", "004:L48", "illegal_fundraising", "stopped", "定期"),
    ("C7 张女士 80万 杀猪盘", "004:L79", "pig_butchering", "stopped", "80万"),
    ("C8 养老会员保证金8000元", "004:L80", "elderly", "stopped", "8000"),
    ("C9 赵先生 投资款", "004:L81", "illegal_fundraising", "stopped", "投资"),
    ("以房养老", "001:L167", "elderly", "pattern", "以房养老"),
    ("高息理财", "001:L169", "elderly", "lost", "理财"),
    ("低价旅游", "001:L173", "elderly", "pattern", "低价"),
    ("孤寡老人“爱情”", "001:L177", "elderly", "pattern", "独居"),
]


def _by_citation(citation: str) -> list:
    # "004:L48" also finds "004:L48-53", but "001:L17" must not find "001:L177"
    return [c for c in LIB.cases if re.match(re.escape(citation) + r"(?![0-9])", c.source)]


@pytest.mark.parametrize("label, citation, type_id, outcome, fact", SEED_CASES, ids=[s[0] for s in SEED_CASES])
def test_seed_case_present(label, citation, type_id, outcome, fact):
    found = [c for c in _by_citation(citation) if c.type == type_id]
    assert len(found) == 1, f"{label}: {len(found)} cases cite {citation} as {type_id}"
    case = found[0]
    assert case.outcome == outcome
    assert fact in case.title + case.story


def test_seed_line_citations_are_only_for_seed_narratives():
    # a case invented in the shape police publicise says so ("public: …"), so a seed citation
    # at the start of `source` always means "this happened as the seed tells it"
    cited = {c.source.split()[0].split("-")[0] for c in LIB.cases if not c.source.startswith("public: ")}
    assert cited <= {s[1] for s in SEED_CASES} | {"001:L115"}


def test_every_case_fits_one_chat_message():
    for c in LIB.cases:
        assert len(c.story) <= STORY_MAX_CHARS, c.id
        assert len(c.title + c.story + c.red_flag + c.takeaway) <= CASE_MAX_CHARS, c.id


def test_text_is_simplified_chinese():
    t2s = opencc.OpenCC("t2s")
    for c in LIB.cases:
        for text in (c.title, c.story, c.red_flag, c.takeaway, *c.tags):
            assert t2s.convert(text) == text, (c.id, text)


def test_no_real_phone_numbers():
    # only short official service numbers (110, 96110, 12337, 12333, 12345) may appear
    for c in LIB.cases:
        text = c.title + c.story + c.red_flag + c.takeaway
        assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)|\d{3,4}-\d{7,8}|400-?\d{3}-?\d{4}", text), c.id


def test_takeaway_says_whom_to_call():
    contact = re.compile(r"110|96110|12337|12333|12345|报警|官方|子女|家人|家长|辅导员|老师|社区|银行|柜员|爸妈|亲人|平台")
    for c in LIB.cases:
        assert contact.search(c.takeaway), c.id


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_outcomes_are_varied(outcome):
    assert sum(c.outcome == outcome for c in LIB.cases) >= 10


@pytest.mark.parametrize("tag", ["老人", "学生", "家长", "上班族", "宝妈", "商家"])
def test_audiences_are_covered(tag):
    assert len(LIB.for_topics([tag])) >= 4


@pytest.mark.parametrize("variant", ["共享屏幕", "校园贷", "AI", "USDT", "直播间", "点赞", "养老公寓", "验证码"])
def test_newer_variants_are_covered(variant):
    assert any(variant in c.title + c.story for c in LIB.cases)


# --- lookups and topic filters -----------------------------------------------------------------


def test_by_id():
    case = LIB.cases[0]
    assert LIB.by_id(case.id) is case
    with pytest.raises(KeyError):
        LIB.by_id("no_such_case")


def _types(cases) -> set[str]:
    return {c.type for c in cases}


@pytest.mark.parametrize("topics, expected_types", [
    (["养老"], {"elderly"}),
    (["elderly"], {"elderly"}),
    (["养老诈骗"], {"elderly"}),
    (["刷单"], {"brushing"}),
    (["公检法", "phishing"], {"fake_police", "phishing"}),
    (["fake_police_phone_arrears"], {"fake_police"}),
    (["  ELDERLY "], {"elderly"}),
])
def test_for_topics_by_type_name_or_subkind(topics, expected_types):
    assert _types(LIB.for_topics(topics)) == expected_types


@pytest.mark.parametrize("topics", [[], [""], ["  "]])
def test_for_topics_empty_means_all(topics):
    assert LIB.for_topics(topics) == list(LIB.cases)


def test_for_topics_type_gives_every_case_of_that_type():
    assert LIB.for_topics(["elderly"]) == [c for c in LIB.cases if c.type == "elderly"]


def test_for_topics_subkind_gives_only_that_subkind():
    got = LIB.for_topics(["fake_police_phone_arrears"])
    assert got and all(c.subkind == "fake_police_phone_arrears" for c in got)


def test_for_topics_tag_crosses_types():
    got = LIB.for_topics(["老人"])
    assert all("老人" in c.tags for c in got)
    assert len(_types(got)) >= 4  # older people are warned about more than 养老诈骗


def test_for_topics_unknown_topic_matches_nothing():
    assert LIB.for_topics(["no_such_topic"]) == []


def test_shipped_subkinds_name_existing_entries_of_their_type():
    # the loader tolerates a sub-kind whose entry is not written yet; the shipped data must not
    # rely on that, or a typo would silently make a topic match nothing
    parents = _entry_parents(ENTRIES_DIR)
    for c in LIB.cases:
        if c.subkind:
            assert parents.get(c.subkind) == c.type, (c.id, c.subkind)


# --- broken data -------------------------------------------------------------------------------

FIELDS = {
    "id": "a_case", "type": "phishing", "subkind": "", "title": "标题",
    "story": "第一句话。第二句话。", "red_flag": "红旗。", "takeaway": "不信、不说、不转，拨110。",
    "outcome": "lost", "source": "public: 测试", "tags": ["老人"],
}


def _toml(**overrides) -> str:
    """One [[cases]] table: FIELDS with overrides; a value of None drops the field."""
    fields = {**FIELDS, **overrides}
    lines = ["[[cases]]"]
    for key, value in fields.items():
        if value is None:
            continue
        if isinstance(value, list):
            lines.append(f"{key} = [{', '.join(repr_str(v) for v in value)}]")
        else:
            lines.append(f"{key} = {repr_str(value)}")
    return "\n".join(lines) + "\n\n"


def repr_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _problems(tmp_path: Path, files: dict[str, str], entries: dict[str, str] | None = None) -> list[str]:
    cases_dir = tmp_path / "cases"
    cases_dir.mkdir()
    for name, text in files.items():
        (cases_dir / name).write_text(text, encoding="utf-8")
    kwargs = {}
    if entries is not None:
        entries_dir = tmp_path / "entries"
        entries_dir.mkdir()
        for name, text in entries.items():
            (entries_dir / name).write_text(text, encoding="utf-8")
        kwargs["entries_dir"] = entries_dir
    with pytest.raises(CaseError) as exc:
        load_cases(cases_dir, require_complete=False, **kwargs)
    return exc.value.problems


BROKEN = [
    # (name, files, fragments that one problem must contain: file, case, field)
    ("bad TOML syntax", {"phishing.toml": "[[cases]]\nid = \"x\ntitle = 1\n"}, ["phishing.toml", "not valid TOML"]),
    ("missing field", {"phishing.toml": _toml(red_flag=None)}, ["phishing.toml", "[a_case]", "red_flag", "required"]),
    ("empty field", {"phishing.toml": _toml(title="  ")}, ["phishing.toml", "[a_case]", "title", "required"]),
    ("unknown type", {"phishing.toml": _toml(type="lottery")}, ["phishing.toml", "[a_case]", "type", "lottery"]),
    ("type in the wrong file", {"phishing.toml": _toml(type="prize")}, ["phishing.toml", "[a_case]", "type", "prize.toml"]),
    ("duplicate id", {"phishing.toml": _toml(), "prize.toml": _toml(type="prize")}, ["prize.toml", "[a_case]", "id", "duplicate", "phishing.toml"]),
    ("unknown field", {"phishing.toml": _toml(moral="别信")}, ["phishing.toml", "[a_case]", "unknown field", "moral"]),
    ("bad outcome", {"phishing.toml": _toml(outcome="won")}, ["phishing.toml", "[a_case]", "outcome", "won"]),
    ("bad source", {"phishing.toml": _toml(source="somewhere online")}, ["phishing.toml", "[a_case]", "source"]),
    ("id not snake case", {"phishing.toml": _toml(id="Bad-Id")}, ["phishing.toml", "[Bad-Id]", "id", "lower_snake_case"]),
    ("story too long", {"phishing.toml": _toml(story="很长。" * 80)}, ["phishing.toml", "[a_case]", "story", "characters"]),
    ("story one sentence", {"phishing.toml": _toml(story="只有一句话。")}, ["phishing.toml", "[a_case]", "story", "sentences"]),
    ("tags not a list", {"phishing.toml": _toml().replace('tags = ["老人"]', 'tags = "老人"')}, ["phishing.toml", "[a_case]", "tags", "list"]),
    ("cases not tables", {"phishing.toml": "cases = 3\n"}, ["phishing.toml", "array of tables"]),
    ("stray top-level key", {"phishing.toml": "note = \"x\"\n" + _toml()}, ["phishing.toml", "unknown top-level", "note"]),
    ("empty library", {}, ["no cases"]),
]


@pytest.mark.parametrize("name, files, fragments", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_data_names_file_case_and_field(tmp_path, name, files, fragments):
    problems = _problems(tmp_path, files)
    assert any(all(f in p for f in fragments) for p in problems), problems


def test_every_problem_is_reported_at_once(tmp_path):
    text = _toml(id="one", type="lottery") + _toml(id="two", outcome="won") + _toml(id="three", title=None)
    problems = _problems(tmp_path, {"phishing.toml": text})
    assert len(problems) == 3
    assert [p.split("]")[0] for p in problems] == ["phishing.toml [one", "phishing.toml [two", "phishing.toml [three"]


ENTRY = 'id = "{id}"\nparent = "{parent}"\n'


@pytest.mark.parametrize("subkind, entries, fragments", [
    ("phishing_sms", {"x.toml": ENTRY.format(id="phishing_sms", parent="prize")}, ["subkind", "parent 'prize'"]),
    ("phishing", {}, ["subkind", "other than the type"]),
    ("Not-An-Id", {}, ["subkind", "lower_snake_case"]),
])
def test_bad_subkind(tmp_path, subkind, entries, fragments):
    problems = _problems(tmp_path, {"phishing.toml": _toml(subkind=subkind)}, entries)
    assert any("[a_case].subkind" in p and all(f in p for f in fragments) for p in problems), problems


@pytest.mark.parametrize("entries", [
    {},  # the sub-kind's entry is still being written
    {"x.toml": ENTRY.format(id="phishing_sms", parent="phishing")},
    {"x.toml": ENTRY.format(id="phishing_sms", parent="phishing"), "broken.toml": "id = \"half"},
], ids=["entry not written yet", "entry under the right parent", "another entry is broken"])
def test_good_subkind_is_accepted(tmp_path, entries):
    cases_dir, entries_dir = tmp_path / "cases", tmp_path / "entries"
    cases_dir.mkdir()
    entries_dir.mkdir()
    (cases_dir / "phishing.toml").write_text(_toml(subkind="phishing_sms"), encoding="utf-8")
    for name, text in entries.items():
        (entries_dir / name).write_text(text, encoding="utf-8")
    lib = load_cases(cases_dir, entries_dir=entries_dir, require_complete=False)
    assert lib.for_topics(["phishing_sms"]) == list(lib.cases)


def test_too_few_cases_per_type_is_a_problem(tmp_path):
    (tmp_path / "phishing.toml").write_text(_toml(), encoding="utf-8")
    with pytest.raises(CaseError) as exc:
        load_cases(tmp_path)
    problems = exc.value.problems
    assert len(problems) == len(CANONICAL_IDS)
    assert any("phishing" in p and "has 1 case" in p for p in problems)
    assert any("brushing" in p and "has 0 case" in p for p in problems)


# --- the command line ---------------------------------------------------------------------------


def run_cli(args, capsys):
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_check_shipped_library_passes(capsys):
    code, out, _ = run_cli(["cases", "check"], capsys)
    assert code == 0
    counts = dict(re.findall(r"^\s+([a-z_]+)\s+(\d+)", out, re.M))
    assert set(CANONICAL_IDS) <= set(counts)
    assert sum(int(counts[t]) for t in CANONICAL_IDS) == len(LIB.cases)
    assert out.strip().splitlines()[-1].endswith("valid")


def test_cli_check_reports_problems_and_exits_1(tmp_path, capsys):
    (tmp_path / "phishing.toml").write_text(_toml(outcome="won") + _toml(id="b"), encoding="utf-8")
    code, out, _ = run_cli(["cases", "check", "--dir", str(tmp_path)], capsys)
    assert code == 1
    assert "PROBLEM phishing.toml [a_case].outcome" in out
    assert "PROBLEM brushing.toml: type 'brushing' has 0 case(s)" in out
    assert re.search(r"^\s+phishing\s+2\b", out, re.M)  # counts are printed even with problems


@pytest.mark.parametrize("args, code", [
    (["--draft"], 0),  # a partial library is fine while drafting
    ([], 1),           # but not for shipping
])
def test_cli_check_draft(tmp_path, capsys, args, code):
    (tmp_path / "phishing.toml").write_text(_toml(), encoding="utf-8")
    assert run_cli(["cases", "check", "--dir", str(tmp_path), *args], capsys)[0] == code


@pytest.mark.parametrize("args, expected_types", [
    (["--type", "elderly"], {"elderly"}),
    (["--type", "养老"], {"elderly"}),
    (["--topic", "公检法", "--topic", "prize"], {"fake_police", "prize"}),
    ([], set(CANONICAL_IDS)),
])
def test_cli_list(capsys, args, expected_types):
    code, out, _ = run_cli(["cases", "list", *args], capsys)
    assert code == 0
    rows = [line.split() for line in out.strip().splitlines()[:-1]]
    assert {r[1] for r in rows} == expected_types
    assert out.strip().splitlines()[-1] == f"{len(rows)} case(s)"


def test_cli_list_unknown_type_exits_2(capsys):
    code, out, _ = run_cli(["cases", "list", "--type", "lottery"], capsys)
    assert code == 2 and "unknown type" in out
