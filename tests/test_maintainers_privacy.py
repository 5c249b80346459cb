"""Privacy in the maintainers' loop: redaction before storage, /forget, retention purge (issue 6).

Redaction is driven through ChatService with the real dialogue and a real SQLite file: a
resident agrees to keep their text, and then no number or name in the table below may appear
anywhere in the database file (`iterdump` covers every table and index).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from bot.brain import BrainHolder
from bot.conversation import OPT_HELPFUL, OPT_KEEP_TEXT, OPT_NOT_THIS, OPT_UNHELPFUL
from bot.dialogue import Dialogue
from bot.service import ChatService
from knowledge.identifiers import redact
from storage import conversations
from storage.db import open_db, user_key
from storage.retention import purge

FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")

# (what the resident writes, the secret that must never be stored)
SECRETS = [
    ("对方电话13912345678让我转钱", "13912345678"),
    ("对方电话139 1234 5678让我转钱", "139 1234 5678"),
    ("对方电话+86 139-1234-5678让我转钱", "139-1234-5678"),
    ("对方电话１３９１２３４５６７８让我转钱", "１３９１２３４５６７８"),
    ("对方电话139－1234－5678让我转钱", "1234－5678"),
    ("要我报身份证号110105199003071234让我转钱", "110105199003071234"),
    ("要我报身份证号44030419851231002X让我转钱", "44030419851231002X"),
    ("要我报身份证号440304 19851231 002X让我转钱", "19851231"),
    ("转到安全账户6222021234567890123让我转钱", "6222021234567890123"),
    ("转到安全账户6217 0000 1111 2222 333让我转钱", "1111 2222"),
    ("转到安全账户6228-4800-1234-5678-901让我转钱", "1234-5678"),
    ("转到卡号4367420012345678让我转钱", "4367420012345678"),
    ("座机0755-23456789让我转钱", "23456789"),
    ("加QQ 273812391让我转钱", "273812391"),
    ("加微信 lisa_888wx让我转钱", "lisa_888wx"),
    ("收款人：张伟，让我转钱", "张伟"),
    ("户名李明，让我转钱", "李明"),
    ("姓名：王小红，让我转钱", "王小红"),
    ("收款人張偉，让我转钱", "張偉"),
    ("持卡人：赵X，让我转钱", "赵X"),
    ("对方说他叫陈大文，让我转钱", "陈大文"),
    ("一个名叫欧阳娜娜的女孩让我转钱", "欧阳娜娜"),
    ("收款人是刘某某，让我转钱", "刘某某"),
]


def make(brain, tmp_path):
    db = open_db(tmp_path / "fanzha.db")
    return ChatService(Dialogue(BrainHolder(brain)), db), db


def dump(db) -> str:
    return "\n".join(db.iterdump())


@pytest.mark.parametrize("text, secret", SECRETS, ids=[s for _, s in SECRETS])
def test_kept_text_never_holds_numbers_or_names(brain, tmp_path, text, secret):
    service, db = make(brain, tmp_path)
    question = f"有人冒充公安说我涉嫌洗钱，{text}"
    service.handle_text("test", 1, question)
    service.handle_option("test", 1, OPT_UNHELPFUL)
    service.handle_option("test", 1, OPT_KEEP_TEXT)  # consent: the last question is kept, redacted
    service.handle_text("test", 1, question)  # with consent on, a new question is kept at once
    stored = dump(db)
    assert "涉嫌洗钱" in stored  # the text itself was kept ...
    assert secret not in stored  # ... without the secret
    digits = "".join(c for c in secret.translate(FULL_WIDTH) if c.isdigit())
    if len(digits) >= 7:  # nor its digits in any spacing (shorter runs occur in keys and times)
        assert digits not in "".join(c for c in stored if c.isdigit())
    kept = [r["text_redacted"] for r in db.query("select text_redacted from questions")]
    assert len(kept) == 2 and all(kept)


def test_paged_replies_do_not_store_the_residents_numbers(brain, tmp_path):
    # The rest of a long reply waits in the stored state for 「更多」, and replies quote the
    # resident's numbers back ("号码 139…：不要回拨"), so those pages must be redacted too.
    service, db = make(brain, tmp_path)
    text = "有人打电话13912345678说我涉嫌洗钱，要我把钱转到安全账户6222021234567890123，收款人张伟"
    reply = service.handle_text("wechat", 1, text)
    service.paginate("wechat", 1, reply, 300)
    stored = dump(db)
    assert "13912345678" not in stored and "6222021234567890123" not in stored and "张伟" not in stored


@pytest.mark.parametrize("text, expected", [
    ("收款人：张X，请尽快转账", "收款人：[姓名]，请尽快转账"),
    ("户名：李X明", "户名：[姓名]"),
    ("开户名 刘伟 开户行工商银行", "开户名 [姓名] 开户行工商银行"),
    ("他叫李明转账给我", "他叫[姓名]转账给我"),
    ("叫张伟的人加我微信", "叫[姓名]的人加我微信"),
    ("他叫做赵铁柱", "他叫做[姓名]"),
    # not names: a verb, a role, ordinary words
    ("对方叫我转账", "对方叫我转账"),
    ("叫王经理的人让我下载APP", "叫王经理的人让我下载APP"),
    ("我叫王阿姨帮忙看看", "我叫王阿姨帮忙看看"),
    ("叫车来接我", "叫车来接我"),
    ("户名写错了怎么办", "户名写错了怎么办"),
    ("我在淘宝买了两件衣服，花了368元", "我在淘宝买了两件衣服，花了368元"),
], ids=lambda v: v if isinstance(v, str) and len(v) < 14 else None)
def test_name_redaction(text, expected):
    assert redact(text) == expected


def test_redaction_is_stable_when_applied_twice():
    once = redact("收款人：张伟，电话13912345678，卡号6222021234567890123")
    assert redact(once) == once


def test_feedback_stores_verdict_and_type_and_text_only_with_consent(brain, tmp_path):
    service, db = make(brain, tmp_path)
    service.handle_text("test", 1, "有人让我先垫付做刷单任务，联系电话13912345678")
    service.handle_option("test", 1, OPT_NOT_THIS)
    service.handle_option("test", 1, OPT_HELPFUL)
    rows = list(db.query("select kind, verdict, top_type, text_redacted from feedback order by id"))
    assert [r["kind"] for r in rows] == ["not_this", "up"]
    assert rows[0]["verdict"] in ("scam", "unsure") and rows[0]["top_type"] == "brushing"
    assert all(r["text_redacted"] is None for r in rows)  # no consent yet
    service.handle_option("test", 1, OPT_KEEP_TEXT)
    service.handle_option("test", 1, OPT_UNHELPFUL)
    [down] = db.query("select text_redacted from feedback where kind = 'down'")
    assert "垫付" in down["text_redacted"] and "13912345678" not in down["text_redacted"]


def test_forget_deletes_everything_about_the_user(brain, tmp_path):
    service, db = make(brain, tmp_path)
    for user in (1, 2):
        service.handle_text("test", user, "有人让我先垫付做刷单任务")
        service.handle_option("test", user, OPT_UNHELPFUL)
        service.handle_option("test", user, OPT_KEEP_TEXT)
    key = user_key("test", 1)
    assert key in dump(db)
    assert service.forget("test", 1) >= 4  # question, feedback, consent, conversation
    assert key not in dump(db)
    assert user_key("test", 2) in dump(db)


# --- retention ------------------------------------------------------------------------------

NOW = datetime(2026, 9, 1, 3, 30, tzinfo=timezone.utc)


def at(days_ago: float) -> str:
    return (NOW - timedelta(days=days_ago)).isoformat(timespec="seconds")


@pytest.fixture()
def aged_db(tmp_path):
    """A database with one row per table at several ages (days before NOW)."""
    db = open_db(tmp_path / "fanzha.db")
    for age in (1, 29, 31, 90):
        key = f"user{age}"
        db["questions"].insert({"user_key": key, "channel": "test", "day": at(age)[:10], "created_at": at(age),
                                "verdict": "unsure", "text_redacted": f"kept {age}"})
        db["feedback"].insert({"user_key": key, "channel": "test", "created_at": at(age), "kind": "down"})
        conversations.save(db, key, json.dumps({}))
        db.execute("update conversations set updated_at = ? where key = ?", [at(age), key])
        db["users"].insert({"key": key, "channel": "test", "keep_text": 1, "created_at": at(age),
                            "updated_at": at(age)})
    db["users"].insert({"key": "active", "channel": "test", "keep_text": 1, "created_at": at(200),
                        "updated_at": at(200)})
    conversations.save(db, "active", json.dumps({}))  # consented long ago, chatting today
    db.execute("update conversations set updated_at = ? where key = 'active'", [at(0)])
    for age in (1, 31, 59, 63, 90):
        db["push_log"].insert({"channel": "telegram", "target": "-100", "local_date": at(age)[:10],
                               "case_id": f"c{age}", "status": "sent"})
    return db


@pytest.mark.parametrize("retention, keep_push, left", [
    (30, 60, {"questions": 2, "feedback": 2, "conversations": 3, "users": 3, "push_log": 3}),
    (30, 10, {"questions": 2, "feedback": 2, "conversations": 3, "users": 3, "push_log": 2}),  # 31 days: 1 day slack
    (100, 60, {"questions": 4, "feedback": 4, "conversations": 5, "users": 5, "push_log": 5}),
], ids=["default", "push-kept-retention-days", "long-retention"])
def test_purge_keeps_what_is_younger_than_the_windows(aged_db, retention, keep_push, left):
    before = {t: aged_db[t].count for t in left}
    deleted = purge(aged_db, NOW, retention, keep_push)
    assert {t: aged_db[t].count for t in left} == left
    assert deleted == {t: before[t] - left[t] for t in left}


def test_purge_keeps_consent_of_an_active_conversation(aged_db):
    purge(aged_db, NOW, 30, 60)
    assert [r["key"] for r in aged_db.query("select key from users where key = 'active'")] == ["active"]
    assert "kept 90" not in dump(aged_db) and "kept 1" in dump(aged_db)


@pytest.mark.parametrize("now, days", [(NOW, 0), (NOW.replace(tzinfo=None), 30)], ids=["zero-days", "naive-now"])
def test_purge_refuses_nonsense(aged_db, now, days):
    with pytest.raises(ValueError):
        purge(aged_db, now, days, 60)
