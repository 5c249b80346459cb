"""fanzha run: the Telegram bot — long polling, or a webhook when config.toml says so.

The token comes only from the environment (TELEGRAM_BOT_TOKEN); everything else from
config.toml's [telegram] section, including the Bot API base URL for self-hosted servers.

Example:
    export TELEGRAM_BOT_TOKEN='123456789:AAH...'
    fanzha run
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import sys
from urllib.parse import urlparse

from bot.commands.common import config_or_exit
from bot.config import Config, secret

TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
WEBHOOK_SECRET_ENV = "TELEGRAM_WEBHOOK_SECRET"
NO_TOKEN = f"""fanzha run: {TOKEN_ENV} is not set.

To get a token: in Telegram, open a chat with @BotFather, send /newbot and answer its two
questions (a display name, then a username ending in "bot"). It replies with a token such as
123456789:AAH3x... Keep it secret, then:

    export {TOKEN_ENV}='123456789:AAH3x...'
    fanzha run

To try the bot without Telegram (no token, no network):  fanzha chat"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help="config file (default: FANZHA_CONFIG or config.toml)")
    parser.add_argument("--db", help="SQLite file (default: [storage] path)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")


def setup_logging(verbose: bool = False) -> None:
    """Log to stderr, never a token or a resident's words.

    httpx logs every request URL, and URLs contain the bot token; PTB's debug log prints whole
    updates (residents' messages). Both stay at WARNING/INFO even with --verbose.
    """
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        level=logging.DEBUG if verbose else logging.INFO)
    for name in ("httpx", "httpcore", "apscheduler"):
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("telegram").setLevel(logging.INFO)


def check_mode(config: Config) -> str | None:
    """A problem with the [telegram] run mode, or None."""
    settings = config.telegram
    if settings.mode not in ("polling", "webhook"):
        return f"[telegram] mode must be \"polling\" or \"webhook\", not {settings.mode!r}"
    if settings.mode == "webhook":
        if not settings.webhook_url.startswith("https://"):
            return "[telegram] webhook_url must be the public https:// address Telegram will call"
        if importlib.util.find_spec("tornado") is None:
            return "webhook mode needs the webhooks extra: pip install 'python-telegram-bot[webhooks]'"
    return None


def run(args: argparse.Namespace) -> int:
    token = secret(TOKEN_ENV)
    if not token:
        print(NO_TOKEN, file=sys.stderr)
        return 2
    config = config_or_exit(args.config)
    problem = check_mode(config)
    if problem:
        print(f"fanzha run: {problem}", file=sys.stderr)
        return 2
    setup_logging(args.verbose)

    # Imported here so `fanzha chat` and friends never pay for the Telegram stack.
    from telegram.error import InvalidToken, NetworkError

    from bot.runtime import build_runtime
    from bot.telegram_bot.app import ALLOWED_UPDATES, build_application

    runtime = build_runtime(config, args.db)
    application = build_application(runtime, token)
    # Not in post_init: tests build applications too and must not write pid files or take SIGHUP.
    from bot.telegram_bot.operator import announce_process
    announce_process(application)
    try:
        if config.telegram.mode == "webhook":
            settings = config.telegram
            application.run_webhook(listen=settings.webhook_listen, port=settings.webhook_port,
                                    url_path=urlparse(settings.webhook_url).path.lstrip("/"),
                                    webhook_url=settings.webhook_url,
                                    secret_token=secret(WEBHOOK_SECRET_ENV) or None,
                                    allowed_updates=ALLOWED_UPDATES)
        else:
            application.run_polling(allowed_updates=ALLOWED_UPDATES)
    except InvalidToken:
        print(f"fanzha run: Telegram refused the token in {TOKEN_ENV}; check it with @BotFather (/token).",
              file=sys.stderr)
        return 2
    except NetworkError as exc:
        print(f"fanzha run: cannot reach the Bot API at {config.telegram.base_url}: {exc}", file=sys.stderr)
        return 1
    return 0
