"""Politeness holds across workers: per-host concurrency and delay are shared through Redis.

Real parts only: a redis-server on a free loopback port, the replica server (which counts the
requests it is answering at once, per host) and ``scrapy crawl`` worker processes.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from redis import asyncio as aioredis

from newsportal.frontier.politeness import HostLimiter
from tests.cluster_workers import start_workers, wait_workers
from tests.replica.server import ReplicaServer
from tests.replica.site import build_site

pytest_plugins = ["tests.redis_fixtures"]

ROOT = Path(__file__).resolve().parent.parent
HOST = "news.example.test"


def limiter(url: str, *, limit: int = 2, delay: float = 0.0, lease: float = 30.0) -> HostLimiter:
    return HostLimiter(aioredis.Redis.from_url(url), limit=limit, delay=delay, lease=lease)


async def take_all(limiter_: HostLimiter, host: str, tokens: list[str]) -> list[bool]:
    return [(await limiter_.try_acquire(host, token))[0] for token in tokens]


# --- the limiter, two workers in one test process (each its own Redis connection) ---------------


def test_concurrency_limit_is_shared_by_workers(redis_url):
    async def scenario():
        a, b = limiter(redis_url), limiter(redis_url)
        assert await take_all(a, HOST, ["a1", "a2"]) == [True, True]
        # Worker b has no request out, yet the host has its two: b must wait.
        assert await take_all(b, HOST, ["b1"]) == [False]
        assert await take_all(b, "other.example.test", ["b2"]) == [True]  # another host: free
        await a.release(HOST, "a1")
        assert await take_all(b, HOST, ["b1", "b3"]) == [True, False]

    asyncio.run(scenario())


def test_delay_is_shared_by_workers(redis_url):
    async def scenario():
        a, b = limiter(redis_url, delay=5.0), limiter(redis_url, delay=5.0)
        assert (await a.try_acquire(HOST, "a1"))[0]
        await a.release(HOST, "a1")
        # The slot is free, but the host saw a request less than 5 s ago, from another worker.
        taken, wait = await b.try_acquire(HOST, "b1")
        assert not taken
        assert 0 < wait <= 5.0

    asyncio.run(scenario())


def test_killed_worker_gives_its_slots_back_after_the_lease(redis_url):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import asyncio, sys, time\n"
            "from redis import asyncio as aioredis\n"
            "from newsportal.frontier.politeness import HostLimiter\n"
            "async def main():\n"
            "    lim = HostLimiter(aioredis.Redis.from_url(sys.argv[1]), 2, 0.0, 1.0)\n"
            "    for t in ('k1', 'k2'):\n"
            "        assert (await lim.try_acquire(sys.argv[2], t))[0]\n"
            "asyncio.run(main())\n"
            "print('held', flush=True)\n"
            "time.sleep(600)\n",
            redis_url,
            HOST,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        os.kill(holder.pid, signal.SIGKILL)
    finally:
        holder.kill()
        holder.wait()

    async def scenario():
        other = limiter(redis_url)
        assert not (await other.try_acquire(HOST, "o1"))[0]  # the dead worker's slots, still live
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if (await other.try_acquire(HOST, "o1"))[0]:
                return True
            await asyncio.sleep(0.1)
        return False

    assert asyncio.run(scenario()), "the killed worker's slots were never freed"


def test_a_live_worker_keeps_its_slot_by_renewing_it(redis_url):
    async def scenario():
        a, b = limiter(redis_url, limit=1, lease=1.0), limiter(redis_url, limit=1)
        assert (await a.try_acquire(HOST, "a1"))[0]
        for _ in range(3):  # 1.8 s: well past the 1 s lease, renewed on the way
            await asyncio.sleep(0.6)
            await a.renew(HOST, ["a1"])
        assert not (await b.try_acquire(HOST, "b1"))[0]

    asyncio.run(scenario())


# --- whole crawls: three worker processes against one replica ----------------------------------


@pytest.fixture(scope="module")
def slow_replica(tmp_path_factory):
    """A small portal whose every answer takes 50 ms, so requests overlap as on a network."""
    root = tmp_path_factory.mktemp("polite-replica")
    build_site(root, articles=40)
    patch = pytest.MonkeyPatch()
    patch.setenv("REPLICA_SLOW_SECONDS", "0")  # no request outlives its client's timeout
    with ReplicaServer(root, latency=0.05) as server:
        yield server
    patch.undo()


def crawl_with_workers(server, tmp_path, redis_url, *args, n=3, **settings):
    server.reset_log()
    env = {
        "NEWSPORTAL_REDIS_URL": redis_url,
        "NEWSPORTAL_CONCURRENT_REQUESTS_PER_DOMAIN": "2",
        "NEWSPORTAL_DOWNLOAD_TIMEOUT": "30",
        **settings,
    }
    workers = wait_workers(start_workers(server, tmp_path, n, *args, env=env))
    assert [w.returncode for w in workers] == [0] * n, [w.stderr[-2000:] for w in workers]
    return workers


def test_three_workers_never_exceed_the_per_host_limit(slow_replica, tmp_path, redis_url):
    workers = crawl_with_workers(slow_replica, tmp_path, redis_url)
    peaks = slow_replica.max_in_flight
    assert peaks, "the workers made no request"
    assert max(peaks.values()) <= 2, peaks
    assert max(peaks.values()) == 2, peaks  # the limit was reached: the workers did compete
    assert sum(w.stats.get("downloader/request_count", 0) for w in workers) > 30


def test_without_the_shared_limiter_three_workers_hit_three_times_harder(
    slow_replica, tmp_path, redis_url
):
    """The control: the same crawl, each worker polite only on its own, overloads the host."""
    crawl_with_workers(slow_replica, tmp_path, redis_url, NEWSPORTAL_SHARED_POLITENESS="false")
    assert max(slow_replica.max_in_flight.values()) > 2, slow_replica.max_in_flight


def test_three_workers_keep_the_delay_between_requests_to_a_host(slow_replica, tmp_path, redis_url):
    delay = 0.3
    crawl_with_workers(
        slow_replica,
        tmp_path,
        redis_url,
        "-s",
        "CLOSESPIDER_PAGECOUNT=8",  # a short crawl: each worker stops after 8 pages ...
        NEWSPORTAL_DOWNLOAD_DELAY=str(delay),
        NEWSPORTAL_MONITOR_ENABLED="false",  # ... which the closing checks would call a failure
    )
    arrivals = {host: sorted(times) for host, times in slow_replica.arrivals.items()}
    busiest = max(arrivals.values(), key=len)
    assert len(busiest) >= 10, arrivals
    for host, times in arrivals.items():
        # One start per 0.3 s for the whole crawl: n requests span at least (n - 1) delays.
        # Each worker alone would keep its own 0.3 s, three together a third of it. A busy
        # event loop may send a granted request a little late: 0.2 s of slack, once.
        span = times[-1] - times[0]
        assert span >= (len(times) - 1) * delay - 0.2, (host, len(times), span)
