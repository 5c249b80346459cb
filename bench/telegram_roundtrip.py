"""Telegram round-trip benchmark: N private questions through the real Application and the fake
Bot API, over real HTTP on 127.0.0.1.

Run:  python bench/telegram_roundtrip.py [-n 500] [--concurrent 32] [--db FILE|:memory:] [--inline]
Target (issue 4): at least 150 questions/s on the 2-core build machine.

The bot is the production wiring: `build_application` (rate limiter off: Telegram itself is not in
the loop), long polling, the routing table, flood control, ChatService with the real Dialogue
and matcher, SQLite on a file in WAL mode, HTML rendering with buttons. N residents (one
question each, so flood control never interferes) ask the catalogue's examples and near-misses
— a realistic mix of verdicts, clarifying questions and reassurances.

The fake Bot API runs in a child process (as Telegram's servers are not on the bot's machine),
which also injects the questions and times the answers on its own monotonic clock: a round trip
is from the update being queued on the server to the bot's sendMessage arriving there.
``--inline`` runs the server in the bot's process instead (it then competes for the same core).

Phases: warm-up; *sequential* — one question at a time, the round trip of an idle bot; *burst* —
all N at once: throughput, and the latency a resident sees under that load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEQUENTIAL = 50
WARMUP = 30


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of `values`."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def questions(n: int) -> list[str]:
    """N texts cycling through every catalogue example and near-miss (scam and not)."""
    from bot.brain import load_brain

    brain = load_brain(require_complete=False)
    texts = [t for e in brain.catalogue.entries.values() for t in (*e.examples, *e.near_misses)]
    return [texts[i % len(texts)] for i in range(n)]


# --- the server side: inject questions, time the answers -----------------------------------------

async def ask_all(api: Any, texts: list[str], first_user: int, timeout: float) -> list[float]:
    """One question per new resident, all queued at once; their round trips in seconds."""
    from tests.support.bot_api_objects import User, private_chat

    mark = api.mark()
    queued: dict[int, float] = {}
    for i, text in enumerate(texts):
        user = User(id=first_user + i, first_name="居民")
        api.send_text(private_chat(user), user, text)
        queued[user.id] = time.monotonic()
    sent = await api.wait_for_calls("sendMessage", n=len(texts), since=mark, timeout=timeout)
    return [call.at - queued[call.params["chat_id"]] for call in sent]


async def drive(api: Any, texts: list[str]) -> dict[str, Any]:
    """Warm up, then the sequential and burst phases; the figures."""
    await ask_all(api, texts[:WARMUP], 10_000_000, 120)
    idle: list[float] = []
    for i, text in enumerate(texts[WARMUP:WARMUP + SEQUENTIAL]):
        idle += await ask_all(api, [text], 20_000_000 + i, 60)
    burst = texts[WARMUP + SEQUENTIAL:]
    started = time.monotonic()
    loaded = await ask_all(api, burst, 30_000_000, 900)
    elapsed = time.monotonic() - started
    return {"n": len(burst), "elapsed": elapsed, "rate": len(burst) / elapsed,
            "idle_p50": percentile(idle, 50), "idle_p99": percentile(idle, 99),
            "p50": percentile(loaded, 50), "p99": percentile(loaded, 99), "max": max(loaded),
            "mean": statistics.fmean(loaded)}


async def serve() -> None:
    """Child process: run the server, print its address, drive the phases, print the figures."""
    from tests.support.fake_bot_api import FakeBotApi

    loop = asyncio.get_running_loop()
    async with FakeBotApi() as api:
        print(json.dumps({"base_url": api.base_url, "token": api.token}), flush=True)
        texts = json.loads(await loop.run_in_executor(None, sys.stdin.readline))
        print(json.dumps(await drive(api, texts)), flush=True)
        await loop.run_in_executor(None, sys.stdin.read)  # until the bot has stopped


# --- the bot side ---------------------------------------------------------------------------------

async def run_bot(base_url: str, token: str, concurrent: int, db: str, body: Any) -> Any:
    """Start the production Application against `base_url`, run `body()`, stop; body's result."""
    from bot.brain import load_brain
    from bot.telegram_bot.app import ALLOWED_UPDATES, build_application
    from tests.support.telegram_fixtures import make_runtime, telegram_config

    config = telegram_config(base_url)
    runtime = make_runtime(config, load_brain(config.matcher, require_complete=False), Path(db))
    app = build_application(runtime, token, rate_limiter=False, concurrent_updates=concurrent)
    async with app:
        await app.post_init(app)
        await app.updater.start_polling(poll_interval=0, timeout=10, allowed_updates=ALLOWED_UPDATES)
        await app.start()
        cpu = time.process_time()
        result = await body()
        # The bot's own CPU per question (all phases): what the bot costs, whatever else the
        # machine is doing; 1000 / this is what one free core could answer per second.
        result["bot_cpu_ms"] = (time.process_time() - cpu) * 1000 / (WARMUP + SEQUENTIAL + result["n"])
        await app.updater.stop()
        await app.stop()
    runtime.db.close()
    return result


