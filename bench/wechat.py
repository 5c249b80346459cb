"""WeChat callback benchmark: safe-mode round trips through a real server, with the REAL dialogue.

Run:  python bench/wechat.py [--requests 2000] [--in-flight 50]
Target (issue 7): p99 < 10 ms per callback round trip.

A real aiohttp server on 127.0.0.1 runs `fanzha wechat serve`'s app (safe mode, threaded
dialogue over a fresh SQLite file). The client plays WeChat: every request is a new MsgId from
one of 200 followers, encrypted and signed beforehand (that is WeChat's work, not ours), so the
timing covers exactly what WeChat waits for: HTTP, signature checks, decryption, XML, dedupe,
the dialogue with its SQLite writes, paging, encryption of the reply. Client and server share
one process and one CPU-bound event loop, as the spike did; the figures are conservative.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_CASES = ROOT.parent / "shared" / "eval" / "dev_cases.jsonl"
FALLBACK = ["有人打电话说我涉嫌洗钱，要我把存款转到安全账户", "网上兼职刷单要先垫付", "今天中午吃饺子",
            "今日预警", "更多", "1"]
TOKEN, APP_ID = "benchToken", "wxbench000000000"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


def texts(path: Path) -> list[str]:
    """Residents' messages: the shared dev set when present (plus paging and options words)."""
    if not path.exists():
        return FALLBACK
    lines = [json.loads(line)["text"] for line in path.open(encoding="utf-8") if line.strip()]
    return lines + ["今日预警", "更多", "1", "你好"]


def build_requests(n: int, messages: list[str], first_id: int) -> list[tuple[dict[str, str], bytes]]:
    """n signed, encrypted callbacks, as WeChat would send them."""
    import hashlib

    import xmltodict
    from wechatpy.crypto import WeChatCrypto

    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    out = []
    for i in range(n):
        ts, nonce = str(int(time.time())), str(100000 + i)
        text = messages[i % len(messages)].replace("]]>", "")
        xml = (f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[oBench{i % 200}]]>"
               f"</FromUserName><CreateTime>{ts}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
               f"<Content><![CDATA[{text}]]></Content><MsgId>{first_id + i}</MsgId></xml>")
        env = xmltodict.parse(crypto.encrypt_message(xml, nonce, ts))["xml"]
        body = f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><Encrypt><![CDATA[{env['Encrypt']}]]></Encrypt></xml>"
        signature = hashlib.sha1("".join(sorted([TOKEN, ts, nonce])).encode()).hexdigest()
        params = {"signature": signature, "timestamp": ts, "nonce": nonce, "openid": f"oBench{i % 200}",
                  "encrypt_type": "aes", "msg_signature": env["MsgSignature"]}
        out.append((params, body.encode("utf-8")))
    return out


def check_reply(raw: bytes, params: dict[str, str]) -> str:
    """Decrypt one reply the way WeChat would (signature over the request's timestamp/nonce)."""
    import xmltodict
    from wechatpy import parse_message
    from wechatpy.crypto import WeChatCrypto

    env = xmltodict.parse(raw.decode())["xml"]
    xml = WeChatCrypto(TOKEN, AES_KEY, APP_ID).decrypt_message(raw.decode(), env["MsgSignature"],
                                                               params["timestamp"], params["nonce"])
    return parse_message(xml).content


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000


async def measure(args: argparse.Namespace, answerer, label: str) -> None:
    """Sequential and concurrent round trips against the app built around `answerer`."""
    import aiohttp
    from aiohttp import web

    from bot.wechat.app import CALLBACK_KEY, CallbackSettings, make_app

    app = make_app(CallbackSettings(TOKEN, APP_ID, (AES_KEY,)), answerer)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    url = f"http://127.0.0.1:{port}/wechat"
    messages = texts(Path(args.cases))

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=args.in_flight)) as session:
        async def one(params: dict[str, str], body: bytes) -> tuple[float, bytes]:
            start = time.perf_counter()
            async with session.post(url, params=params, data=body) as resp:
                raw = await resp.read()
                assert resp.status == 200, resp.status
            return time.perf_counter() - start, raw

        for params, body in build_requests(200, messages, 1):  # warm-up
            await one(params, body)
        seq_times = []
        for params, body in build_requests(args.sequential, messages, 10_000):
            elapsed, raw = await one(params, body)
            seq_times.append(elapsed)
        assert check_reply(raw, params)  # a real, decryptable reply

        queue = iter(build_requests(args.requests, messages, 100_000))
        times: list[float] = []

        async def worker() -> None:
            for params, body in queue:
                elapsed, _ = await one(params, body)
                times.append(elapsed)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(args.in_flight)))
        wall = time.perf_counter() - start

    book = app[CALLBACK_KEY].book
    await runner.cleanup()
    print(f"{label}:")
    print(f"  sequential, {len(seq_times)} round trips:   p50 {pct(seq_times, .5):6.2f} ms  p99 {pct(seq_times, .99):6.2f} ms"
          f"  → {len(seq_times) / sum(seq_times):5.0f}/s")
    print(f"  {args.in_flight} in flight, {len(times)} round trips: p50 {pct(times, .5):6.2f} ms  p99 {pct(times, .99):6.2f} ms"
          f"  → {len(times) / wall:5.0f}/s  (latency there is queueing: {args.in_flight} / throughput)")
    print(f"  answers computed: {book.started} for {200 + len(seq_times) + len(times)} callbacks (one per MsgId)")
    return pct(seq_times, .99), pct(times, .99)


async def run(args: argparse.Namespace) -> None:
    import os

    from bot.brain import BrainHolder, load_brain
    from bot.dialogue import Dialogue
    from bot.service import ChatService
    from bot.wechat.answers import Responder
    from bot.wechat.app import ThreadedAnswerer
    from bot.wechat.forward import TodaysWarning
    from knowledge.cases import load_cases
    from storage.db import open_db

    print(f"safe-mode callbacks over HTTP on 127.0.0.1, client and server in one process; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")

    async def channel_only(msg):
        return "这很像「刷单返利」诈骗。先别转钱！\n\n回复 1 我已经转账了"

    await measure(args, channel_only, "channel only (fixed reply: HTTP, signatures, AES, XML, dedupe)")

    tmp = tempfile.TemporaryDirectory()
    db = open_db(args.db or Path(tmp.name) / "bench.db")
    dialogue = Dialogue(BrainHolder(load_brain()), todays_case=TodaysWarning(db, load_cases(require_complete=False)))
    answerer = ThreadedAnswerer(Responder(ChatService(dialogue, db)))
    where = args.db or "a temporary file"
    seq99, conc99 = await measure(args, answerer, f"real dialogue (matcher + SQLite state in {where}, worker thread)")
    tmp.cleanup()
    print(f"target p99 < 10 ms: {'met' if seq99 < 10 else 'NOT met'} sequentially; "
          f"{'met' if conc99 < 10 else 'NOT met'} at {args.in_flight} in flight")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="round trips at --in-flight concurrency")
    parser.add_argument("--in-flight", type=int, default=50)
    parser.add_argument("--sequential", type=int, default=1000, help="round trips one at a time")
    parser.add_argument("--cases", default=str(DEFAULT_CASES))
    parser.add_argument("--db", help="SQLite file for the dialogue's state (default: a temporary file)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
