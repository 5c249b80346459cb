"""Daily-push benchmark: N subscribed groups due in the same minute, against the fake Bot API.

Run:  python bench/push.py [--groups 10000]      (about 6 minutes for 10,000: 30 msg/s by nature)
      python bench/push.py --groups 1000          (quick run, ~35 s)
Targets (issue 5): send rate >= 90% of Telegram's 30 msg/s, never more than 30 in any 1-second
window, 0 duplicates, peak memory < 200 MB.

The bot side is the production wiring: `build_application` (with the AIORateLimiter as configured),
`push.install`/`schedule_all`, one daily job per group fired as APScheduler would fire them, the
Dispatcher and the paced Broadcaster writing the real push log on a SQLite file. The fake Bot API
server runs in a child process, so its bookkeeping of 10,000 messages is not counted as the bot's
memory and its CPU does not jitter the bot's pacing; it timestamps every sendMessage on arrival,
and those server-side timestamps are what the window and rate figures are computed from.
After the broadcast every job is fired again and the catch-up runs: any further message is a
duplicate.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scheduler.broadcast import max_in_window  # noqa: E402  (after the path set-up above)

LIMIT = 30  # Telegram's broadcast limit, messages per second
SEND_AT = "09:00"
ZONE = "Asia/Shanghai"


# --- the fake Bot API, in a child process ------------------------------------------------------

async def serve(out: Path) -> None:
    """Child: run the fake server, print its port and token, and on stdin EOF dump sendMessage arrivals."""
    from tests.support.fake_bot_api import FakeBotApi

    async with FakeBotApi() as api:
        print(api.port, api.token, flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        sends = [(c.params.get("chat_id"), c.at) for c in api.calls_of("sendMessage")]
        out.write_text(json.dumps({"token": api.token, "sends": sends}), encoding="utf-8")


class ServerProcess:
    """The fake Bot API child process."""

    def __init__(self, workdir: Path):
        self.out = workdir / "sends.json"
        self.proc = subprocess.Popen([sys.executable, __file__, "--serve", str(self.out)], cwd=ROOT,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        # The bot process never imports the server (aiohttp): only its port and token come back.
        port, self.token = self.proc.stdout.readline().split()  # type: ignore[union-attr]
        self.port = int(port)

    def finish(self) -> dict:
        """Stop the server and read what it recorded."""
        self.proc.stdin.close()  # type: ignore[union-attr]
        self.proc.wait(timeout=60)
        return json.loads(self.out.read_text(encoding="utf-8"))


# --- figures -----------------------------------------------------------------------------------

def rss_mb() -> float:
    """This process's peak resident memory so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _worst_window_start(times: list[float], window: float = 1.0) -> float:
    times, best, lo, at = sorted(times), 0, 0, 0.0
    for hi in range(len(times)):
        while times[hi] - times[lo] >= window:
            lo += 1
        if hi - lo + 1 > best:
            best, at = hi - lo + 1, times[lo]
    return at


def seed(db, groups: int) -> None:
    """`groups` active subscriptions, all due at 09:00 Shanghai, subscribed long ago."""
    rows = ({"channel": "telegram", "target": str(-1_000_000_000_000 - k), "send_time": SEND_AT,
             "timezone": ZONE, "topics": "[]", "script": "hant" if k % 5 == 0 else "hans", "guardian": 0,
             "active": 1, "subscribed_at": "2026-01-01T00:00:00+00:00", "subscribed_by": "bench",
             "updated_at": "2026-01-01T00:00:00+00:00", "title": f"小区群 {k}"} for k in range(groups))
    db["subscriptions"].insert_all(rows, batch_size=1000)


class OffsetClock:
    """The real clock, with wall time moved to just after today's 09:00 in Shanghai."""

    def __init__(self) -> None:
        from scheduler.broadcast import SystemClock
        from scheduler.schedule import send_instant

        self._real = SystemClock()
        target = send_instant(date(2026, 3, 2), SEND_AT, ZONE) + timedelta(seconds=5)
        self._offset = target - self._real.now()

    def now(self) -> datetime:
        return self._real.now() + self._offset

    def monotonic(self) -> float:
        return self._real.monotonic()

    async def sleep(self, seconds: float) -> None:
        await self._real.sleep(seconds)


