"""Redis bytes per URL: the frontier's fingerprint sets beside scrapy-redis's dupefilter.

Starts its own redis-server on 127.0.0.1 (tests/redis_fixtures.py), feeds the same N portal-like
URLs to

* ours: :class:`newsportal.frontier.fingerprints.FingerprintSet` (the run's dupefilter, the
  seen-store and the in-run dedupe are all of this kind): 52-bit fingerprints as
  integers in intset buckets split by linear hashing;
* scrapy-redis 0.9.1: ``scrapy_redis.dupefilter.RFPDupeFilter.request_seen`` (SHA1 hex strings
  in one Redis set),

and prints ``MEMORY USAGE`` (SAMPLES 0, every key) divided by N, side by side, plus the false
positives of ours on N URLs never added (a false positive would skip a page).
Goal: <= 40 bytes per URL (10 M URLs well under 500 MB).

Then the in-run dedupe of a shared crawl, per article, beside the URL maps it used to keep,
and everything that grows with the URLs seen (dupefilter per URL; seen-store and in-run dedupe
per article) per seen URL, at two shares of articles among the URLs.

Then the request queue, which dominates at a crawl's peak: the same N URLs as the spider's
links (``callback=parse``, ``errback=on_error``, ``meta`` via_related/depth, priority 0 or -1,
the Referer header of the list page Scrapy's RefererMiddleware adds)
pushed into the leased queue (:class:`newsportal.frontier.queue.LeasedQueue`, every key of
it), once pickled (the full form: :func:`newsportal.frontier.serialize.request_to_dict`, what
every request was stored as before) and once as queued now (the compact form), side by side,
plus the whole frontier per URL at the worst peak: every URL seen still queued, beside its
dupefilter fingerprint.

    .venv/bin/python bench/bench_frontier_memory.py [N ...]     # default 1000 10000 100000
"""

from __future__ import annotations

import pickle
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scrapy import Request, Spider
from scrapy.utils.test import get_crawler
from scrapy_redis.dupefilter import RFPDupeFilter

from newsportal.frontier.dedupe import RedisDedupeState
from newsportal.frontier.fingerprints import FingerprintSet, fingerprint, memory_usage
from newsportal.frontier.queue import Frontier, LeasedQueue
from newsportal.frontier.serialize import request_to_dict
from newsportal.spiders.jiulong import JiulongSpider
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


def measure_dedupe(server: RedisServer, n: int) -> tuple[float, float]:
    """The in-run dedupe's bytes per article: (as kept now, as it was). Now: fingerprint sets
    of identities and contents, and the (URL, page) pairs of articles not yet stored. Before:
    two Redis hashes, identity and content digest -> the kept URL."""
    client = server.client(0)
    client.flushdb()
    state = RedisDedupeState(client, "bench:dd:")
    batch: list[int] = []  # in flight until storage acknowledges a batch of 100
    for url in urls(n):
        state.claim(url, url, fingerprint(url + "#id") >> 2, fingerprint(url + "#body"))
        batch.append(state.pair(url, url))
        if len(batch) == 100:
            state.stored(batch)
            batch = []
    now = sum(structure.memory_usage() for structure in state.structures) / n
    pipe = client.pipeline(transaction=False)
    for url in urls(n):
        for name in ("k", "c"):
            pipe.hset(f"bench:old:{name}", fingerprint(url + name).to_bytes(8, "big"), url)
    pipe.execute()
    before = memory_usage(client, ["bench:old:k", "bench:old:c"]) / n
    client.flushdb()
    return now, before


class PickledQueue(LeasedQueue):
    """The queue as it was: every request stored as its pickled dict."""

    def _encode_request(self, request: Request) -> bytes:
        data = request_to_dict(request, self.spider)
        return b"p" + pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)


def links(spider: Spider, n: int) -> list[Request]:
    return [
        Request(
            url,
            callback=spider.parse,
            errback=spider.on_error,
            meta={"via_related": i % 3 == 0, "depth": 1 + i % 4},
            priority=-1 if i % 5 == 0 else 0,
            headers={"Referer": url.rsplit("/", 2)[0] + "/"},  # the section's list page
        )
        for i, url in enumerate(urls(n))
    ]


def measure_queue(server: RedisServer, n: int, queue_class: type[LeasedQueue]) -> tuple[float, ...]:
    """(payload bytes, Redis bytes per queued request, whole frontier bytes per URL)."""
    client = server.client(0)
    client.flushdb()
    spider = JiulongSpider.from_crawler(get_crawler(JiulongSpider))
    frontier = Frontier(client, "bench:fr", "worker-1")
    queue = queue_class(client, spider, frontier, lease_seconds=30, hold_priority=-100)
    seen = FingerprintSet(client, "bench:fr:df:")
    requests = links(spider, n)
    payload = sum(len(queue._encode_request(r)) for r in requests) / n
    for start in range(0, n, 1000):
        batch = requests[start : start + 1000]
        seen.add([fingerprint(r.url) for r in batch])
        for request in batch:
            queue.push(request)
    queued = memory_usage(client, frontier.structure_keys())
    whole = (queued + seen.memory_usage()) / n
    client.flushdb()
    return payload, queued / n, whole


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
            print()
            print(f"{'articles':>10}  {'in-run dedupe B/article':>23}  "
                  f"{'per seen URL: 80% / 100% articles':>34}")  # fmt: skip
            print(f"{'':>10}  {'now   URL maps':>23}  {'(dupefilter, seen-store, dedupe)':>34}")
            for n in sizes:
                dedupe, maps = measure_dedupe(server, n)
                ours = measure(server, n)[0]
                share = [ours + a * (ours + dedupe) for a in (0.8, 1.0)]
                print(f"{n:>10}  {dedupe:>11.1f} {maps:>11.1f}  "
                      f"{share[0]:>26.1f} / {share[1]:.1f}")  # fmt: skip
            verdict = "met" if share[0] <= GOAL else "MISSED"
            print(f"per seen URL at 80% articles: {share[0]:.1f} (goal <= {GOAL:.0f}: {verdict}); "
                  f"10 M such URLs ~{share[0] * 10e6 / 2**20:.0f} MiB; 100% articles: "
                  f"{share[1]:.1f}")  # fmt: skip
            print()
            print(f"{'queued':>10}  {'payload B':>17}  {'Redis B/request':>17}  "
                  f"{'frontier B/URL, all queued':>26}  {'ratio':>6}")  # fmt: skip
            print(f"{'':>10}  {'pickled  compact':>17}  {'pickled  compact':>17}  "
                  f"{'pickled  compact':>26}")  # fmt: skip
            for n in sizes:
                before = measure_queue(server, n, PickledQueue)
                after = measure_queue(server, n, LeasedQueue)
                print(f"{n:>10}  {before[0]:>8.1f} {after[0]:>8.1f}  {before[1]:>8.1f} "
                      f"{after[1]:>8.1f}  {before[2]:>17.1f} {after[2]:>8.1f}  "
                      f"{before[1] / after[1]:>5.2f}x")  # fmt: skip
            verdict = "met" if after[2] <= GOAL else "MISSED"
            print(f"whole frontier, every URL seen still queued: {after[2]:.1f} bytes per URL "
                  f"(goal <= {GOAL:.0f}: {verdict}); of a request's {after[1]:.0f} bytes, "
                  f"{after[0]:.0f} are its payload, the rest list structure")  # fmt: skip
        finally:
            server.stop()


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [1000, 10000, 100000])
