"""Stats and closing checks of a shared crawl: one verdict for the crawl, not one per worker.

The closing checks (:mod:`newsportal.ops.monitors`) judge a run by its numbers: articles seen
against the previous run, field coverage, errors, drops. A worker of a shared crawl sees only
its share: one that joined late or ran on a slow node may store three articles, and judged
alone it would fail "articles seen" on a crawl that went perfectly. So with the shared
frontier (``NEWSPORTAL_REDIS_URL``):

- every worker still writes its own stats (``NEWSPORTAL_STATS_FILE``), as without Redis;
- at close it adds its stats to the run's sum in Redis (one Lua script: counters summed, peaks
  kept, first start and last finish kept) and leaves the run's register of workers;
- the worker that leaves the register empty, the **last worker out**, runs the spidermon checks
  once, on the sum, with the crawl's baseline kept in Redis (the previous run's articles seen:
  workers may each have their own ``NEWSPORTAL_DATA_DIR``). It also keeps the sum as JSON in
  Redis (``<crawl>:mon:last``) and writes it to ``NEWSPORTAL_CRAWL_STATS_FILE`` when set.
  The crawl's ``finish_reason`` is that worker's: ``finished`` when the frontier is drained;
  workers that left early for another reason are counted in
  ``newsportal/cluster/finish_reason/<reason>``.

Workers register (a heartbeat in a sorted set, Redis's clock) when the spider opens, under the
frontier's run id, so a worker starting the next run never adds its numbers to the last one. A
worker killed with ``kill -9`` stops beating; after ``NEWSPORTAL_CRAWL_WORKER_TIMEOUT`` seconds
it no longer counts as running (``newsportal/cluster/workers_lost``): a finished worker that
finds only such silent workers left waits for them to go stale, then runs the checks itself. Its
stats are lost with it; the requests it held are not (the frontier's leases give them back).

If Redis is gone at close (reason ``frontier_lost``), the worker falls back to the checks on
its own stats, which fail on the finish reason: the alarm an operator needs.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import redis
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from spidermon.utils.field_coverage import calculate_field_coverage
from twisted.internet import task

from newsportal.exporters import IsoJSONEncoder
from newsportal.frontier.connection import crawler_redis, frontier_namespace

logger = logging.getLogger(__name__)

STAT_PREFIX = "newsportal/cluster"
# Stats that are a peak or a level, not a count: the crawl's value is the largest.
MAX_STATS = ("memusage/max", "memusage/startup", "request_depth_max")
MAX_PREFIXES = ("newsportal/frontier/memory/",)  # Redis's size, as each worker measured it
# Recomputed on the sum rather than added up.
DERIVED_PREFIXES = ("spidermon_field_coverage/", "elapsed_time_seconds", "finish_reason")
# Stats naming this worker rather than counting anything.
WORKER_STATS = ("newsportal/frontier/worker", "newsportal/frontier/run")

# KEYS[1] the run's workers (id -> last heartbeat ms), ARGV[1] worker id.
_BEAT = """
local t = redis.call('TIME')
redis.call('ZADD', KEYS[1], tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), ARGV[1])
redis.call('PEXPIRE', KEYS[1], 7 * 24 * 3600 * 1000)
return 1
"""

# KEYS[1] workers, KEYS[2] the run's sum (hash "<kind>|<stat>" -> value).
# ARGV[1] worker id, ARGV[2] ms of silence after which a worker counts as gone, then triples
# kind, stat, value (kind: i int sum, f float sum, max, min). Adds the stats (only those of a
# worker still registered: one declared gone has been left out of a verdict already), leaves
# the register, drops silent workers; returns {1, sum...} to the worker that leaves it empty
# (the sum is taken: nobody else can run the checks), else {0, workers still registered}.
_CLOSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local registered = redis.call('ZREM', KEYS[1], ARGV[1])
if registered == 0 then
  return {-1, 0}
end
for i = 3, #ARGV, 3 do
  local kind, stat, value = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local field = kind .. '|' .. stat
  if kind == 'i' then
    redis.call('HINCRBY', KEYS[2], field, value)
  elseif kind == 'f' then
    redis.call('HINCRBYFLOAT', KEYS[2], field, value)
  else
    local current = redis.call('HGET', KEYS[2], field)
    local v = tonumber(value)
    if (not current) or (kind == 'max' and v > tonumber(current))
        or (kind == 'min' and v < tonumber(current)) then
      redis.call('HSET', KEYS[2], field, value)
    end
  end
end
redis.call('HINCRBY', KEYS[2], 'i|newsportal/cluster/workers', 1)
redis.call('PEXPIRE', KEYS[2], 7 * 24 * 3600 * 1000)
local lost = redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
if lost > 0 then
  redis.call('HINCRBY', KEYS[2], 'i|newsportal/cluster/workers_lost', lost)
end
local left = redis.call('ZCARD', KEYS[1])
if left > 0 then
  return {0, left}
end
local sum = redis.call('HGETALL', KEYS[2])
redis.call('DEL', KEYS[2])
return {1, sum}
"""

