"""`fanzha review` and `fanzha stats` on a real SQLite file (issue 6)."""

from __future__ import annotations

import csv
import io
import json
from itertools import count

import pytest

from bot.cli import main
from bot.commands.review import group_items
from bot.conversation import OPT_KEEP_TEXT, OPT_UNHELPFUL
from bot.service import ChatService
from bot.brain import BrainHolder
from bot.dialogue import Dialogue
from storage.db import open_db
from storage.reports import review_items

_ids = count(1)
STOCKS = ["有人拉我进群，老师带单炒股稳赚不赔，让我下载APP入金",
          "群里的老师带我们炒股，说稳赚不赔，要下载一个APP入金",
          "进了一个炒股群，老师带单，让下载APP充值入金"]


def question(db, *, verdict="unsure", confidence=0.4, top_type="fake_investment", signals="", text=None,
             day="2026-08-10", user=None, at=None):
    """Insert one question row as ChatService would."""
    row = {"user_key": user or f"u{next(_ids)}", "channel": "test", "day": day,
           "created_at": at or f"{day}T10:00:00+00:00", "verdict": verdict, "top_type": top_type,
           "subkind": "", "confidence": confidence, "stage": "unknown", "signals": signals,
           "text_redacted": text}
    return db["questions"].insert(row).last_pk


def feedback(db, user, kind, at, text=None, verdict="scam", top_type="fake_investment"):
    db["feedback"].insert({"user_key": user, "channel": "test", "created_at": at, "kind": kind,
                           "verdict": verdict, "top_type": top_type, "subkind": "", "text_redacted": text})


@pytest.fixture()
def db(tmp_path):
    database = open_db(tmp_path / "fanzha.db")
    yield database
    database.close()


@pytest.fixture()
def filled(db):
    """40 people asked about the same stock-group story and we said unsure; plus other cases."""
    for i in range(40):
        question(db, text=STOCKS[i % 3], signals="teacher_leads_trades")
    for _ in range(5):  # no text kept: grouped by type and red flags
        question(db, top_type="brushing", signals="advance_payment,brushing_named")
    question(db, verdict="scam", confidence=0.9, top_type="fake_police", user="sure")  # confident: not listed
    question(db, verdict="scam", confidence=0.52, top_type="fake_police", user="low")  # low confidence
    question(db, verdict="scam", confidence=0.9, top_type="prize", user="unhappy", at="2026-08-10T09:00:00+00:00")
    feedback(db, "unhappy", "down", "2026-08-10T09:01:00+00:00")  # attaches to the confident question
    feedback(db, "unhappy", "up", "2026-08-10T09:02:00+00:00")  # positive: not listed
    feedback(db, "gone", "not_this", "2026-08-11T09:00:00+00:00", text="收款人[姓名]说中奖了")  # question purged
    question(db, day="2026-07-01", text="很久以前的问题")  # before --since
    return db


def test_review_items_reasons_and_feedback_attachment(filled):
    items = review_items(filled, "2026-08-01", 0.6)
    assert len(items) == 40 + 5 + 1 + 1 + 1
    by_user = {i.user_key: i for i in items}
    assert "sure" not in by_user and by_user["low"].reasons == {"low_confidence"}
    assert by_user["unhappy"].reasons == {"down"} and by_user["unhappy"].top_type == "prize"
    assert by_user["gone"].question_id is None and by_user["gone"].reasons == {"not_this"}


def test_similar_texts_group_together_and_the_rest_by_type_and_flags(filled):
    groups = group_items(review_items(filled, "2026-08-01", 0.6), similarity=60)
    top = groups[0].summary()
    assert (top["people"], top["items"], top["by"]) == (40, 40, "text")
    assert top["verdicts"] == {"unsure": 40} and set(top["samples"]) == set(STOCKS)
    second = groups[1].summary()
    assert (second["people"], second["by"], second["types"]) == (5, "type_and_signals", {"brushing": 5})
    assert len(groups) == 5


def test_review_table(filled, tmp_path, capsys):
    assert main(["review", "--db", str(tmp_path / "fanzha.db"), "--since", "2026-08-01"]) == 0
    out = capsys.readouterr().out
    first = out.splitlines()[2]
    assert first.split()[:3] == ["1", "40", "40"] and "老师带单" in first
    assert "we said: unsure 40" in out and "no text kept · type brushing" in out
    assert "很久以前" not in out


