"""fanzha wechat: the 公众号 callback server, and the 企业微信 group-robot push.

Examples:
    WECHAT_TOKEN=... WECHAT_ENCODING_AES_KEY=... fanzha wechat serve
    fanzha wechat push --dry-run          # each robot: today's date, status, case, message sizes
    WECOM_ROBOT_GRID1=... fanzha wechat push   # send due warnings (run it from cron every few minutes)
    fanzha wechat push --reactivate grid1      # after fixing a robot whose key was invalid

Secrets only from the environment: WECHAT_TOKEN, WECHAT_ENCODING_AES_KEY (and
WECHAT_ENCODING_AES_KEY_PREVIOUS while changing it), WECOM_ROBOT_<NAME>. Everything else is in
config.toml's [wechat] section.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

from bot.commands.common import config_or_exit
from bot.config import Config, secret
from knowledge.cases import CaseError, CaseLibrary, load_cases

TOKEN_ENV = "WECHAT_TOKEN"
KEY_ENV = "WECHAT_ENCODING_AES_KEY"
PREVIOUS_KEY_ENV = "WECHAT_ENCODING_AES_KEY_PREVIOUS"


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    serve = sub.add_parser("serve", help="serve the 公众号 message callback (aiohttp)")
    serve.add_argument("--config", help="config file")
    serve.add_argument("--db", help="database file (default: [storage] path)")
    serve.add_argument("--host", help="listen address (default: [wechat] host)")
    serve.add_argument("--port", type=int, help="listen port (default: [wechat] port)")
    push = sub.add_parser("push", help="send due daily warnings to WeCom group robots")
    push.add_argument("--config", help="config file")
    push.add_argument("--db", help="database file (default: [storage] path)")
    push.add_argument("--dry-run", action="store_true", help="show what each robot would get; send nothing")
    push.add_argument("--reactivate", metavar="NAME", help="re-enable a robot deactivated for an invalid key")


def _err(message: str) -> None:
    print(f"fanzha wechat: {message}", file=sys.stderr)


def _library() -> CaseLibrary | None:
    try:
        return load_cases(require_complete=False)  # completeness is `fanzha cases check`'s verdict
    except CaseError as exc:
        _err("the case library has problems:\n" + "\n".join(f"  - {p}" for p in exc.problems))
        return None


# --- serve -------------------------------------------------------------------------------------

def _secrets(config: Config) -> tuple[str, str, str] | None:
    """Token and keys from the environment, or None after explaining what is missing."""
    from bot.wechat.crypto import BadKey, aes_key

    token, key, previous = secret(TOKEN_ENV), secret(KEY_ENV), secret(PREVIOUS_KEY_ENV)
    problems = []
    if not token:
        problems.append(f"{TOKEN_ENV} is not set: the Token you entered on WeChat's 服务器配置 page")
    if config.wechat.mode != "plain":
        if not key:
            problems.append(f"{KEY_ENV} is not set: the 43-character EncodingAESKey from the same page "
                            f"(or set [wechat] mode = \"plain\" for 明文模式)")
        if not config.wechat.app_id:
            problems.append("[wechat] app_id is empty in config.toml: safe and compat mode need the AppID")
    for name, value in ((KEY_ENV, key), (PREVIOUS_KEY_ENV, previous)):
        if value:
            try:
                aes_key(value)
            except BadKey as exc:
                problems.append(f"{name}: {exc}")
    if problems:
        _err("cannot start:\n" + "\n".join(f"  - {p}" for p in problems))
        return None
    return token, key, previous


def _serve(args: argparse.Namespace) -> int:
    from aiohttp import web

    from bot.runtime import build_runtime
    from bot.wechat.answers import Responder
    from bot.wechat.app import CallbackSettings, ThreadedAnswerer, make_app
    from bot.wechat.maintenance import install_reload_watcher

    config = config_or_exit(args.config)
    secrets = _secrets(config)
    if secrets is None:
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    runtime = build_runtime(config, args.db)  # includes /case's TodaysWarning when cases load
    settings = CallbackSettings.from_config(config.wechat, *secrets)
    app = make_app(settings, ThreadedAnswerer(Responder(runtime.service, config.dialogue.reply_byte_budget)))
    install_reload_watcher(app, runtime.brain, Path(config.maintenance.reload_file),
                           config.maintenance.reload_poll_seconds)
    host, port = args.host or config.wechat.host, args.port or config.wechat.port
    print(f"fanzha wechat: serving the 公众号 callback on http://{host}:{port}{settings.path} "
          f"({settings.mode} mode{', previous key accepted' if secrets[2] else ''}); Ctrl-C stops")
    # No access log: WeChat's query string carries the follower's OpenID.
    web.run_app(app, host=host, port=port, access_log=None, print=None)
    return 0


# --- push --------------------------------------------------------------------------------------

def _open_db(config: Config, path: str | None) -> sqlite_utils.Database:
    from storage.db import open_db

    return open_db(path or config.storage.path)


def _robot_names(config: Config, db: sqlite_utils.Database) -> list[str]:
    from bot.wechat.wecom import CHANNEL

    names = list(config.wechat.wecom_robots)
    names += [r["target"] for r in db.query("select target from subscriptions where channel = ?", [CHANNEL])
              if r["target"] not in names]
    return names


def _push(args: argparse.Namespace) -> int:
    from bot.wechat import wecom
    from storage import subscriptions

    config = config_or_exit(args.config)
    db = _open_db(config, args.db)
    settings = wecom.RobotSettings.from_config(config)
    if args.reactivate:
        if subscriptions.update(db, wecom.CHANNEL, args.reactivate, active=True) is None:
            _err(f"no robot subscription named {args.reactivate!r}")
            return 1
        print(f"robot {args.reactivate} re-enabled")
        return 0
    library = _library()
    if library is None:
        return 2
    if args.dry_run:
        return _dry_run(config, db, library, settings)
    created = wecom.sync_subscriptions(db, config.wechat.wecom_robots, settings)
    for name in created:
        print(f"robot {name}: subscribed (daily at {settings.default_time} {settings.default_timezone}; "
              "the first warning comes at the next slot)")
    return asyncio.run(_send(db, library, settings, wecom.robot_keys(_robot_names(config, db))))


def _dry_run(config: Config, db: sqlite_utils.Database, library: CaseLibrary, settings) -> int:
    from bot.wechat import wecom
    from storage import subscriptions

    keys = wecom.robot_keys(_robot_names(config, db))
    plans = wecom.RobotPusher(db, library, settings, keys).plan(datetime.now(timezone.utc))
    for name in config.wechat.wecom_robots:
        sub = subscriptions.get(db, wecom.CHANNEL, name)
        if sub is None:
            print(f"{name}: not subscribed yet (the next `fanzha wechat push` subscribes it)")
        elif not sub.active:
            print(f"{name}: inactive (invalid key?); `fanzha wechat push --reactivate {name}` re-enables it")
    if not plans:
        print("no active WeCom robot subscriptions")
        return 0
    for p in plans:
        key = "key set" if p.has_key else f"{wecom.env_name(p.sub.target)} NOT SET"
        case = f"{p.case.id} {p.case.title}" if p.case else "(no case matches its topics)"
        sizes = "+".join(str(len(part.encode('utf-8'))) for part in p.parts)
        print(f"{p.sub.target}: {p.day} {p.sub.send_time} {p.sub.timezone}  {p.state}  {key}  {case}  "
              f"{len(p.parts)} message(s), {sizes} bytes")
    return 0


async def _send(db: sqlite_utils.Database, library: CaseLibrary, settings, keys: dict[str, str]) -> int:
    import aiohttp

    from bot.wechat import wecom

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    async with aiohttp.ClientSession() as session:
        client = wecom.WebhookClient(session, settings.base_url, settings.timeout_seconds)
        results = await wecom.RobotPusher(db, library, settings, keys, client).run()
    if not results:
        print("no active WeCom robot subscriptions")
    for r in results:
        print(f"{r.robot}: {r.day} {r.status}" + (f" ({r.detail})" if r.detail else "")
              + (f", {r.requests} request(s)" if r.requests else ""))
    bad = {"no_key", "invalid_key", "released", "failed", "unknown", "no_case"}
    return 1 if any(r.status in bad for r in results) else 0


def run(args: argparse.Namespace) -> int:
    return {"serve": _serve, "push": _push}[args.action](args)
