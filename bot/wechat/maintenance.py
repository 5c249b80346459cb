"""Catalogue hot reload for the WeChat server: the same control file and SIGHUP as the Telegram bot.

`fanzha kb reload` touches `[maintenance] reload_file`; every running server polls it and swaps
in the new catalogue only if it validates (bot.reload.ReloadWatcher). The pid file stays the
Telegram bot's: two processes announcing one pid file would signal each other's stale pids.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from aiohttp import web

from bot.brain import BrainHolder
from bot.reload import ReloadWatcher

_TASK = web.AppKey("reload_poll_task", asyncio.Task)


async def _poll_forever(watcher: ReloadWatcher, interval: float) -> None:
    loop = asyncio.get_running_loop()
    while True:
        await asyncio.sleep(interval)
        # Loading a catalogue takes most of a second: off the event loop, so callbacks keep flowing.
        await loop.run_in_executor(None, watcher.poll)


def install_reload_watcher(app: web.Application, holder: BrainHolder, reload_file: Path,
                           interval: float) -> ReloadWatcher:
    """Poll `reload_file` every `interval` seconds (and take SIGHUP) while `app` runs."""
    watcher = ReloadWatcher(holder, reload_file)

    async def start(app: web.Application) -> None:
        watcher.install_sighup()
        app[_TASK] = asyncio.create_task(_poll_forever(watcher, interval))

    async def stop(app: web.Application) -> None:
        task = app.get(_TASK)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app.on_startup.append(start)
    app.on_cleanup.append(stop)
    return watcher