async def run_bot(port: int, token: str, db_path: Path, groups: int) -> dict:
    """Boot the production Application, fire every group's job, wait for the broadcast."""
    from bot.brain import BrainHolder, load_brain
    from bot.config import load_config
    from bot.dialogue import Dialogue
    from bot.runtime import Runtime
    from bot.service import ChatService
    from bot.telegram_bot import push
    from bot.telegram_bot.app import build_application
    from knowledge.cases import load_cases
    from storage.db import open_db

    config = load_config()
    base = f"http://127.0.0.1:{port}/bot"
    config = replace(config, telegram=replace(config.telegram, base_url=base, base_file_url=base.replace("/bot", "/file/bot")))
    db = open_db(db_path)
    seed(db, groups)
    figures: dict = {"rss": {"imports": rss_mb()}}
    holder = BrainHolder(load_brain(config.matcher, require_complete=False), config.matcher)
    figures["rss"]["brain"] = rss_mb()
    dialogue = Dialogue(holder, config.dialogue)
    runtime = Runtime(config=config, brain=holder, db=db, dialogue=dialogue, service=ChatService(dialogue, db))
    app = build_application(runtime, token)
    async with app:
        rt = push.install(app, db, config.scheduler, load_cases(require_complete=False), OffsetClock())
        starts: dict[int, float] = {}
        figures["starts"] = starts

        class TimedSender(push.TelegramSender):
            """Notes when each send leaves the pacer (to measure the way to the server)."""

            async def send(self, target: str, text: str):  # type: ignore[override]
                starts[int(target)] = time.monotonic()
                return await super().send(target, text)

        rt.dispatcher.sender_factory = TimedSender
        await app.post_init(app)
        figures["rss"]["jobs scheduled"] = rss_mb()
        jobs = [j for j in app.job_queue.jobs() if j.name.startswith(push.JOB_PREFIX)]
        started = time.perf_counter()
        for job in jobs:  # the minute's jobs, fired one after another as APScheduler does
            await job.run(app)
        await rt.dispatcher.idle()
        figures["broadcast_seconds"] = time.perf_counter() - started
        figures["rss"]["broadcast done"] = rss_mb()
        figures["report"] = rt.dispatcher.total
        # Fire everything again, and run the start-up catch-up: nothing more may be sent.
        for job in jobs:
            await job.run(app)
        push.catch_up(app, rt)
        await rt.dispatcher.idle()
        await push.stop(app)
    figures["log"] = {r["status"]: r["n"] for r in db.query("select status, count(*) n from push_log group by status")}
    db.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=10_000)
    parser.add_argument("--tracemalloc", action="store_true",
                        help="also trace the Python heap (slows the bot down and inflates RSS)")
    parser.add_argument("--profile", help=argparse.SUPPRESS)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(Path(args.serve)))
        return

    import logging

    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        server = ServerProcess(Path(tmp))
        token = server.token
        if args.tracemalloc:
            tracemalloc.start()
        bot = run_bot(server.port, token, Path(tmp) / "fanzha.db", args.groups)
        if args.profile:
            import cProfile

            with cProfile.Profile() as prof:
                figures = asyncio.run(bot)
            prof.dump_stats(args.profile)
        else:
            figures = asyncio.run(bot)
        traced_peak = tracemalloc.get_traced_memory()[1] if args.tracemalloc else 0
        tracemalloc.stop()
        rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
        recorded = server.finish()

    times = [at for _, at in recorded["sends"]]
    chats = [chat for chat, _ in recorded["sends"]]
    span = max(times) - min(times) if len(times) > 1 else 0.0
    rate = (len(times) - 1) / span if span else 0.0
    report = figures["report"]
    lags = sorted(at - figures["starts"][chat] for chat, at in recorded["sends"] if chat in figures["starts"])
    worst_at = _worst_window_start(times) - min(times) if times else 0.0
    print(f"groups                    {args.groups}")
    print(f"messages received         {len(times)} to {len(set(chats))} chats")
    print(f"duplicates                {len(chats) - len(set(chats))}   (target 0)")
    print(f"missing                   {args.groups - len(set(chats))}")
    print(f"broadcast time            {figures['broadcast_seconds']:.1f} s")
    print(f"send rate                 {rate:.2f} msg/s = {100 * rate / LIMIT:.1f}% of {LIMIT}/s   (target >= 90%)")
    print(f"max in any 1 s window     {max_in_window(times)}   (limit {LIMIT}; worst window at +{worst_at:.1f} s)")
    if lags:
        print(f"pacer → server arrival    p50 {1000 * lags[len(lags) // 2]:.1f} ms, "
              f"p99 {1000 * lags[int(len(lags) * 0.99)]:.1f} ms, max {1000 * lags[-1]:.1f} ms")
    traced = f", {traced_peak / 2**20:.1f} MB traced Python heap" if args.tracemalloc else ""
    print(f"peak memory               {rss_peak:.1f} MB max RSS{traced}   (target < 200 MB)")
    print("peak RSS by stage         " + ", ".join(f"{k} {v:.0f}" for k, v in figures["rss"].items()) + " MB")
    print(f"push log                  {figures['log']}")
    print(f"broadcaster               sent {report.sent}, already claimed {report.already_claimed}, "
          f"retry-after {report.retry_after}, network errors {report.network_errors}, released {report.released}")


if __name__ == "__main__":
    main()
