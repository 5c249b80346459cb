"""Wiring shared by every channel: config → brain, database, dialogue, chat service."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Callable
from zoneinfo import ZoneInfo

import sqlite_utils

from bot.brain import BrainHolder
from bot.commands.common import brain_or_exit
from bot.config import Config
from bot.dialogue import Dialogue
from bot.service import ChatService
from knowledge.cases import CaseError, CaseLibrary, load_cases
from scheduler.selection import select_case
from scheduler.warning import render_warning
from storage.db import open_db

PUBLIC_GROUP = "public"  # the selection key for /case and 「今日预警」 outside any subscribed group


@dataclass
class Runtime:
    """Everything a channel needs, built once per process."""

    config: Config
    brain: BrainHolder
    db: sqlite_utils.Database
    dialogue: Dialogue
    service: ChatService


def todays_case_text(library: CaseLibrary, timezone: str, no_repeat_days: int) -> Callable[[], str | None]:
    """Today's public warning (same case for everyone on a given local date), in simplified text.

    The dialogue converts it to the user's script like any other reply.
    """
    def text() -> str | None:
        today = datetime.now(ZoneInfo(timezone)).date()
        case = select_case(library, PUBLIC_GROUP, today, history=(), no_repeat_days=no_repeat_days)
        return render_warning(case) if case else None
    return text


def build_runtime(config: Config, db_path: str | None = None,
                  todays_case: Callable[[], str | None] | None = None) -> Runtime:
    """Load the catalogue (exit 2 with every problem if invalid), open the DB, build the dialogue."""
    holder = BrainHolder(brain_or_exit(config), config.matcher)
    if todays_case is None:
        try:
            todays_case = todays_case_text(load_cases(), config.scheduler.default_timezone,
                                           config.scheduler.no_repeat_days)
        except CaseError as exc:
            # Residents can still ask questions; /case says it is unavailable until fixed.
            logging.getLogger(__name__).error("case library invalid, /case disabled:\n%s", exc)
            todays_case = None
    db = open_db(db_path or config.storage.path)
    dialogue = Dialogue(holder, config.dialogue, retention_days=config.privacy.retention_days,
                        todays_case=todays_case)
    return Runtime(config=config, brain=holder, db=db, dialogue=dialogue, service=ChatService(dialogue, db))
