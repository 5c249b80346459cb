"""Fixtures for Telegram tests: the real Application, polling over real HTTP, a fake Bot API.

`tg` gives a running `TelegramHarness`: the fake Bot API server (`tg.api`), the production
Application built by `build_application` against it (`tg.app`), a temporary SQLite file, and a
manual flood-control clock (`tg.clock`). Every error that reaches the bot's error handler, and
every ERROR log record, is collected; the fixture fails the test at teardown if there were any,
so each scenario also proves "no errors". A test that provokes errors on purpose clears
`tg.errors` / `tg.error_logs` after checking them.

Registered from tests/conftest.py through ``pytest_plugins``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from bot.brain import Brain, BrainHolder, load_brain
from bot.config import Config, load_config
from bot.dialogue import Dialogue
from bot.runtime import Runtime
from bot.service import ChatService
from bot.telegram_bot.app import ALLOWED_UPDATES, build_application
from storage.db import open_db
from tests.support.bot_api_objects import User, private_chat
from tests.support.fake_bot_api import FakeBotApi, SentMessage

POLL_TIMEOUT = 10  # seconds of long polling; stopping the updater cancels the poll at once


class ManualClock:
    """A clock that moves only when told (flood control in tests)."""

    def __init__(self, start: float = 1_000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.now += seconds


class _ErrorLogs(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class TelegramHarness:
    """A running bot and its fake Bot API, with helpers for scenarios."""

    api: FakeBotApi
    app: Any
    runtime: Runtime
    clock: ManualClock
    errors: list[BaseException] = field(default_factory=list)
    error_logs: list[logging.LogRecord] = field(default_factory=list)

    async def processed(self, timeout: float = 5.0) -> None:
        """Wait until every update injected so far has been fetched and fully handled.

        This is how a test proves silence: after `processed()`, anything the bot was going to
        send for those updates has been sent.
        """
        await self.api.confirmed(self.api.last_update_id, timeout)
        await self.app.update_queue.join()

    async def ask(self, user: User, text: str, n: int = 1) -> list[SentMessage]:
        """A resident writes to the bot in private; the bot's next `n` messages to them."""
        self.api.send_text(private_chat(user), user, text)
        return await self.api.next_messages(user.id, n)

    async def press(self, user: User, message: SentMessage, data: str, n: int = 1) -> list[SentMessage]:
        """A resident presses a button; the bot's next `n` messages to that chat."""
        self.api.press(user, message, data)
        return await self.api.next_messages(message.chat_id, n)


def resident(user_id: int, name: str = "王阿姨", language_code: str = "zh-hans") -> User:
    """A resident (one per test keeps flood control and conversation state apart)."""
    return User(id=user_id, first_name=name, language_code=language_code)


def telegram_config(api: FakeBotApi | str, **overrides: Any) -> Config:
    """The repository's config.toml, pointed at a fake Bot API (the server, or its base_url),
    without the rate limiter.

    `overrides` replace [telegram] settings (a test asks for them with
    ``@pytest.mark.telegram_settings(guardian_threshold=0.6)``).
    """
    base_url = api if isinstance(api, str) else api.base_url
    config = load_config()
    settings = {"base_url": base_url, "base_file_url": base_url.replace("/bot", "/file/bot"),
                "rate_limiter": False, "operator_chat_id": 0, **overrides}
    return replace(config, telegram=replace(config.telegram, **settings))


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker that adjusts [telegram] settings for one test."""
    config.addinivalue_line("markers", "telegram_settings(**settings): [telegram] overrides for the tg fixture")


def make_runtime(config: Config, brain: Brain, db_path: Path) -> Runtime:
    """The same wiring as bot.runtime.build_runtime, with an already-loaded brain."""
    holder = BrainHolder(brain, config.matcher)
    db = open_db(db_path)
    dialogue = Dialogue(holder, config.dialogue, retention_days=config.privacy.retention_days)
    return Runtime(config=config, brain=holder, db=db, dialogue=dialogue, service=ChatService(dialogue, db))


@pytest.fixture(scope="session")
def telegram_brain() -> Brain:
    """The shipped catalogue, loaded once (drafts of missing types do not stop channel tests)."""
    return load_brain(load_config().matcher, require_complete=False)


@pytest.fixture
async def fake_bot_api() -> AsyncIterator[FakeBotApi]:
    """A fake Bot API server on 127.0.0.1 (ephemeral port)."""
    async with FakeBotApi() as api:
        yield api


@pytest.fixture
async def tg(request: pytest.FixtureRequest, fake_bot_api: FakeBotApi, telegram_brain: Brain,
             tmp_path: Path) -> AsyncIterator[TelegramHarness]:
    """The production Application polling the fake Bot API; fails at teardown if any error occurred."""
    marker = request.node.get_closest_marker("telegram_settings")
    config = telegram_config(fake_bot_api.base_url, **(marker.kwargs if marker else {}))
    runtime = make_runtime(config, telegram_brain, tmp_path / "fanzha.db")
    clock = ManualClock()
    app = build_application(runtime, fake_bot_api.token, rate_limiter=False, clock=clock)
    harness = TelegramHarness(api=fake_bot_api, app=app, runtime=runtime, clock=clock)

    async def collect(_: object, context: Any) -> None:
        harness.errors.append(context.error)

    app.add_error_handler(collect)
    logs = _ErrorLogs()
    logs.records = harness.error_logs  # tests see (and may clear) logged errors as they happen
    logging.getLogger().addHandler(logs)
    try:
        async with app:
            # run_polling() would call post_init itself; starting by hand, we call it the same way.
            await app.post_init(app)
            await app.updater.start_polling(poll_interval=0, timeout=POLL_TIMEOUT,
                                            allowed_updates=ALLOWED_UPDATES)
            await app.start()
            yield harness
            await app.updater.stop()
            await app.stop()
    finally:
        logging.getLogger().removeHandler(logs)
        runtime.db.close()
    assert not harness.errors, f"the error handler saw: {harness.errors!r}"
    assert not harness.error_logs, f"errors were logged: {[r.getMessage() for r in harness.error_logs]}"


__all__ = ["ManualClock", "TelegramHarness", "make_runtime", "resident", "telegram_config"]
