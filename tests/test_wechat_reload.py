"""The WeChat server reloads the catalogue when `fanzha kb reload` touches the control file."""

import asyncio

from aiohttp import web

from bot.brain import BrainHolder
from bot.wechat.maintenance import install_reload_watcher


async def test_control_file_makes_the_running_server_reload(brain, tmp_path):
    holder = BrainHolder(brain)
    reload_file = tmp_path / "fanzha.reload"
    app = web.Application()
    install_reload_watcher(app, holder, reload_file, interval=0.01)
    runner = web.AppRunner(app)
    await runner.setup()  # runs on_startup: the poll task starts
    try:
        reload_file.write_text("request-1\n", encoding="utf-8")

        async def reloaded() -> None:
            while holder.brain is brain:
                await asyncio.sleep(0.01)

        await asyncio.wait_for(reloaded(), timeout=30)
        assert set(holder.brain.catalogue.entries) == set(brain.catalogue.entries)
    finally:
        await runner.cleanup()  # runs on_cleanup: the poll task stops


async def test_no_request_no_reload(brain, tmp_path):
    holder = BrainHolder(brain)
    reload_file = tmp_path / "fanzha.reload"
    reload_file.write_text("left from an earlier run\n", encoding="utf-8")
    watcher = install_reload_watcher(web.Application(), holder, reload_file, interval=0.01)
    assert watcher.poll() is None and holder.brain is brain
