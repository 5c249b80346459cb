"""Hot reload with the real BrainHolder: control file, SIGHUP, `fanzha kb reload`, /reload (issue 6).

A broken catalogue is refused with the error logged, and the catalogue in service keeps serving.
The catalogue directory is redirected to a writable copy by patching the loader `load_brain`
calls; everything else (BrainHolder.reload, validation, the matcher) is the production code.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import shutil
import signal
import threading
from pathlib import Path

import pytest
from telegram.ext import CommandHandler

import bot.brain
from bot.brain import BrainHolder
from bot.cli import main
from bot.dialogue import Dialogue
from bot.reload import ReloadWatcher, request_reload, running_pid, status_path, wait_for_outcome
from bot.service import ChatService
from bot.telegram_bot.operator import (OPERATOR_ONLY, PURGE_JOB, RELOAD_JOB, WATCHER_KEY, reload_command,
                                       reload_watch_job, retention_job, schedule_maintenance)
from knowledge.catalogue import CUES_FILE, ENTRIES_DIR, load_catalogue
from storage.db import open_db
from tests.support.telegram_fixtures import resident

POLICE_SCAM = "有人打电话说我涉嫌洗钱，要我把钱转到安全账户"
BROKEN_TOML = "id = 'brushing'\nname = [unclosed\n"


@pytest.fixture()
def live_catalogue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shipped entries that `load_brain` (and so BrainHolder.reload) reads from."""
    entries = tmp_path / "entries"
    shutil.copytree(ENTRIES_DIR, entries)
    load_copy = functools.partial(load_catalogue, entries, CUES_FILE)
    monkeypatch.setattr(bot.brain, "load_catalogue", load_copy)
    monkeypatch.setattr("bot.commands.kb.load_catalogue", load_copy)  # `kb reload` checks it first
    return entries


def break_catalogue(entries: Path) -> None:
    (entries / "brushing.toml").write_text(BROKEN_TOML, encoding="utf-8")


@pytest.fixture()
def watcher(brain, live_catalogue, tmp_path) -> ReloadWatcher:
    return ReloadWatcher(BrainHolder(brain), tmp_path / "fanzha.reload", tmp_path / "fanzha.pid")


def test_control_file_change_reloads(watcher, tmp_path):
    old = watcher.holder.brain
    assert watcher.poll() is None  # nothing asked yet
    request = request_reload(watcher.reload_file, tmp_path / "no.pid")
    outcome = watcher.poll()
    assert outcome is not None and outcome.ok and outcome.trigger == "control file"
    assert outcome.request == request.token and outcome.entries == len(old.catalogue.entries)
    assert watcher.holder.brain is not old
    assert watcher.poll() is None  # one request, one reload
    assert wait_for_outcome(watcher.reload_file, request.token, timeout=0) == outcome


def test_a_request_left_from_an_earlier_run_is_not_replayed(brain, live_catalogue, tmp_path):
    (tmp_path / "fanzha.reload").write_text("old-token\n", encoding="utf-8")
    fresh = ReloadWatcher(BrainHolder(brain), tmp_path / "fanzha.reload")
    assert fresh.poll() is None


def test_broken_catalogue_is_refused_and_the_old_one_keeps_serving(watcher, live_catalogue, tmp_path, caplog):
    old = watcher.holder.brain
    service = ChatService(Dialogue(watcher.holder), open_db(tmp_path / "t.db"))
    break_catalogue(live_catalogue)
    request_reload(watcher.reload_file, tmp_path / "no.pid")
    with caplog.at_level(logging.ERROR, logger="bot.reload"):
        outcome = watcher.poll()
    assert outcome is not None and not outcome.ok
    assert any("brushing.toml" in p and "not valid TOML" in p for p in outcome.problems)
    assert "the catalogue in service stays" in caplog.text and "brushing.toml" in caplog.text
    assert watcher.holder.brain is old
    assert "冒充公检法" in "\n".join(service.handle_text("test", 1, POLICE_SCAM).blocks)
    status = json.loads(status_path(watcher.reload_file).read_text(encoding="utf-8"))
    assert status["ok"] is False and status["problems"] == list(outcome.problems)


@pytest.mark.skipif(not hasattr(signal, "SIGHUP") or not Path("/proc/self/stat").exists(),
                    reason="SIGHUP and /proc needed")
def test_kb_reload_signals_the_running_process(watcher, tmp_path):
    previous = signal.getsignal(signal.SIGHUP)
    try:
        assert watcher.install_sighup()
        watcher.write_pid_file()
        assert running_pid(watcher.pid_file) == (os.getpid(), "")
        request = request_reload(watcher.reload_file, watcher.pid_file)
        assert request.pid == os.getpid()
        outcome = watcher.poll()
        assert outcome is not None and outcome.ok and outcome.trigger == "SIGHUP"
        assert outcome.request == request.token
    finally:
        signal.signal(signal.SIGHUP, previous)
        watcher.remove_pid_file()
    assert not watcher.pid_file.exists()


