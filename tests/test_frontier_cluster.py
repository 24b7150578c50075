"""One crawl split over several ``scrapy crawl jiulong`` workers through a real redis-server.

Real parts only: redis-server (tests/redis_fixtures.py), the MongoDB wire server
(tests/mongo_fixtures.py), the replica with a per-request latency, and worker subprocesses
started as an operator would (tests/cluster_workers.py).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from urllib.parse import urlsplit

import pytest
import redis

from tests.cluster_workers import start_workers, wait_workers
from tests.crawling import FAST_SETTINGS, ROOT, assert_refused_at_start
from tests.mongo_fixtures import TcpRelay
from tests.replica.server import ReplicaServer
from tests.replica.site import build_site

pytest_plugins = ["tests.redis_fixtures", "tests.mongo_fixtures"]

WAIT = 240.0
LATENCY = 0.03  # seconds per request: a network, not this machine's CPU, sets the pace


@pytest.fixture(scope="module")
def slow_replica(tmp_path_factory):
    root = tmp_path_factory.mktemp("replica-latency")
    truth = build_site(root)
    with ReplicaServer(root, latency=LATENCY) as server:
        yield server, truth


def article_urls(truth) -> set[str]:
    return {article["url"] for article in truth["articles"]}


def worker_env(redis_url: str, mongo_server, database: str, **extra: str) -> dict[str, str]:
    return {
        "NEWSPORTAL_REDIS_URL": redis_url,
        "MONGO_URI": mongo_server.uri,
        "MONGO_DATABASE": database,
        "MONGO_MAX_DELAY": "0.5",
        "MONGO_BATCH_SIZE": "10",
        "NEWSPORTAL_FEED": "",
        "NEWSPORTAL_CONCURRENT_REQUESTS_PER_DOMAIN": "6",
        "NEWSPORTAL_FRONTIER_LEASE": "10",
        # The replica times out on purpose, and a loaded test machine adds a few timeouts of its
        # own: the frontier is under test here, not the portal's health.
        "NEWSPORTAL_MONITOR_MAX_DOWNLOAD_ERROR_RATIO": "0.3",
        **extra,
    }


def stored_ids(mongo_server, database: str) -> list[str]:
    client = mongo_server.client()
    try:
        return [doc["_id"] for doc in client[database].articles.find({}, {"_id": 1})]
    finally:
        client.close()


def frontier_keys(url: str) -> list[str]:
    return sorted(k.decode() for k in redis.Redis.from_url(url).keys("newsportal:jiulong:*"))


def requested_articles(server, truth) -> list[str]:
    wanted = article_urls(truth)
    return [url for _, url, _ in server.requests if url in wanted]


def test_three_workers_split_one_crawl_store_each_article_once_and_rerun_incrementally(
    slow_replica, tmp_path, redis_url, mongo_server, mongo_database
):
    server, truth = slow_replica
    env = worker_env(redis_url, mongo_server, mongo_database)
    server.reset_log()
    workers = wait_workers(start_workers(server, tmp_path / "first", 3, env=env), timeout=WAIT)

    for worker in workers:
        assert worker.returncode == 0, error_lines(worker.stderr)
        assert worker.stats["finish_reason"] == "finished", worker.stderr[-3000:]
        assert "Traceback" not in worker.stderr
    # Every article stored exactly once, none missing: ids are unique in MongoDB, and no
    # article page was downloaded twice by the workers together.
    ids = stored_ids(mongo_server, mongo_database)
    assert sorted(ids) == sorted(article_urls(truth))
    downloads = requested_articles(server, truth)
    assert set(downloads) == article_urls(truth)
    # A page is downloaded twice only when a download was retried or a lease expired.
    again = sum(
        w.stats.get(name, 0)
        for w in workers
        for name in ("retry/count", "newsportal/frontier/requeued_expired")
    )
    assert len(downloads) - len(set(downloads)) <= again
    # Each worker did a real share of the work, and only one seeded the crawl.
    shares = [w.stats.get("newsportal/mongo/inserted", 0) for w in workers]
    assert sum(shares) == len(truth["articles"])
    assert min(shares) >= len(truth["articles"]) // 10, shares
    seeders = [w for w in workers if "this worker" in w.stderr and "seeds it" in w.stderr]
    joiners = [w for w in workers if "Joining a run another worker seeded" in w.stderr]
    assert (len(seeders), len(joiners)) == (1, 2)
    assert all(w.stats.get("scheduler/dequeued/redis", 0) > 10 for w in workers)
    # The run is over: its queue, leases and dupefilter are gone; the seen-store stays.
    keys = frontier_keys(redis_url)
    run_keys = re.compile(r":(q|l|held|p|busy|run|q:.*|held:.*|df:.*|dd:.*)$")
    assert not [k for k in keys if run_keys.search(k)], keys
    assert any(":seen:" in k for k in keys)
    memory = [w.stats.get("newsportal/frontier/memory/bytes_per_url") for w in workers]
    assert [m for m in memory if m] != []  # the worker that ended the run printed it

    # A later run of the same crawl: list pages are fetched again, stored articles are not.
    server.reset_log()
    rerun = wait_workers(
        start_workers(server, tmp_path / "rerun", 2, env=env, first=3), timeout=WAIT
    )
    for worker in rerun:
        assert worker.returncode == 0, worker.stderr[-3000:]
    fetched = [url for _, url, _ in server.requests]
    assert "http://news.jiulongw.cn/" in fetched
    assert sum(1 for url in fetched if urlsplit(url).path.startswith(("/china/", "/yunnan/")))
    assert requested_articles(server, truth) == []
    assert sum(w.stats.get("deltafetch/skipped", 0) for w in rerun) >= len(truth["articles"])
    assert sum(w.stats.get("newsportal/mongo/inserted", 0) for w in rerun) == 0
    assert sorted(stored_ids(mongo_server, mongo_database)) == sorted(article_urls(truth))


def error_lines(log: str) -> list[str]:
    return [line for line in log.splitlines() if " ERROR: " in line]


def crashes(log: str) -> list[str]:
    """Tracebacks in a worker's log, but for Spidermon's report of a failed closing check."""
    blocks = log.split("Traceback (most recent call last):")[1:]
    return [block[:500] for block in blocks if "/ops/monitors.py" not in block[:300]]


def _leases_of(url: str, pid: int) -> int:
    client = redis.Redis.from_url(url)
    owners = [v.decode() for k in client.keys("newsportal:jiulong:*:o") for v in client.hvals(k)]
    return sum(1 for owner in owners if f":{pid}:" in owner)


def test_kill_9_of_one_worker_mid_crawl_loses_nothing(
    slow_replica, tmp_path, redis_url, mongo_server, mongo_database
):
    server, truth = slow_replica
    env = worker_env(
        redis_url,
        mongo_server,
        mongo_database,
        NEWSPORTAL_CONCURRENT_REQUESTS_PER_DOMAIN="3",
        NEWSPORTAL_FRONTIER_LEASE="3",
        MONGO_MAX_DELAY="8",  # the victim's scraped but unwritten articles die with it
        MONGO_BATCH_SIZE="1000",
    )
    workers = start_workers(server, tmp_path, 3, env=env)
    victim = workers[0]
    deadline = time.monotonic() + WAIT
    # Kill it once it holds leases and has done a share of the crawl.
    while _leases_of(redis_url, victim.process.pid) < 2 or len(server.requests) < 120:
        assert victim.process.poll() is None, "the worker ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    os.kill(victim.process.pid, signal.SIGKILL)
    survivors = wait_workers(workers[1:], timeout=WAIT)
    victim.process.wait()

    for worker in survivors:
        assert worker.returncode == 0, worker.stderr[-3000:]
        assert worker.stats["finish_reason"] == "finished"
    # Its leases came back to the queue once expired, and the others did that work.
    assert sum(w.stats.get("newsportal/frontier/requeued_expired", 0) for w in survivors) >= 1
    assert sorted(stored_ids(mongo_server, mongo_database)) == sorted(article_urls(truth))


def test_redis_down_at_start_is_one_clear_error_and_exit_1(tmp_path, closed_redis_url):
    secret = tmp_path / "redis-url"
    secret.write_text(closed_redis_url + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    process = subprocess.run(
        # The URL as a file (a secret on a scrapyd host), the timeout with -s.
        [sys.executable, "-m", "scrapy", "crawl", "jiulong", "-s", "NEWSPORTAL_REDIS_TIMEOUT=1"],
        cwd=ROOT,
        env={
            **env,
            **FAST_SETTINGS,
            "NEWSPORTAL_REDIS_URL_FILE": str(secret),
            "NEWSPORTAL_DATA_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=WAIT,
        check=False,
    )
    assert_refused_at_start(
        process, "Redis is unreachable at redis://:***@127.0.0.1:", "S3cret-redis-pw"
    )


def test_redis_lost_mid_crawl_stops_workers_cleanly_and_a_rerun_resumes(
    slow_replica, tmp_path, redis_server, mongo_server, mongo_database
):
    server, truth = slow_replica
    db = 60
    redis_server.client(db).flushdb()
    relay = TcpRelay(("127.0.0.1", redis_server.port))
    relay.start()
    url = f"redis://127.0.0.1:{relay.port}/{db}"
    env = worker_env(url, mongo_server, mongo_database, NEWSPORTAL_REDIS_TIMEOUT="1")
    env["NEWSPORTAL_SHARED_POLITENESS"] = "0"  # the frontier's outage, not the limiter's
    workers = start_workers(server, tmp_path / "cut", 2, env=env)
    deadline = time.monotonic() + WAIT
    while len(stored_ids(mongo_server, mongo_database)) < 40:
        assert all(w.process.poll() is None for w in workers), "ended before the outage"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    relay.stop()  # Redis is gone, as the workers see it
    cut = wait_workers(workers, timeout=WAIT)
    for worker in cut:
        assert worker.stats["finish_reason"] == "frontier_lost", worker.stderr[-3000:]
        assert worker.returncode == 1  # the run did not do its job: cron and scrapyd see it
        assert crashes(worker.stderr) == [], worker.stderr[-3000:]
        lost = [line for line in worker.stderr.splitlines() if "Redis at" in line]
        assert len(lost) == 1 and "was lost" in lost[0]
    assert len(stored_ids(mongo_server, mongo_database)) < len(truth["articles"])

    relay.start()  # back, with the unfinished run still in it
    rerun = wait_workers(start_workers(server, tmp_path / "rerun", 1, env=env), timeout=WAIT)
    assert rerun[0].returncode == 0, error_lines(rerun[0].stderr)
    assert "joins it" in rerun[0].stderr  # the interrupted run, resumed
    assert sorted(stored_ids(mongo_server, mongo_database)) == sorted(article_urls(truth))
    relay.stop()
    redis_server.client(db).flushdb()


def test_portal_spider_workers_share_a_crawl_too(slow_replica, tmp_path, redis_url):
    server, truth = slow_replica
    env = {
        "NEWSPORTAL_REDIS_URL": redis_url,
        "NEWSPORTAL_FRONTIER_LEASE": "10",
        "NEWSPORTAL_MONITOR_MAX_DOWNLOAD_ERROR_RATIO": "0.3",  # see worker_env
    }
    workers = wait_workers(
        start_workers(
            server, tmp_path, 2, "-a", "url=http://news.jiulongw.cn/", env=env, spider="portal"
        ),
        timeout=WAIT,
    )
    for worker in workers:
        assert worker.returncode == 0, error_lines(worker.stderr)
        assert "crawl newsportal:portal:jiulongw:" in worker.stderr
        assert worker.items, "a worker did no share"
    urls = [item["url"] for worker in workers for item in worker.items]
    assert sorted(urls) == sorted(article_urls(truth))  # each article once, in one feed
