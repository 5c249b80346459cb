"""Wiring shared by every channel: config → brain, database, dialogue, chat service."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

import sqlite_utils

from bot.brain import BrainHolder
from bot.commands.common import brain_or_exit
from bot.config import Config
from bot.dialogue import Dialogue
from bot.service import ChatService
from knowledge.cases import CaseError, load_cases
from scheduler.daily import TodaysWarning
from storage.db import open_db


@dataclass
class Runtime:
    """Everything a channel needs, built once per process."""

    config: Config
    brain: BrainHolder
    db: sqlite_utils.Database
    dialogue: Dialogue
    service: ChatService


def build_runtime(config: Config, db_path: str | None = None,
                  todays_case: Callable[[], str | None] | None = None) -> Runtime:
    """Load the catalogue (exit 2 with every problem if invalid), open the DB, build the dialogue."""
    holder = BrainHolder(brain_or_exit(config), config.matcher)
    db = open_db(db_path or config.storage.path)
    if todays_case is None:
        try:
            todays_case = TodaysWarning(db, load_cases(), config.scheduler.default_timezone,
                                        config.scheduler.no_repeat_days)
        except CaseError as exc:
            # Residents can still ask questions; /case says it is unavailable until fixed.
            logging.getLogger(__name__).error("case library invalid, /case disabled:\n%s", exc)
    dialogue = Dialogue(holder, config.dialogue, retention_days=config.privacy.retention_days,
                        todays_case=todays_case)
    return Runtime(config=config, brain=holder, db=db, dialogue=dialogue, service=ChatService(dialogue, db))