async def bench_child_server(texts: list[str], concurrent: int, db: str) -> dict[str, Any]:
    child = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--serve", cwd=ROOT, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE)
    assert child.stdin is not None and child.stdout is not None
    address = json.loads(await child.stdout.readline())

    async def body() -> dict[str, Any]:
        child.stdin.write((json.dumps(texts, ensure_ascii=False) + "\n").encode())  # type: ignore[union-attr]
        await child.stdin.drain()  # type: ignore[union-attr]
        return json.loads(await child.stdout.readline())  # type: ignore[union-attr]

    try:
        return await run_bot(address["base_url"], address["token"], concurrent, db, body)
    finally:
        child.stdin.close()
        await child.wait()


async def bench_inline(texts: list[str], concurrent: int, db: str) -> dict[str, Any]:
    from tests.support.fake_bot_api import FakeBotApi

    async with FakeBotApi() as api:
        return await run_bot(api.base_url, api.token, concurrent, db, lambda: drive(api, texts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=500, help="questions in the burst (default 500)")
    parser.add_argument("--concurrent", type=int, default=None,
                        help="updates handled at once (default: [telegram] concurrent_updates)")
    parser.add_argument("--db", help="SQLite file (default: a temporary file); ':memory:' for no disk")
    parser.add_argument("--inline", action="store_true", help="run the fake server in the bot's process")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve())
        return
    from bot.config import load_config

    concurrent = args.concurrent or load_config().telegram.concurrent_updates
    texts = questions(WARMUP + SEQUENTIAL + args.n)
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or str(Path(tmp) / "fanzha.db")
        run = bench_inline if args.inline else bench_child_server
        r = asyncio.run(run(texts, concurrent, db))
    where = "in the bot's process" if args.inline else "in a child process"
    print(f"telegram round trip: {r['n']} questions, concurrent_updates={concurrent}, "
          f"db={args.db or 'temporary file'}, fake Bot API {where}")
    print(f"  burst:      {r['rate']:.0f} questions/s ({r['elapsed']:.2f} s); latency p50 {r['p50'] * 1000:.0f} ms, "
          f"p99 {r['p99'] * 1000:.0f} ms, max {r['max'] * 1000:.0f} ms")
    print(f"  sequential: latency p50 {r['idle_p50'] * 1000:.1f} ms, p99 {r['idle_p99'] * 1000:.1f} ms "
          f"({SEQUENTIAL} questions, one at a time)")
    print(f"  bot CPU:    {r['bot_cpu_ms']:.1f} ms per question (≈ {1000 / r['bot_cpu_ms']:.0f} questions/s "
          f"per free core{'; includes the server' if args.inline else ''})")
    print(f"  target >= 150 questions/s: {'met' if r['rate'] >= 150 else 'NOT met'}")


if __name__ == "__main__":
    main()
