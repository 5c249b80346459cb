"""Matcher benchmark: catalogue load time, per-message latency (p50/p99), throughput, memory.

Run:  python bench/match.py [--cases ../shared/eval/dev_cases.jsonl] [--rounds 20]
Targets (issue 3): load < 1 s, p99 < 5 ms.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_CASES = ROOT.parent / "shared" / "eval" / "dev_cases.jsonl"
FALLBACK = ["有人打电话说我涉嫌洗钱，要我把存款转到安全账户", "网上兼职刷单要先垫付", "今天中午吃饺子"]


def cold_load_seconds() -> float:
    """Catalogue + matcher build in a fresh interpreter (imports included), as a bot start-up pays it."""
    code = ("import time; t=time.perf_counter(); from bot.brain import load_brain; load_brain(); "
            "print(time.perf_counter()-t)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default=str(DEFAULT_CASES))
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    loads = [cold_load_seconds() for _ in range(3)]
    from bot.brain import load_brain

    t0 = time.perf_counter()
    brain = load_brain()
    warm_load = time.perf_counter() - t0
    path = Path(args.cases)
    texts = [json.loads(line)["text"] for line in path.open(encoding="utf-8") if line.strip()] if path.exists() else FALLBACK
    matcher = brain.matcher
    for t in texts:  # warm caches (pinyin, regex)
        matcher.match(t)
    latencies = []
    start = time.perf_counter()
    for _ in range(args.rounds):
        for t in texts:
            a = time.perf_counter()
            matcher.match(t)
            latencies.append(time.perf_counter() - a)
    total = time.perf_counter() - start
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"catalogue: {len(brain.catalogue.entries)} entries, {sum(len(e.signals) for e in brain.catalogue.entries.values())} signals")
    print(f"load (cold process, median of 3): {statistics.median(loads):.3f} s   (in-process rebuild: {warm_load:.3f} s)")
    print(f"messages: {len(texts)} x {args.rounds} rounds = {len(latencies)}")
    print(f"latency: p50 {p(0.50):.2f} ms   p99 {p(0.99):.2f} ms   max {latencies[-1] * 1000:.2f} ms")
    print(f"throughput: {len(latencies) / total:.0f} messages/s (one core)")
    print(f"peak RSS: {rss_mb:.0f} MB")


if __name__ == "__main__":
    main()
