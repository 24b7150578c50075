"""A shared crawl is judged once, on the sum of its workers' stats, by the last worker out.

Real parts: redis-server (tests/redis_fixtures.py), the replica, ``scrapy crawl`` workers.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time

import pytest
import redis

from newsportal.frontier.stats import CrawlStats, stat_fields, summed_stats
from tests.cluster_workers import start_workers, wait_workers
from tests.replica.server import ReplicaServer
from tests.replica.site import build_site

pytest_plugins = ["tests.redis_fixtures"]

T0 = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)


def worker_stats(articles: int, start_s: float, finish_s: float, reason: str, **extra):
    return {
        "item_scraped_count": articles,
        "downloader/request_count": articles + 5,
        "downloader/response_bytes": 1000 * articles,
        "memusage/max": 100 + articles,
        "start_time": T0 + dt.timedelta(seconds=start_s),
        "finish_time": T0 + dt.timedelta(seconds=finish_s),
        "finish_reason": reason,
        "newsportal/frontier/worker": f"w{articles}",
        "spidermon_field_coverage/dict/title": 1.0,
        **extra,
    }


# --- pure ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stats", "expected"),
    [
        ({"item_scraped_count": 3}, [("i", "item_scraped_count", "3")]),
        ({"elapsed_time_seconds": 2.5}, []),  # recomputed on the sum
        ({"memusage/max": 7}, [("max", "memusage/max", "7")]),
        ({"x/seconds": 0.25}, [("f", "x/seconds", "0.25")]),
        ({"newsportal/frontier/run": 4}, []),  # names the worker's run, counts nothing
        ({"spidermon_field_coverage/dict/body": 0.5}, []),  # a ratio: recomputed
        ({"start_time": T0}, [("min", "t:start_time", repr(T0.timestamp()))]),
        ({"finish_time": T0}, [("max", "t:finish_time", repr(T0.timestamp()))]),
        (
            {"finish_reason": "shutdown"},
            [("i", "newsportal/cluster/finish_reason/shutdown", "1")],
        ),
        ({"some/label": "text", "flag": True}, []),
    ],
)
def test_how_each_stat_goes_into_the_sum(stats, expected):
    assert stat_fields(stats) == expected


# --- the register and the sum in Redis -----------------------------------------------------------


def crawl_stats(url: str, worker: str, run: str = "1") -> CrawlStats:
    return CrawlStats(redis.Redis.from_url(url), "newsportal:t:t:00", run, worker)


def test_last_worker_out_gets_the_sum_of_all(redis_url):
    a, b, c = (crawl_stats(redis_url, name) for name in "abc")
    for worker in (a, b, c):
        worker.beat()
    assert a.leave(worker_stats(3, 0, 50, "finished"), timeout=60) == ("others", 2)
    assert b.leave(worker_stats(40, 2, 60, "shutdown"), timeout=60) == ("others", 1)
    outcome, fields = c.leave(worker_stats(57, 1, 55, "finished"), timeout=60)
    assert outcome == "last"
    crawl = summed_stats(fields, "finished")
    assert crawl["item_scraped_count"] == 100
    assert crawl["downloader/response_bytes"] == 100_000
    assert crawl["memusage/max"] == 157  # a peak, not a sum
    assert crawl["start_time"] == T0  # the first start ...
    assert crawl["finish_time"] == T0 + dt.timedelta(seconds=60)  # ... to the last finish
    assert crawl["elapsed_time_seconds"] == 60
    assert crawl["finish_reason"] == "finished"  # the last worker out's
    assert crawl["newsportal/cluster/workers"] == 3
    assert crawl["newsportal/cluster/finish_reason/shutdown"] == 1
    assert crawl["newsportal/cluster/finish_reason/finished"] == 2
    # The sum was taken: the next run starts from nothing.
    assert not redis.Redis.from_url(redis_url).exists(c.sum_key)


def test_runs_are_summed_apart(redis_url):
    old, new = crawl_stats(redis_url, "a", run="1"), crawl_stats(redis_url, "b", run="2")
    old.beat()
    new.beat()
    outcome, fields = new.leave(worker_stats(5, 0, 1, "finished"), timeout=60)
    assert outcome == "last"  # the worker still in run 1 does not hold run 2's verdict back
    assert summed_stats(fields, "finished")["item_scraped_count"] == 5


def test_a_killed_worker_does_not_hold_the_verdict_back(redis_url):
    alive, killed = crawl_stats(redis_url, "alive"), crawl_stats(redis_url, "killed")
    killed.beat()  # ... then kill -9: no more heartbeats, never leaves
    alive.beat()
    assert alive.leave(worker_stats(9, 0, 1, "finished"), timeout=1.0) == ("others", 1)
    time.sleep(1.2)
    taken, fields = alive.claim(timeout=1.0)
    assert taken
    crawl = summed_stats(fields, "finished")
    assert crawl["newsportal/cluster/workers_lost"] == 1
    assert crawl["item_scraped_count"] == 9
    # Had it only been slow, its stats come too late: no second verdict.
    assert killed.leave(worker_stats(1, 0, 2, "finished"), timeout=1.0) == ("late", 0)


def test_baseline_is_kept_in_redis_for_the_whole_crawl(redis_url):
    first, later = crawl_stats(redis_url, "a", run="1"), crawl_stats(redis_url, "b", run="2")
    assert first.previous_seen() is None
    first.record_seen("jiulong", 180)
    assert later.previous_seen() == 180


# --- whole crawls ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    root = tmp_path_factory.mktemp("monitor-replica")
    build_site(root, articles=40)
    patch = pytest.MonkeyPatch()
    patch.setenv("REPLICA_SLOW_SECONDS", "0")
    with ReplicaServer(root, latency=0.02) as server:
        yield server
    patch.undo()


def shared_crawl(server, tmp_path, redis_url, name):
    crawl_file = tmp_path / f"{name}-crawl.json"
    env = {
        "NEWSPORTAL_REDIS_URL": redis_url,
        "NEWSPORTAL_CRAWL_STATS_FILE": str(crawl_file),
        "NEWSPORTAL_CONCURRENT_REQUESTS_PER_DOMAIN": "2",
    }
    workers = wait_workers(start_workers(server, tmp_path / name, 3, env=env))
    assert [w.returncode for w in workers] == [0, 0, 0], [
        [line for line in w.stderr.splitlines() if "ERROR" in line or "FAILED" in line]
        for w in workers
    ]
    return workers, json.loads(crawl_file.read_text("utf-8"))


def test_a_shared_crawl_is_judged_once_on_its_sum(portal, tmp_path, redis_url):
    first, first_crawl = shared_crawl(portal, tmp_path, redis_url, "first")
    second, crawl = shared_crawl(portal, tmp_path, redis_url, "second")

    for workers, summed in ((first, first_crawl), (second, crawl)):
        # Every worker wrote its own stats; exactly one ran the checks, on everyone's numbers.
        assert all(w.stats for w in workers)
        assert sorted(w.stats.get("newsportal/cluster/checks_run") for w in workers) == [0, 0, 1]
        assert summed["newsportal/cluster/workers"] == 3
        assert summed["item_scraped_count"] == sum(
            w.stats.get("item_scraped_count", 0) for w in workers
        )
        assert summed["newsportal/monitor/failed"] == 0, [w.stderr[-3000:] for w in workers]
        for worker in workers:
            assert not re.search(r"Monitor check \S+ FAILED", worker.stderr)

    # The second run had the first as its baseline; judged alone, its smallest worker (at most
    # a third of the crawl) would have failed "articles seen" (less than half the previous run).
    previous = first_crawl["item_scraped_count"]
    smallest = min(
        w.stats.get("item_scraped_count", 0) + w.stats.get("deltafetch/skipped_articles", 0)
        for w in second
    )
    assert smallest < 0.5 * previous
    # The crawl's baseline lives in Redis, not in any worker's data directory.
    baseline = redis.Redis.from_url(redis_url).get(f"{namespace(first)}:mon:baseline")
    seen = crawl["item_scraped_count"] + crawl.get("deltafetch/skipped_articles", 0)
    assert json.loads(baseline)["articles_seen"] == seen


def namespace(workers) -> str:
    """The crawl's key prefix, as the frontier logged it."""
    for line in workers[0].stderr.splitlines():
        if "Shared frontier at" in line:
            return line.split(", crawl ", 1)[1].split(",", 1)[0]
    raise AssertionError("no shared frontier line in the log")
