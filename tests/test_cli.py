"""The `fanzha` command line: the evaluation interface, eval, kb check, ask; bad input never crashes."""

import io
import json
import sys

import pytest

from bot.cli import main


def run_cli(args, capsys, stdin=None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_match_jsonl_one_line_out_per_line_in(capsys, monkeypatch):
    lines = [
        json.dumps({"id": "a", "text": "有人让我先垫付做刷单任务，说返佣金"}, ensure_ascii=False),
        "this is not json",
        json.dumps({"id": "c"}),
        json.dumps({"id": "d", "text": "今天中午吃饺子"}, ensure_ascii=False),
        json.dumps([1, 2]),
        "",
    ]
    code, out, _ = run_cli(["match", "--jsonl", "-"], capsys, "\n".join(lines) + "\n", monkeypatch)
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 5
    assert rows[0]["id"] == "a" and rows[0]["verdict"] == "scam" and rows[0]["types"][0]["id"] == "brushing"
    assert set(rows[0]) == {"id", "verdict", "types", "signals"} and len(rows[0]["types"]) <= 3
    assert "error" in rows[1] and rows[2] == {"id": "c", "error": 'missing or non-string "text"'}
    assert rows[3]["verdict"] == "not_scam" and "error" in rows[4]


def test_eval_reports_the_figures(tmp_path, capsys):
    f = tmp_path / "cases.jsonl"
    f.write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in [
        {"id": "1", "text": "有人打电话说我涉嫌洗钱，要我转到安全账户", "labels": ["fake_police"]},
        {"id": "2", "text": "今天中午吃饺子", "labels": ["none"]},
    ]), encoding="utf-8")
    code, out, _ = run_cli(["eval", str(f), "--json"], capsys)
    report = json.loads(out)
    assert code == 0 and report["total"] == 2 and report["top1"] == 1.0
    assert report["scam_recall"] == 1.0 and report["false_alarm_rate"] == 0.0


def test_eval_refuses_a_broken_file_clearly(tmp_path, capsys):
    f = tmp_path / "bad.jsonl"
    f.write_text('{"id": 1, "text": "x"}\n', encoding="utf-8")
    code, _, err = run_cli(["eval", str(f)], capsys)
    assert code == 2 and "line 1" in err


def test_kb_check_passes_on_the_shipped_catalogue(capsys):
    code, out, _ = run_cli(["kb", "check"], capsys)
    assert code == 0, out
    assert "entries valid" in out


def test_ask_prints_a_reply(capsys):
    code, out, _ = run_cli(["ask", "有人打电话说我涉嫌洗钱，要我转到安全账户"], capsys)
    assert code == 0 and "冒充公检法" in out and "回复 1" in out


def test_unknown_command(capsys):
    code, _, err = run_cli(["frobnicate"], capsys)
    assert code == 2 and "unknown command" in err


def test_broken_config_lists_every_problem(tmp_path, capsys, monkeypatch):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[matcher]\nscam_threshold = "high"\nbogus = 1\n[scheduler]\ndefault_time = "25:99"\n[nope]\n', encoding="utf-8")
    monkeypatch.setenv("FANZHA_CONFIG", str(cfg))
    with pytest.raises(SystemExit) as exc:
        main(["ask", "你好"])
    err = capsys.readouterr().err
    assert exc.value.code == 2
    for expected in ("scam_threshold", "bogus", "default_time", "[nope]"):
        assert expected in err