@pytest.mark.parametrize("content, why", [
    (None, "no pid file"),
    ("garbage", "not a fanzha pid file"),
    (json.dumps({"pid": os.getpid(), "start": "1"}), "stale"),
], ids=["missing", "garbage", "reused-pid"])
def test_a_pid_that_cannot_be_verified_is_never_signalled(tmp_path, content, why):
    pid_file = tmp_path / "fanzha.pid"
    if content is not None:
        pid_file.write_text(content, encoding="utf-8")
    if why == "stale" and not Path("/proc/self/stat").exists():
        pytest.skip("needs /proc")
    pid, note = running_pid(pid_file)
    assert pid is None and why in note


def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[maintenance]\nreload_file = "{tmp_path / "fanzha.reload"}"\n'
                    f'pid_file = "{tmp_path / "fanzha.pid"}"\n', encoding="utf-8")
    return path


def test_kb_reload_command_waits_for_the_bot_and_prints_the_outcome(watcher, tmp_path, capsys):
    stop = threading.Event()

    def bot_process() -> None:  # the running bot's poll job
        while not stop.is_set() and watcher.poll() is None:
            stop.wait(0.05)

    thread = threading.Thread(target=bot_process)
    thread.start()
    try:
        code = main(["kb", "reload", "--config", str(config_file(tmp_path)), "--wait", "30"])
    finally:
        stop.set()
        thread.join()
    out = capsys.readouterr().out
    assert code == 0
    assert "reload requested" in out and "no signal sent: no pid file" in out
    assert "reloaded: " in out and f"pid {os.getpid()}" in out


def test_kb_reload_without_a_bot_just_leaves_the_request(live_catalogue, tmp_path, capsys):
    assert main(["kb", "reload", "--config", str(config_file(tmp_path))]) == 0
    assert (tmp_path / "fanzha.reload").read_text(encoding="utf-8").strip()
    assert "reloads within 5 s" in capsys.readouterr().out


def test_kb_reload_refuses_to_ask_for_a_broken_catalogue(live_catalogue, tmp_path, capsys):
    break_catalogue(live_catalogue)
    assert main(["kb", "reload", "--config", str(config_file(tmp_path))]) == 1
    assert "brushing.toml" in capsys.readouterr().err
    assert not (tmp_path / "fanzha.reload").exists()


# --- Telegram: /reload for operators, the poll job ---------------------------------------------


def add_reload_handler(tg) -> None:
    # The routing table is app.py's; until /reload is listed there, put it first in group 0.
    tg.app.handlers[0].insert(0, CommandHandler("reload", reload_command))


@pytest.mark.telegram_settings(operators=[7001])
async def test_operator_reloads_from_telegram(tg, live_catalogue, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # [maintenance] paths are relative to the working directory
    add_reload_handler(tg)
    old = tg.runtime.brain.brain
    [done] = await tg.ask(resident(7001), "/reload")
    assert "已重新加载" in done.text and f"{len(old.catalogue.entries)} 个条目" in done.text
    assert tg.runtime.brain.brain is not old


@pytest.mark.telegram_settings(operators=[7001])
async def test_non_operator_is_refused_politely(tg, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    add_reload_handler(tg)
    old = tg.runtime.brain.brain
    [refused] = await tg.ask(resident(7002), "/reload")
    assert refused.text == OPERATOR_ONLY
    assert tg.runtime.brain.brain is old


@pytest.mark.telegram_settings(operators=[7001])
async def test_operator_sees_why_a_broken_catalogue_was_refused(tg, live_catalogue, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    add_reload_handler(tg)
    old = tg.runtime.brain.brain
    break_catalogue(live_catalogue)
    alice = resident(7001)
    [refused] = await tg.ask(alice, "/reload")
    assert "已拒绝" in refused.text and "brushing.toml" in refused.text
    assert tg.runtime.brain.brain is old
    [answer] = await tg.ask(resident(7003), POLICE_SCAM)  # still serving, with the old catalogue
    assert "冒充公检法" in answer.text
    assert any("reload refused" in r.getMessage() for r in tg.error_logs)
    tg.error_logs.clear()


async def test_maintenance_jobs_are_scheduled_and_the_poll_job_reloads(tg, live_catalogue, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    schedule_maintenance(tg.app)
    schedule_maintenance(tg.app)  # idempotent: post_init may run again in tests
    names = [job.name for job in tg.app.job_queue.jobs()]
    assert names.count(RELOAD_JOB) == 1 and names.count(PURGE_JOB) == 1
    old = tg.runtime.brain.brain
    request_reload(Path("fanzha.reload"), Path("fanzha.pid"))
    [job] = tg.app.job_queue.get_jobs_by_name(RELOAD_JOB)
    await reload_watch_job(tg.app.context_types.context.from_job(job, tg.app))
    assert tg.runtime.brain.brain is not old
    assert tg.app.bot_data[WATCHER_KEY].reload_file == Path("fanzha.reload")


async def test_the_daily_purge_job_deletes_old_rows(tg):
    schedule_maintenance(tg.app)
    db = tg.runtime.db
    for created in ("2000-01-01T00:00:00+00:00", "2999-01-01T00:00:00+00:00"):
        db["questions"].insert({"user_key": "k", "channel": "test", "day": created[:10], "created_at": created})
    [job] = tg.app.job_queue.get_jobs_by_name(PURGE_JOB)
    await retention_job(tg.app.context_types.context.from_job(job, tg.app))
    assert [r["day"] for r in db.query("select day from questions")] == ["2999-01-01"]