# A finished worker waiting for silent workers: KEYS/ARGV as above without stats. Takes the sum
# once nobody running is left in the register.
_CLAIM = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lost = redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]))
if lost > 0 then
  redis.call('HINCRBY', KEYS[2], 'i|newsportal/cluster/workers_lost', lost)
end
local left = redis.call('ZCARD', KEYS[1])
if left > 0 or redis.call('EXISTS', KEYS[2]) == 0 then
  return {0, left}
end
local sum = redis.call('HGETALL', KEYS[2])
redis.call('DEL', KEYS[2])
return {1, sum}
"""


# --- pure: a worker's stats to the sum's fields and back ---------------------------------------


def _epoch(value: dt.datetime) -> float:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.timestamp()


def _is_level(key: str) -> bool:
    return key in MAX_STATS or key.startswith(MAX_PREFIXES)


def stat_fields(stats: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """How each of a worker's stats goes into the crawl's sum: ``(kind, stat, value)``.

    Counters are added (``i`` exactly, ``f`` as floats); peaks (:data:`MAX_STATS`) keep the
    largest; ``start_time`` the earliest and ``finish_time`` the latest (``min``/``max`` of
    epoch seconds, marked ``t:`` to come back as dates); the finish reason is counted per
    reason. Ratios and anything else that cannot be added (strings, lists) are left out.
    """
    fields: list[tuple[str, str, str]] = []
    for key, value in stats.items():
        if key in WORKER_STATS or key.startswith(DERIVED_PREFIXES):
            continue
        if isinstance(value, dt.datetime):
            kind = "min" if key == "start_time" else "max"
            fields.append((kind, f"t:{key}", repr(_epoch(value))))
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int):
            fields.append(("max" if _is_level(key) else "i", key, str(value)))
        elif isinstance(value, float):
            fields.append(("max" if _is_level(key) else "f", key, repr(value)))
    reason = stats.get("finish_reason")
    if isinstance(reason, str) and reason:
        fields.append(("i", f"{STAT_PREFIX}/finish_reason/{reason}", "1"))
    return fields


def summed_stats(fields: Mapping[str, str], finish_reason: str | None) -> dict[str, Any]:
    """The crawl's stats from the sum's hash (``"<kind>|<stat>" -> value``), as one run's
    stats look, so the checks read them unchanged: numbers, dates, the finish reason of the
    last worker out, the elapsed time from the first start to the last finish."""
    stats: dict[str, Any] = {}
    for field, raw in fields.items():
        kind, _, key = field.partition("|")
        if key.startswith("t:"):
            stats[key[2:]] = dt.datetime.fromtimestamp(float(raw), dt.UTC)
        elif kind == "i":
            stats[key] = int(raw)
        else:
            number = float(raw)
            stats[key] = int(number) if number.is_integer() and kind != "f" else number
    if finish_reason:
        stats["finish_reason"] = finish_reason
    start, finish = stats.get("start_time"), stats.get("finish_time")
    if isinstance(start, dt.datetime) and isinstance(finish, dt.datetime):
        stats["elapsed_time_seconds"] = (finish - start).total_seconds()
    stats.update(calculate_field_coverage(stats))
    return dict(sorted(stats.items()))


def _decode(pairs: list[Any]) -> dict[str, str]:
    text = [p.decode("utf-8") if isinstance(p, bytes) else str(p) for p in pairs]
    return dict(zip(text[::2], text[1::2], strict=True))


# --- Redis side -----------------------------------------------------------------------------


class CrawlStats:
    """A run's register of workers and its stats sum in Redis, for one worker."""

    def __init__(self, client: redis.Redis, namespace: str, run: str, worker: str) -> None:
        self.client = client
        self.namespace = namespace
        self.run = run
        self.worker = worker
        self.workers_key = f"{namespace}:mon:{run}:w"
        self.sum_key = f"{namespace}:mon:{run}:sum"
        self.baseline_key = f"{namespace}:mon:baseline"
        self.last_key = f"{namespace}:mon:last"
        self._beat = client.register_script(_BEAT)
        self._close = client.register_script(_CLOSE)
        self._claim = client.register_script(_CLAIM)

    def beat(self) -> None:
        self._beat(keys=[self.workers_key], args=[self.worker])

    def leave(self, stats: Mapping[str, Any], timeout: float) -> tuple[str, dict[str, str] | int]:
        """Adds this worker's stats and leaves: ``("last", sum)`` to the last worker out,
        ``("others", n)`` while n workers are still registered, ``("late", 0)`` for a worker
        that had been given up for dead (its stats came too late for the verdict)."""
        args: list[Any] = [self.worker, round(timeout * 1000)]
        for triple in stat_fields(stats):
            args.extend(triple)
        state, value = self._close(keys=[self.workers_key, self.sum_key], args=args)
        if state == 1:
            return "last", _decode(value)
        return ("others", int(value)) if state == 0 else ("late", 0)

    def claim(self, timeout: float) -> tuple[bool, dict[str, str] | int]:
        taken, value = self._claim(
            keys=[self.workers_key, self.sum_key], args=[round(timeout * 1000)]
        )
        return (True, _decode(value)) if taken == 1 else (False, int(value))

    def previous_seen(self) -> int | None:
        raw = self.client.get(self.baseline_key)
        try:
            return int(json.loads(raw)["articles_seen"]) if raw else None
        except (ValueError, KeyError, TypeError):
            logger.warning("Ignoring an unreadable crawl baseline in %s", self.baseline_key)
            return None

    def record_seen(self, spider_name: str, seen: int) -> None:
        record = {
            "spider": spider_name,
            "articles_seen": seen,
            "recorded_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "run": self.run,
        }
        try:
            self.client.set(self.baseline_key, json.dumps(record))
        except (redis.RedisError, OSError) as exc:
            logger.error("Could not record the crawl's baseline in Redis: %s", exc)

    def keep_last(self, stats: Mapping[str, Any]) -> None:
        self.client.set(self.last_key, IsoJSONEncoder(ensure_ascii=False).encode(stats))


