"""Building the Telegram Application: one builder chain, one routing table, start-up hooks."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from telegram import BotCommandScopeAllChatAdministrators, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (AIORateLimiter, Application, BaseHandler, CallbackQueryHandler, ChatMemberHandler,
                          CommandHandler, ContextTypes, Defaults, MessageHandler, filters)

from bot.runtime import Runtime
from bot.telegram_bot import push
from bot.telegram_bot.admin import settings_button, settings_command, subscribe_command, unsubscribe_command
from bot.telegram_bot.commands import bot_commands, cmd
from bot.telegram_bot.context import SERVICES_KEY, BotContext, Services
from bot.telegram_bot.errors import error_handler
from bot.telegram_bot.flood import FloodControl
from bot.telegram_bot.group_settings import BUTTON_PATTERN
from bot.telegram_bot.groups import ADDRESSED, addressed_message, guardian_message
from bot.telegram_bot.operator import reload_command, schedule_maintenance
from bot.telegram_bot.membership import migration_message, track_bot_membership
from bot.telegram_bot.private import flood_gate, non_text_message, option_button, text_message
from bot.telegram_bot.processing import ChatOrderedProcessor
from bot.telegram_bot.resident_commands import (case_command, forget_command, help_command, privacy_command,
                                                start_command, type_command, types_command, unknown_command)

logger = logging.getLogger(__name__)

# The updates the bot asks Telegram for. Edited messages are left out on purpose: answering a
# corrected typo with a second verdict is noise.
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]
AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def routing_table() -> list[tuple[int, BaseHandler[Any, Any, Any]]]:
    """Every handler as (group, handler). Order matters: in a group, the first match wins."""
    new = filters.UpdateType.MESSAGE  # new messages only (edits are not answered)
    private, groups = filters.ChatType.PRIVATE, filters.ChatType.GROUPS
    words = filters.TEXT | filters.CAPTION  # text, or the caption of a photo/video/document
    return [
        # -1: gate. A user flooding a private chat (or addressing the bot in a group) gets one notice.
        (-1, MessageHandler(new & (private | filters.COMMAND | ADDRESSED), flood_gate)),
        # Commands for everyone, in private and in groups ("/help@bot" is routed by PTB).
        (0, CommandHandler(cmd("start"), start_command, filters=new)),
        (0, CommandHandler(cmd("help"), help_command, filters=new)),
        (0, CommandHandler(cmd("types"), types_command, filters=new)),
        (0, CommandHandler(cmd("type"), type_command, filters=new)),
        (0, CommandHandler(cmd("case"), case_command, filters=new)),
        (0, CommandHandler(cmd("privacy"), privacy_command, filters=new)),
        (0, CommandHandler(cmd("forget"), forget_command, filters=new)),
        # Group admin commands (each checks getChatMember; elsewhere they explain themselves).
        (0, CommandHandler(cmd("subscribe"), subscribe_command, filters=new)),
        (0, CommandHandler(cmd("unsubscribe"), unsubscribe_command, filters=new)),
        (0, CommandHandler(cmd("settings"), settings_command, filters=new)),
        # Maintainers (TelegramSettings.operators): reload the catalogue without a restart.
        (0, CommandHandler(cmd("reload"), reload_command, filters=new)),
        # Buttons: group settings toggles first, then every dialogue option.
        (0, CallbackQueryHandler(settings_button, pattern=BUTTON_PATTERN)),
        (0, CallbackQueryHandler(option_button)),
        # The bot added to / removed from a group; a group upgraded to a supergroup.
        (0, ChatMemberHandler(track_bot_membership, ChatMemberHandler.MY_CHAT_MEMBER)),
        (0, MessageHandler(filters.StatusUpdate.MIGRATE, migration_message)),
        # Private chats: unknown commands get help; words go to the dialogue; the rest asks for words.
        (0, MessageHandler(private & new & filters.COMMAND, unknown_command)),
        (0, MessageHandler(private & new & words, text_message)),
        (0, MessageHandler(private & new & ~filters.StatusUpdate.ALL, non_text_message)),
        # Groups: quiet unless addressed; guardian mode (if on) speaks only under a likely scam.
        (0, MessageHandler(groups & new & words & ADDRESSED, addressed_message)),
        (0, MessageHandler(groups & new & words & ~filters.COMMAND, guardian_message)),
    ]


async def post_init(application: AnyApplication) -> None:
    """Publish the command lists (residents; admins see theirs too) and schedule daily warnings."""
    await application.bot.set_my_commands(bot_commands(include_admin=False))
    await application.bot.set_my_commands(bot_commands(include_admin=True),
                                          scope=BotCommandScopeAllChatAdministrators())
    scheduled = push.schedule_all(application)
    schedule_maintenance(application)  # catalogue-reload watcher and the daily retention purge
    logger.info("Telegram bot @%s ready; %s daily warning(s) scheduled", application.bot.username, scheduled)


def build_application(runtime: Runtime, token: str, *, rate_limiter: bool | None = None,
                      concurrent_updates: int | None = None,
                      clock: Callable[[], float] = time.monotonic) -> AnyApplication:
    """The Application with every handler registered and services in place.

    :param rate_limiter: AIORateLimiter on/off (default: ``[telegram] rate_limiter``; tests turn it off).
    :param concurrent_updates: updates processed at once, in order per chat (default: config).
    :param clock: the flood-control clock (tests pass a manual one).
    """
    settings = runtime.config.telegram
    use_limiter = settings.rate_limiter if rate_limiter is None else rate_limiter
    parallel = max(1, settings.concurrent_updates if concurrent_updates is None else concurrent_updates)
    application = (
        Application.builder()
        .token(token)
        .base_url(settings.base_url)
        .base_file_url(settings.base_file_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=ZoneInfo(runtime.config.scheduler.default_timezone),
                           link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .context_types(ContextTypes(context=BotContext))
        .concurrent_updates(ChatOrderedProcessor(parallel))
        # None leaves the bot without a limiter (tests); production retries after flood limits.
        .rate_limiter(AIORateLimiter(max_retries=3) if use_limiter else None)  # type: ignore[arg-type]
        .post_init(post_init)
        .build()
    )
    application.bot_data[SERVICES_KEY] = Services(
        config=runtime.config, service=runtime.service, dialogue=runtime.dialogue, db=runtime.db,
        brain=runtime.brain, flood=FloodControl(settings.flood_messages, settings.flood_seconds, clock))
    for group, handler in routing_table():
        application.add_handler(handler, group=group)
    application.add_error_handler(error_handler)
    return application
