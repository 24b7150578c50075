"""FrontierScheduler: Scrapy's scheduler replaced by the shared, leased frontier in Redis.

What each worker does:

* **join** (``open``): the first worker of a run creates it and seeds it with the spider's
  ``start()`` requests (it holds a ``seed:`` lease meanwhile, so nobody sees the run empty and
  leaves); the others join the run and skip ``start()``. A run left unfinished (all workers
  killed, Redis lost) is resumed: its queue and leases are still there.
* **enqueue**: the run's dupefilter (:mod:`.dupefilter`) and the serialized request into the
  queue, in one atomic step (requests of priority <= ``NEWSPORTAL_FRONTIER_HOLD_PRIORITY``,
  the held-back off-scheme articles, into the held queue, leased only when no other work is
  left anywhere).
* **lease** (``next_request``): one request at a time, as the engine has room for it, so a
  worker never sits on work others could do.
* **settle / ack**: when the engine is done with a request (:mod:`.engine`) its new requests
  are queued: it is *settled*; once its items are stored too (:mod:`.leases`), it is *acked* and
  leaves the lease table. A lease that is neither is renewed every third of
  ``NEWSPORTAL_FRONTIER_LEASE`` (heartbeat); if the worker dies, any other worker moves it back
  to the queue once it expires.
* **finish**: when the worker is idle it asks whether the run is drained -- nothing queued,
  held or leased by any worker. Not drained: it waits (``DontCloseSpider``) and polls; drained:
  it closes with reason ``finished`` and exit code 0; the first worker to see it ends the run
  (deletes its dupefilter and in-run dedupe, prints Redis bytes per URL).
* **keep**: work the spider keeps in memory for its next idle moment (second addresses whose
  static twin may still turn up) holds a ``keep:`` lease on no request until it is queued, so
  no worker ends the run in between (:meth:`FrontierScheduler.keep_for_idle`).

Redis lost mid-crawl: one ERROR, the worker stops (reason ``frontier_lost``) and acks nothing
more: its leases stay in Redis and come back to the queue once expired, so a rerun resumes.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import secrets
import socket
import time
from dataclasses import dataclass, field
from typing import Any

import redis
from scrapy import Request, Spider, signals
from scrapy.core.scheduler import BaseScheduler
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task

from newsportal.frontier.connection import (
    crawler_redis,
    frontier_namespace,
    redact_redis_url,
)
from newsportal.frontier.dedupe import RedisDedupeState
from newsportal.frontier.dupefilter import RedisDupeFilter
from newsportal.frontier.engine import EngineHooks
from newsportal.frontier.fingerprints import FingerprintSet, memory_usage
from newsportal.frontier.queue import Frontier, LeasedQueue, Status
from newsportal.frontier.serialize import LEASE_META
from newsportal.frontier.signals import frontier_drained

logger = logging.getLogger(__name__)

STAT = "newsportal/frontier/"
MEMORY_SAMPLE_EVERY = 10.0  # seconds between MEMORY USAGE samples


@dataclass
class _Lease:
    rid: str
    engine_done: bool = False
    done_at: float = 0.0
    items: set[int] = field(default_factory=set)


class FrontierScheduler(BaseScheduler):
    def __init__(self, crawler: Crawler, server: redis.Redis) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.server = server
        self.safe_url = redact_redis_url(settings.get("NEWSPORTAL_REDIS_URL") or "")
        self.lease_seconds = settings.getfloat("NEWSPORTAL_FRONTIER_LEASE", 30.0)
        self.poll = settings.getfloat("NEWSPORTAL_FRONTIER_POLL", 0.25)
        self.hold_priority = settings.getint("NEWSPORTAL_FRONTIER_HOLD_PRIORITY", -100)
        self.reset = settings.getbool("NEWSPORTAL_FRONTIER_RESET", False)
        # How long an idle worker waits for storage to confirm an item before it counts the
        # item as handed over anyway: MongoDB spooled it to disk, or refused it (logged).
        self.storage_grace = 2 * settings.getfloat("MONGO_MAX_DELAY", 5.0) + 5.0
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.spider: Spider | None = None
        self.frontier: Frontier | None = None
        self.df: RedisDupeFilter | None = None
        self.run = ""
        self.seeds = False
        self.seeding = False
        self.keeping = False  # the spider holds work for its next idle moment (keep lease)
        self.lost = False
        self._empty = False
        self._leases: dict[str, _Lease] = {}
        self._inflight: dict[int, tuple[Request, str]] = {}
        self._items: dict[int, tuple[Any, str]] = {}
        self._loops: list[task.LoopingCall] = []
        self._memory_peak = 0
        self._memory_peaks: dict[str, int] = {}
        self._memory_at = 0.0
        self.extra_structures: list[Any] = []  # the in-run dedupe registers here
        self.seen_store: FingerprintSet | None = None  # the seen-store registers here

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FrontierScheduler:
        scheduler = cls(crawler, crawler_redis(crawler))
        crawler.signals.connect(scheduler.spider_idle, signal=signals.spider_idle)
        return scheduler

    # -- lifecycle ---------------------------------------------------------------------------

    def open(self, spider: Spider) -> None:
        self.spider = spider
        self.namespace = frontier_namespace(spider, self.crawler.settings)
        self.frontier = Frontier(self.server, self.namespace, self.worker)
        try:
            if self.reset:
                self._drop_unfinished_run()
            self.run, self.seeds = self.frontier.join(self.lease_seconds)
            self.seeding = self.seeds
            status = self.frontier.status()
        except redis.RedisError as exc:
            self._lose(exc)
            raise
        self.queue = LeasedQueue(
            self.server, spider, self.frontier, self.lease_seconds, self.hold_priority
        )
        self.df = RedisDupeFilter(
            FingerprintSet(self.server, f"{self.namespace}:df:{self.run}:"),
            self.crawler.request_fingerprinter,
            self.crawler.settings.getbool("DUPEFILTER_DEBUG"),
            self.crawler,
        )
        self.hooks = EngineHooks(self.crawler.engine, self._request_done)
        self.stats.set_value(STAT + "worker", self.worker)
        self.stats.set_value(STAT + "run", int(self.run))
        logger.info(
            "Shared frontier at %s, crawl %s, run %s: this worker (%s) %s (%d queued, %d leased)",
            self.safe_url,
            self.namespace,
            self.run,
            self.worker,
            "seeds it" if self.seeds else "joins it",
            status.queued + status.held,
            status.leased,
        )
        beat = task.LoopingCall(self._heartbeat)
        beat.start(max(0.2, self.lease_seconds / 3), now=False)
        poll = task.LoopingCall(self.hooks.wake)
        poll.start(self.poll, now=False)
        self._loops = [beat, poll]

    def _drop_unfinished_run(self) -> None:
        """NEWSPORTAL_FRONTIER_RESET: the queue, leases, dupefilter and dedupe of an unfinished
        run go; the seen-store stays (DELTAFETCH_RESET empties that)."""
        assert self.frontier is not None
        old = self.server.get(self.frontier.keys["run"])
        if old:
            prefix = f"{self.namespace}:%s:{old.decode()}:"
            FingerprintSet(self.server, prefix % "df").clear()
            for structure in RedisDedupeState(self.server, prefix % "dd").structures:
                structure.clear()
        self.frontier.clear()
        logger.info("NEWSPORTAL_FRONTIER_RESET: dropped the unfinished run of %s", self.namespace)

    def close(self, reason: str) -> None:
        for loop in self._loops:
            if loop.running:
                loop.stop()
        if self.frontier is None or self.lost:
            return
        unfinished = list(self._leases)
        if self.seeding:
            unfinished.append(self.frontier.seed_id)
        try:
            if self.keeping:  # a stop before the next idle moment: that work is not queued
                self.keeping = False
                self.frontier.ack(self.frontier.keep_id)
            if unfinished:
                back = self.frontier.release(unfinished)
                self.stats.inc_value(STAT + "released", back)
                logger.info("Gave %d unfinished requests back to the shared queue", back)
            self.frontier.leave()
        except redis.RedisError as exc:
            self._lose(exc)

    # -- the scheduler interface -------------------------------------------------------------

    def has_pending_requests(self) -> bool:
        return not self._empty and not self.lost

    def __len__(self) -> int:
        if self.frontier is None or self.lost:
            return 0
        status = self.frontier.status()
        return status.queued + status.held

    def enqueue_request(self, request: Request) -> bool:
        assert self.df is not None and self.frontier is not None
        if self.lost:
            return False
        try:
            if not request.dont_filter and self.df.refused(request):
                self.df.log(request, self.spider)
                return False
            try:
                if request.dont_filter:
                    self.queue.push(request)
                # Marked seen and queued in one step: a worker killed in between must not
                # leave a URL seen that nobody queued.
                elif not self.queue.push_new(request, self.df.fpset, self.df.fp(request)):
                    self.df.log(request, self.spider)
                    return False
            except (ValueError, TypeError, AttributeError, pickle.PicklingError) as exc:
                self.stats.inc_value(STAT + "unserializable")
                logger.error("Request cannot be shared, dropped (%s): %s", exc, request)
                return False
        except redis.RedisError as exc:
            self._lose(exc)
            return False
        self._empty = False
        self.stats.inc_value("scheduler/enqueued/redis")
        self.stats.inc_value("scheduler/enqueued")
        return True

    def next_request(self) -> Request | None:
        if self.lost or self.frontier is None:
            return None
        try:
            leased = self.queue.pop()
        except redis.RedisError as exc:
            self._lose(exc)
            return None
        moved = self.queue.requeued
        if moved:
            self.stats.inc_value(STAT + "requeued_expired", moved)
            logger.info("Moved %d expired leases (a worker stopped?) back to the queue", moved)
        if leased is None:
            self._empty = True
            return None
        self._empty = False
        rid, payload = leased
        try:
            request = self.queue._decode_request(payload)
        except Exception as exc:  # a request another version of the code queued
            self.stats.inc_value(STAT + "undecodable")
            logger.error("Queued request %s cannot be read, dropped (%s)", rid, exc)
            self._ack(rid)
            return None
        request.meta[LEASE_META] = rid
        self._leases[rid] = _Lease(rid)
        self._inflight[id(request)] = (request, rid)
        self.stats.inc_value("scheduler/dequeued/redis")
        self.stats.inc_value("scheduler/dequeued")
        return request

    # -- leases ------------------------------------------------------------------------------

    def seed_done(self) -> None:
        """The seeding worker's ``start()`` is exhausted: its requests are all queued."""
        if self.seeding and self.frontier is not None and not self.lost:
            self.seeding = False
            self._ack(self.frontier.seed_id)

    def keep_for_idle(self) -> None:
        """The spider keeps work in memory until it is next idle (a second address whose twin
        may turn up): until :meth:`kept_released`, a lease on no request
        keeps the run open, else another worker could end it before that work is queued."""
        if self.keeping or self.lost or self.frontier is None:
            return
        try:
            self.frontier.keep(self.lease_seconds)
            self.keeping = True
        except redis.RedisError as exc:
            self._lose(exc)

    def kept_released(self) -> None:
        """What the spider kept for its idle moment is queued now (at the hold priority)."""
        if self.keeping and self.frontier is not None:
            self.keeping = False
            self._ack(self.frontier.keep_id)

    def item_pending(self, rid: str, item: Any) -> None:
        lease = self._leases.get(rid)
        if lease is not None:
            lease.items.add(id(item))
            self._items[id(item)] = (item, rid)

    def item_done(self, item: Any) -> None:
        entry = self._items.pop(id(item), None)
        if entry is None:
            return
        lease = self._leases.get(entry[1])
        if lease is not None:
            lease.items.discard(id(item))
            self._maybe_ack(lease)

    def _request_done(self, request: Request) -> None:
        entry = self._inflight.pop(id(request), None)
        if entry is None:
            return
        lease = self._leases.get(entry[1])
        if lease is None:
            return
        lease.engine_done = True
        lease.done_at = time.monotonic()
        # With no item pending the ack below follows at once, and an ack settles too: one
        # Redis call, not two.
        settle = lease.items and not lease.rid.startswith("h")
        if settle and not self.lost and self.frontier is not None:
            try:
                self.frontier.settle(lease.rid)
            except redis.RedisError as exc:
                self._lose(exc)
        self._maybe_ack(lease)

    def _maybe_ack(self, lease: _Lease) -> None:
        if lease.engine_done and not lease.items:
            del self._leases[lease.rid]
            self._ack(lease.rid)

    def _ack(self, rid: str) -> None:
        if self.lost or self.frontier is None:
            return
        try:
            if not self.frontier.ack(rid):
                self.stats.inc_value(STAT + "lease_lost")
                logger.warning(
                    "Lease of %s had expired: another worker may have run it too (storage "
                    "upserts, so nothing is stored twice); raise NEWSPORTAL_FRONTIER_LEASE?",
                    rid,
                )
        except redis.RedisError as exc:
            self._lose(exc)

    def _ack_overdue(self) -> None:
        """Called when the worker is idle: every item went through the pipelines, so one
        still unconfirmed after the grace time sits in the spool (on disk, replayed by the next
        run) or was refused; waiting for it would keep the whole crawl from ending."""
        now = time.monotonic()
        for lease in list(self._leases.values()):
            if lease.engine_done and lease.items and now - lease.done_at > self.storage_grace:
                self.stats.inc_value(STAT + "acked_unconfirmed", len(lease.items))
                for item_id in lease.items:
                    self._items.pop(item_id, None)
                lease.items.clear()
                self._maybe_ack(lease)

    def _heartbeat(self) -> None:
        if self.lost or self.frontier is None:
            return
        ids = list(self._leases)
        if self.seeding:
            ids.append(self.frontier.seed_id)
        if self.keeping:
            ids.append(self.frontier.keep_id)
        try:
            lost = self.frontier.renew(ids, self.lease_seconds)
            self._sample_memory()
        except redis.RedisError as exc:
            self._lose(exc)
            return
        if lost:
            self.stats.inc_value(STAT + "lease_lost", len(lost))
            logger.warning(
                "%d leases expired before their heartbeat (overloaded worker?)", len(lost)
            )

    # -- the end of a run --------------------------------------------------------------------

    def spider_idle(self, spider: Spider) -> None:
        if self.lost or self.frontier is None:
            return
        self._ack_overdue()
        try:
            status = self.frontier.status(self.run)
            if status.closed_now:
                self._sample_memory(force=True)
        except redis.RedisError as exc:
            self._lose(exc)
            return
        if not status.run_over:
            raise DontCloseSpider
        self._finish(status)

    def _finish(self, status: Status) -> None:
        if status.closed_now:
            self._report_memory()
            for structure in [self.df.fpset, *self.extra_structures]:  # type: ignore[union-attr]
                with contextlib.suppress(redis.RedisError):
                    structure.clear()
            logger.info(
                "Shared crawl %s, run %s is drained: this worker ended it", self.namespace, self.run
            )
        else:
            logger.info("Shared crawl %s, run %s is drained", self.namespace, self.run)
        self.crawler.signals.send_catch_log(
            frontier_drained, first=status.closed_now, status=status, spider=self.spider
        )

    def fingerprint_sets(self) -> list[Any]:
        """Every structure of the run that grows with the URLs seen (the queue aside)."""
        sets: list[Any] = [self.df.fpset] if self.df is not None else []
        sets += self.extra_structures
        if self.seen_store is not None:
            sets.append(self.seen_store)
        return sets

    def _sample_memory(self, force: bool = False) -> None:
        """MEMORY USAGE of every key of the crawl, by kind; the peaks go to the stats."""
        now = time.monotonic()
        if not force and now - self._memory_at < MEMORY_SAMPLE_EVERY:
            return
        self._memory_at = now
        assert self.frontier is not None
        sizes = {"url_sets": 0, "dedupe_sets": 0}
        for structure in self.fingerprint_sets():
            kind = "dedupe_sets" if structure in self.extra_structures else "url_sets"
            sizes[kind] += structure.memory_usage()
        sizes["queue"] = memory_usage(self.server, self.frontier.structure_keys())
        total = sum(sizes.values())
        sizes["seen"] = total - sizes["queue"]  # what grows with the URLs seen, together
        for kind, size in sizes.items():
            if size > self._memory_peaks.get(kind, 0):
                self._memory_peaks[kind] = size
                self.stats.set_value(f"{STAT}memory/{kind}_peak_bytes", size)
        if total > self._memory_peak:
            self._memory_peak = total
            self.stats.set_value(STAT + "memory/peak_bytes", total)

    def _report_memory(self) -> None:
        urls = len(self.df) if self.df is not None else 0
        self.stats.set_value(STAT + "memory/urls", urls)
        if not urls:
            return
        peaks = self._memory_peaks
        kinds = ("seen", "url_sets", "dedupe_sets", "queue")
        per_url = {kind: peaks.get(kind, 0) / urls for kind in kinds}
        self.stats.set_value(STAT + "memory/bytes_per_url", round(self._memory_peak / urls, 1))
        for kind, value in per_url.items():
            self.stats.set_value(f"{STAT}memory/{kind}_bytes_per_url", round(value, 1))
        logger.info(
            "Redis memory per unique URL (%d), at its peak: %.1f bytes for what grows with the "
            "URLs seen (dupefilter and seen-store %.1f, in-run dedupe %.1f); request queue at "
            "its widest %.1f; whole frontier %.1f (%d bytes)",
            urls,
            per_url["seen"],
            per_url["url_sets"],
            per_url["dedupe_sets"],
            per_url["queue"],
            self._memory_peak / urls,
            self._memory_peak,
        )

    # -- Redis lost --------------------------------------------------------------------------

    def _lose(self, exc: BaseException) -> None:
        if self.lost:
            return
        self.lost = True
        self.stats.set_value(STAT + "lost", 1)
        for loop in self._loops:
            if loop.running:
                loop.stop()
        logger.error(
            "Redis at %s was lost (%s). Stopping this worker: its unfinished requests go back "
            "to the shared queue when their leases expire; run the crawl again to resume.",
            self.safe_url,
            type(exc).__name__,
        )
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            deferred_from_coro(engine.close_spider_async(reason="frontier_lost"))