# --- the extension and the monitors' scope --------------------------------------------------


def crawl_scope(crawler: Crawler) -> Mapping[str, Any] | None:
    """``NEWSPORTAL_MONITOR_SCOPE`` (:func:`newsportal.ops.monitors.judged_stats`): the stats
    the closing checks judge. The whole crawl's sum on the last worker out, None on the others
    (they skip the checks), this worker's own stats without a shared crawl."""
    extension = getattr(crawler, "_newsportal_crawl_stats", None)
    if extension is None:
        return crawler.stats.get_stats()
    return extension.judge()


class SharedCrawlStats:
    """Extension: registers the worker in its run at spider open, beats while it runs, and at
    close adds its stats to the crawl's sum (module docstring). Off without
    ``NEWSPORTAL_REDIS_URL``. Ordered after Spidermon (500), which asks it for the stats to
    judge (:func:`crawl_scope`), and before the stats file (900), which then shows the verdict."""

    def __init__(self, crawler: Crawler, timeout: float, crawl_stats_file: str) -> None:
        self.crawler = crawler
        self.timeout = timeout
        self.crawl_stats_file = crawl_stats_file
        self.shared: CrawlStats | None = None
        self._heartbeat: task.LoopingCall | None = None
        self._judged = False
        self._verdict: dict[str, Any] | None = None  # the crawl's stats, on the last worker out

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedCrawlStats:
        if not crawler.settings.get("NEWSPORTAL_REDIS_URL"):
            raise NotConfigured
        extension = cls(
            crawler,
            timeout=crawler.settings.getfloat("NEWSPORTAL_CRAWL_WORKER_TIMEOUT", 20.0),
            crawl_stats_file=crawler.settings.get("NEWSPORTAL_CRAWL_STATS_FILE") or "",
        )
        crawler._newsportal_crawl_stats = extension
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        stats = self.crawler.stats
        run = stats.get_value("newsportal/frontier/run")
        worker = stats.get_value("newsportal/frontier/worker")
        if run is None or worker is None:
            logger.warning("No shared frontier run found: closing checks judge this worker alone")
            return
        try:
            shared = CrawlStats(
                crawler_redis(self.crawler),
                frontier_namespace(spider, self.crawler.settings),
                str(run),
                str(worker),
            )
            shared.beat()
        except (redis.RedisError, OSError, SystemExit) as exc:
            logger.warning("Crawl stats register unreachable (%s): checks judge this worker", exc)
            return
        self.shared = shared
        self._heartbeat = task.LoopingCall(self._beat)
        self._heartbeat.start(max(0.2, self.timeout / 4), now=False)

    def _beat(self) -> None:
        try:
            self.shared.beat()
        except (redis.RedisError, OSError) as exc:
            logger.debug("Crawl stats heartbeat failed: %s", exc)

    def judge(self) -> Mapping[str, Any] | None:
        """Adds this worker's stats to the crawl's, once; see :func:`crawl_scope`."""
        if self._judged:
            return self._verdict if self.shared is not None else self.crawler.stats.get_stats()
        self._judged = True
        if self._heartbeat is not None and self._heartbeat.running:
            self._heartbeat.stop()
        stats = self.crawler.stats
        scheduler = getattr(self.crawler.engine, "scheduler", None)
        if self.shared is not None and getattr(scheduler, "lost", False):
            logger.warning(
                "Redis was lost: the closing checks judge this worker's own stats, and its "
                "numbers are missing from the crawl's sum"
            )
            self.shared = None
        if self.shared is None:
            return stats.get_stats()
        reason = stats.get_value("finish_reason")
        try:
            outcome, value = self.shared.leave(stats.get_stats(), self.timeout)
            if outcome == "others" and reason == "finished":
                outcome, value = self._wait_for_silent_workers(value)
        except (redis.RedisError, OSError) as exc:
            logger.warning(
                "Redis unreachable at close (%s): the closing checks judge this worker's own "
                "stats, and its numbers are missing from the crawl's sum",
                exc,
            )
            self.shared = None
            return stats.get_stats()
        if outcome == "last":
            self._verdict = summed_stats(value, reason)
            stats.set_value(f"{STAT_PREFIX}/checks_run", 1)
            self.crawler.newsportal_crawl_baseline = self.shared
            logger.info(
                "Shared crawl: last worker out, judging the stats of %s worker(s)",
                self._verdict.get(f"{STAT_PREFIX}/workers"),
            )
            return self._verdict
        stats.set_value(f"{STAT_PREFIX}/checks_run", 0)
        if outcome == "late":
            logger.warning(
                "This worker was silent for over %.0f s and counted as gone: the crawl was "
                "judged without its stats (they are in its own stats file)",
                self.timeout,
            )
        elif outcome == "judged":
            logger.info("Shared crawl: another worker judged the crawl on the sum")
        else:
            logger.info(
                "Shared crawl: this worker's stats are added to the crawl's; %s other "
                "worker(s) still running, the last one out judges the crawl",
                value,
            )
        return None

    def _wait_for_silent_workers(self, left: int) -> tuple[str, Any]:
        """This worker finished (the frontier is drained), others are still registered: they
        are closing too, or dead. Wait for them to leave or go stale, then take the sum if
        nobody else did. Blocking on purpose: the spider is closing, nothing else runs, and the
        extensions after this one (the stats file) must see the verdict."""
        deadline = time.monotonic() + self.timeout + 2
        while time.monotonic() < deadline:
            time.sleep(min(1.0, self.timeout / 4))
            taken, value = self.shared.claim(self.timeout)
            if taken:
                return "last", value
            if not value:  # nobody registered, and the sum gone: another worker took it
                return "judged", 0
            left = value
        return "others", left

    def spider_closed(self, spider: Spider) -> None:
        self.judge()  # when the checks are off, the sum and the crawl's stats file still count
        if self._verdict is None:
            return
        crawl_stats = self._verdict
        # The verdict, as the checks set it on this worker, belongs to the crawl's stats too.
        for key, value in self.crawler.stats.get_stats().items():
            if key.startswith("newsportal/monitor/"):
                crawl_stats[key] = value
        try:
            self.shared.keep_last(crawl_stats)
        except (redis.RedisError, OSError) as exc:
            logger.warning("Could not keep the crawl's stats in Redis: %s", exc)
        if self.crawl_stats_file:
            target = Path(self.crawl_stats_file % {"name": spider.name})
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(
                IsoJSONEncoder(ensure_ascii=False, indent=1).encode(crawl_stats), "utf-8"
            )
            logger.info("Crawl stats (all workers) written to %s", target)
