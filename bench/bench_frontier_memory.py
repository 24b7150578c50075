"""Redis bytes per URL: the frontier's fingerprint sets beside scrapy-redis's dupefilter.

Starts its own redis-server on 127.0.0.1 (tests/redis_fixtures.py), feeds the same N portal-like
URLs to

* ours: :class:`newsportal.frontier.fingerprints.FingerprintSet` (the run's dupefilter, the
  seen-store and the in-run dedupe URL sets are all of this kind): 52-bit fingerprints as
  integers in intset buckets split by linear hashing;
* scrapy-redis 0.9.1: ``scrapy_redis.dupefilter.RFPDupeFilter.request_seen`` (SHA1 hex strings
  in one Redis set),

and prints ``MEMORY USAGE`` (SAMPLES 0, every key) divided by N, side by side, plus the false
positives of ours on N URLs never added (a false positive would skip a page).
Goal: <= 40 bytes per URL (10 M URLs well under 500 MB).

    .venv/bin/python bench/bench_frontier_memory.py [N ...]     # default 1000 10000 100000
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scrapy import Request
from scrapy_redis.dupefilter import RFPDupeFilter

from newsportal.frontier.fingerprints import FingerprintSet, fingerprint, memory_usage
from tests.redis_fixtures import RedisServer

GOAL = 40.0


def urls(n: int, salt: str = "") -> list[str]:
    sections = ("china", "yunnan", "baoshan", "finance", "edu", "tech", "health", "travel")
    return [
        f"http://news.jiulongw.cn/{sections[i % 8]}{salt}/20{24 + i % 3}-"
        f"{1 + i % 12:02d}-{1 + i % 28:02d}/{100000 + i}.html"
        for i in range(n)
    ]


def measure(server: RedisServer, n: int) -> tuple[float, float, int, float]:
    client = server.client(0)
    client.flushdb()
    batch = urls(n)
    ours = FingerprintSet(client, "bench:df:")
    started = time.perf_counter()
    for start in range(0, n, 1000):
        ours.add([fingerprint(url) for url in batch[start : start + 1000]])
    seconds = time.perf_counter() - started
    ours_bytes = ours.memory_usage() / n
    unseen = urls(n, salt="-new")
    false_positives = sum(ours.contains([fingerprint(url) for url in unseen]))

    theirs = RFPDupeFilter(client, key="bench:scrapy-redis")
    for url in batch:
        theirs.request_seen(Request(url))
    theirs_bytes = memory_usage(client, ["bench:scrapy-redis"]) / n
    client.flushdb()
    return ours_bytes, theirs_bytes, false_positives, n / seconds


def main(sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = RedisServer(Path(tmp))
        server.start()
        try:
            print(f"{'URLs':>10}  {'ours B/URL':>10}  {'scrapy-redis B/URL':>18}  "
                  f"{'ratio':>6}  {'false pos.':>10}  {'adds/s':>8}")  # fmt: skip
            for n in sizes:
                ours, theirs, fps, rate = measure(server, n)
                print(f"{n:>10}  {ours:>10.1f}  {theirs:>18.1f}  {theirs / ours:>5.1f}x  "
                      f"{fps:>5} / {n:<4}  {rate:>8.0f}")  # fmt: skip
            verdict = "met" if ours <= GOAL else "MISSED"
            print(f"goal <= {GOAL:.0f} bytes per URL: {verdict} ({ours:.1f} at {sizes[-1]} URLs); "
                  f"10 M URLs would take ~{ours * 10e6 / 2**20:.0f} MiB")  # fmt: skip
        finally:
            server.stop()


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [1000, 10000, 100000])
