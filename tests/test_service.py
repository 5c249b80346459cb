"""ChatService: state survives between messages in a real SQLite file; privacy by default."""

from bot.brain import BrainHolder
from bot.conversation import OPT_HELPFUL, OPT_KEEP_TEXT
from bot.dialogue import Dialogue
from bot.service import ChatService
from storage.db import open_db

PHONE = "13812345678"
CARD = "6222021234567890123"


def make(brain, tmp_path):
    db = open_db(tmp_path / "t.db")
    return ChatService(Dialogue(BrainHolder(brain)), db), db


def test_raw_text_is_not_stored_without_consent(brain, tmp_path):
    service, db = make(brain, tmp_path)
    service.handle_text("test", 1, f"有人打电话{PHONE}说我涉嫌洗钱要我转到安全账户{CARD}")
    dump = "\n".join(db.iterdump())
    assert PHONE not in dump and CARD not in dump and "洗钱" not in dump
    assert db["questions"].count == 1


def test_consent_keeps_a_redacted_copy(brain, tmp_path):
    service, db = make(brain, tmp_path)
    service.handle_text("test", 1, f"有人打电话{PHONE}说我涉嫌洗钱要我转到安全账户{CARD}")
    service.handle_option("test", 1, OPT_HELPFUL)
    service.handle_option("test", 1, OPT_KEEP_TEXT)
    dump = "\n".join(db.iterdump())
    assert "洗钱" in dump and PHONE not in dump and CARD not in dump
    assert db["feedback"].count == 1


def test_digit_selects_an_option_on_text_channels(brain, tmp_path):
    service, _ = make(brain, tmp_path)
    first = service.handle_text("wechat", "u", "有人打电话说我涉嫌洗钱，要我把存款转到安全账户配合调查")
    paid_index = [o.id for o in first.options].index("paid") + 1
    assert service.handle_text("wechat", "u", str(paid_index)).kind == "urgent"


def test_forget_deletes_everything_about_the_user(brain, tmp_path):
    service, db = make(brain, tmp_path)
    service.handle_text("test", 7, "刷单要先垫付是真的吗")
    service.handle_option("test", 7, OPT_HELPFUL)
    service.handle_text("test", 8, "刷单要先垫付是真的吗")
    assert service.forget("test", 7) >= 3
    assert db["questions"].count == 1 and db["feedback"].count == 0