def test_review_json(filled, tmp_path, capsys):
    assert main(["review", "--db", str(tmp_path / "fanzha.db"), "--since", "2026-08-01", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["since"] == "2026-08-01" and data["min_confidence"] == 0.6
    assert [g["people"] for g in data["groups"]] == [40, 5, 1, 1, 1]
    assert {"reasons", "verdicts", "types", "signals", "samples", "first_day", "last_day"} <= set(data["groups"][0])


def test_review_texts_come_out_redacted_even_from_old_rows(db, tmp_path, capsys):
    # A row stored before a redaction rule existed is redacted again on the way out.
    question(db, text="户名李明，卡号6222021234567890123")
    assert main(["review", "--db", str(tmp_path / "fanzha.db"), "--since", "2026-08-01", "--json"]) == 0
    out = capsys.readouterr().out
    assert "李明" not in out and "6222021234567890123" not in out and "[姓名]" in out


def test_review_from_real_conversations(brain, tmp_path, capsys):
    service = ChatService(Dialogue(BrainHolder(brain)), open_db(tmp_path / "fanzha.db"))
    for user in range(3):
        service.handle_text("test", user, "我妈收到短信说医保卡要升级，不然会停用，要点链接填信息")
        service.handle_option("test", user, OPT_UNHELPFUL)
        service.handle_option("test", user, OPT_KEEP_TEXT)
    assert main(["review", "--db", str(tmp_path / "fanzha.db"), "--json"]) == 0
    [group] = json.loads(capsys.readouterr().out)["groups"]
    assert group["people"] == 3 and "down" in group["reasons"] and "医保卡" in group["samples"][0]


@pytest.mark.parametrize("args", [["review"], ["stats"]])
def test_reports_refuse_a_missing_database(tmp_path, capsys, args):
    with pytest.raises(SystemExit) as exit_:
        main([*args, "--db", str(tmp_path / "nope.db")])
    assert exit_.value.code == 2 and "no database" in capsys.readouterr().err
    assert not (tmp_path / "nope.db").exists()


@pytest.mark.parametrize("since", ["2026-13-01", "yesterday"])
def test_since_must_be_a_day(tmp_path, capsys, since):
    with pytest.raises(SystemExit):
        main(["stats", "--since", since])
    assert "YYYY-MM-DD" in capsys.readouterr().err


# --- stats ------------------------------------------------------------------------------------


@pytest.fixture()
def usage(db):
    for day, verdict, top in [("2026-08-10", "scam", "brushing"), ("2026-08-10", "scam", "brushing"),
                              ("2026-08-10", "unsure", "fake_police"), ("2026-08-11", "not_scam", ""),
                              ("2026-07-01", "scam", "prize")]:
        question(db, verdict=verdict, top_type=top, day=day, user=f"p-{day}")
    for kind in ("up", "up", "up", "down", "not_this"):
        feedback(db, "x", kind, "2026-08-10T11:00:00+00:00")
    for target, active in (("-1", 1), ("-2", 1), ("-3", 0)):
        db["subscriptions"].insert({"channel": "telegram", "target": target, "active": active})
    db["subscriptions"].insert({"channel": "wecom", "target": "family", "active": 1})
    for target, status in (("-1", "sent"), ("-2", "sent"), ("-3", "failed"), ("family", "sent")):
        db["push_log"].insert({"channel": "wecom" if target == "family" else "telegram", "target": target,
                               "local_date": "2026-08-10", "case_id": "c", "status": status})
    return db


def run_stats(tmp_path, capsys, *extra):
    assert main(["stats", "--db", str(tmp_path / "fanzha.db"), "--since", "2026-08-01", *extra]) == 0
    return capsys.readouterr().out


def test_stats_json(usage, tmp_path, capsys):
    data = json.loads(run_stats(tmp_path, capsys, "--json"))
    assert data["summary"] == {"questions": 4, "people": 2, "feedback_presses": 5, "feedback_per_question": 1.25,
                               "helpful_ratio": 0.75, "not_this": 1, "warnings_sent": 3, "warnings_failed": 1}
    assert [(r["day"], r["questions"], r["scam"]) for r in data["per_day"]] == [("2026-08-10", 3, 2), ("2026-08-11", 1, 0)]
    assert [(r["type"], r["questions"]) for r in data["per_type"]] == [("brushing", 2), ("-", 1), ("fake_police", 1)]
    assert {r["verdict"]: r["percent"] for r in data["verdicts"]} == {"scam": 50.0, "unsure": 25.0, "not_scam": 25.0}
    assert data["subscriptions"] == [{"channel": "telegram", "active": 2, "inactive": 1},
                                     {"channel": "wecom", "active": 1, "inactive": 0}]
    assert {(r["channel"], r["status"]): r["warnings"] for r in data["pushes"]} == \
        {("telegram", "sent"): 2, ("telegram", "failed"): 1, ("wecom", "sent"): 1}


def test_stats_table(usage, tmp_path, capsys):
    out = run_stats(tmp_path, capsys)
    for title in ("questions per day", "questions per type", "verdict mix", "feedback",
                  "daily-warning subscriptions (now)", "daily warnings (push log)"):
        assert f"\n{title}\n" in out
    assert "helpful_ratio: 0.75" in out and "2026-07-01" not in out


def test_stats_csv(usage, tmp_path, capsys):
    rows = list(csv.DictReader(io.StringIO(run_stats(tmp_path, capsys, "--csv"))))
    assert {"section": "summary", "key": "warnings_failed", "field": "", "value": "1"} in rows
    assert {"section": "per_type", "key": "brushing", "field": "scam", "value": "2"} in rows
    assert {"section": "pushes", "key": "telegram/failed", "field": "warnings", "value": "1"} in rows


def test_stats_on_an_empty_database(db, tmp_path, capsys):
    data = json.loads(run_stats(tmp_path, capsys, "--json"))
    assert data["summary"]["questions"] == 0 and data["summary"]["helpful_ratio"] is None
