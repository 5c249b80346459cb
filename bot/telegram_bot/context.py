"""Typed access to the services every handler needs (one `context.services`, no casts in handlers)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import sqlite_utils
from telegram.ext import CallbackContext, ExtBot

from bot.brain import BrainHolder
from bot.config import Config
from bot.dialogue import Dialogue
from bot.service import ChatService
from bot.telegram_bot.flood import FloodControl

CHANNEL = "telegram"  # the channel name ChatService and storage know this bot by
SERVICES_KEY = "services"


@dataclass(frozen=True)
class Services:
    """Everything the Telegram handlers call into, built once per process."""

    config: Config
    service: ChatService
    dialogue: Dialogue
    db: sqlite_utils.Database
    brain: BrainHolder
    flood: FloodControl


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """CallbackContext with a typed `services` property."""

    @property
    def services(self) -> Services:
        """The process's services (stored in bot_data when the application is built)."""
        return cast(Services, self.bot_data[SERVICES_KEY])
