"""Start-up, routing, errors and `fanzha run` (issue 4)."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import sys
from pathlib import Path

import pytest
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.commands import run as run_command
from bot.config import DEFAULT_PATH
from bot.telegram_bot.app import routing_table
from bot.telegram_bot.commands import COMMANDS
from bot.telegram_bot.group_settings import BUTTON_PATTERN
from bot.telegram_bot.private import flood_gate
from storage import subscriptions
from tests.support.bot_api_objects import User, group_chat, private_chat
from tests.support.fake_bot_api import FakeBotApi
from tests.support.telegram_fixtures import resident

ROOT = Path(__file__).resolve().parent.parent


async def test_command_lists_are_set_at_start_up(tg):
    residents = [c.name for c in COMMANDS if not c.admin and not c.operator]
    assert [c["command"] for c in tg.api.commands_for(None)] == residents
    admins = tg.api.commands_for({"type": "all_chat_administrators"})
    assert [c["command"] for c in admins] == [c.name for c in COMMANDS if not c.operator]


def test_routing_table_has_one_handler_per_listed_command():
    table = routing_table()
    commands = [name for _, h in table if isinstance(h, CommandHandler) for name in h.commands]
    assert sorted(commands) == sorted(c.name for c in COMMANDS)
    # The only gate before the feature handlers is flood control.
    assert [h.callback for group, h in table if group < 0] == [flood_gate]
    # Settings buttons are matched before the catch-all dialogue option handler.
    buttons = [h for _, h in table if isinstance(h, CallbackQueryHandler)]
    assert buttons[0].pattern.pattern == BUTTON_PATTERN and buttons[-1].pattern is None


@pytest.mark.telegram_settings(operator_chat_id=-777)
async def test_unexpected_error_is_logged_and_summarised_to_the_operator(tg, monkeypatch, caplog):
    secret_text = "我的银行卡号是6222020200112233445 <b>"

    def broken(*_: object) -> None:
        raise ValueError("boom <&>")

    monkeypatch.setattr(tg.runtime.service, "handle_text", broken)
    alice = resident(3001)
    with caplog.at_level(logging.INFO):
        tg.api.send_text(private_chat(alice), alice, secret_text)
        [summary] = await tg.api.next_messages(-777)
        await tg.processed()
    assert "ValueError: boom <&>" in summary.text and "&lt;&amp;&gt;" in summary.html
    assert "private chat" in summary.text
    assert secret_text not in summary.text and "6222" not in caplog.text
    assert [type(e) for e in tg.errors] == [ValueError]
    assert any(r.exc_info for r in tg.error_logs)
    # The same bug again within a minute: logged again, but the operator is not flooded.
    tg.api.send_text(private_chat(alice), alice, "又一条")
    await tg.processed()
    assert len(tg.errors) == 2 and tg.api.pending_messages(-777) == []
    tg.errors.clear()
    tg.error_logs.clear()


async def test_blocked_by_a_resident_is_expected_not_a_bug(tg):
    alice = resident(3002)
    tg.api.forbid(alice.id)
    tg.api.send_text(private_chat(alice), alice, "你好")
    await tg.processed()
    assert [type(e).__name__ for e in tg.errors] == ["Forbidden"]
    assert tg.error_logs == []  # a warning, not an error
    tg.errors.clear()


async def test_forbidden_in_a_subscribed_group_deactivates_it(tg):
    group, admin = group_chat(-3003), User(id=3004, first_name="管理员")
    tg.api.set_member(group.id, admin.id, "creator")
    tg.api.send_text(group, admin, "/subscribe 09:30")
    await tg.api.next_messages(group.id)
    tg.api.forbid(group.id, "Forbidden: bot was kicked from the group chat")
    tg.api.send_text(group, admin, "/settings")
    await tg.processed()
    assert not subscriptions.get(tg.runtime.db, "telegram", str(group.id)).active
    assert tg.error_logs == []
    tg.errors.clear()


def test_run_without_token_explains_and_exits_2(monkeypatch, capsys):
    from bot.cli import main

    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "@BotFather" in err and "fanzha chat" in err and "TELEGRAM_BOT_TOKEN" in err


def test_logging_keeps_the_token_out():
    run_command.setup_logging()
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING


async def test_fanzha_run_answers_over_http(tmp_path):
    """The real `fanzha run` process, polling the fake Bot API given by config.toml's base_url."""
    async with FakeBotApi() as api:
        config = DEFAULT_PATH.read_text(encoding="utf-8")
        config, n = re.subn(r'(?m)^base_url = .*$', f'base_url = "{api.base_url}"', config)
        assert n == 1
        (tmp_path / "config.toml").write_text(config, encoding="utf-8")
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": api.token, "FANZHA_CONFIG": str(tmp_path / "config.toml")}
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--db", str(tmp_path / "fanzha.db"), cwd=ROOT, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            await api.wait_for_calls("getUpdates", timeout=30)
            alice = resident(3005)
            api.send_text(private_chat(alice), alice, "有人打电话说我涉嫌洗钱，要我把钱转到安全账户")
            [reply] = await api.next_messages(alice.id, timeout=15)
            assert "冒充公检法" in reply.text and reply.button_data
        finally:
            proc.send_signal(signal.SIGINT)
            _, stderr = await asyncio.wait_for(proc.communicate(), 30)
        log = stderr.decode()
        assert proc.returncode == 0, log
        assert api.token not in log and "涉嫌洗钱" not in log


def test_verbose_logging_still_hides_updates_and_urls():
    run_command.setup_logging(verbose=True)
    assert logging.getLogger("telegram.ext.Application").getEffectiveLevel() >= logging.INFO
    assert logging.getLogger("httpcore").getEffectiveLevel() >= logging.WARNING
