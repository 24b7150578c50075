"""The seen-store of stored articles, shared by every worker and kept from run to run.

:class:`newsportal.storage.deltafetch.DeltaFetch` skips article pages whose article is stored,
marking a page only after storage acknowledged it; its store is an SQLite file under
``NEWSPORTAL_DATA_DIR``, one per machine. With the shared frontier every worker must see what
any of them stored, so :class:`RedisDeltaFetch` keeps DeltaFetch's logic and swaps the store
for :class:`RedisSeenStore`: a :class:`~newsportal.frontier.fingerprints.FingerprintSet` under
``<ns>:seen:<destination>:`` (~9 bytes per article page; one per MongoDB database and
collection, like DeltaFetch's files). Unlike the run's dupefilter it outlives the run:
that is what makes the next run incremental while its list pages are fetched again. An empty
store with MongoDB configured is rebuilt from MongoDB, the source of truth, as DeltaFetch does.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from typing import Any

from scrapy import Spider

from newsportal.frontier.connection import crawler_redis, frontier_namespace, redact_redis_url
from newsportal.frontier.fingerprints import FingerprintSet, fingerprint
from newsportal.storage.deltafetch import DeltaFetch, store_name

logger = logging.getLogger(__name__)


class RedisSeenStore:
    """The interface of :class:`newsportal.storage.deltafetch.SeenStore`, in Redis."""

    closed_cleanly = True
    db = True  # DeltaFetch checks "store.db is not None" for an open store

    def __init__(self, fingerprints: FingerprintSet, path: str) -> None:
        self.fingerprints = fingerprints
        self.path = path  # what DeltaFetch's log lines print as the store's place

    def open(self) -> None:
        pass

    def reset(self) -> None:
        self.fingerprints.clear()

    def __contains__(self, key: str) -> bool:
        return fingerprint(key) in self.fingerprints

    def __len__(self) -> int:
        return len(self.fingerprints)

    def add(self, keys: Iterable[str]) -> int:
        return sum(self.fingerprints.add([fingerprint(key) for key in keys]))

    def close(self) -> None:
        pass


class RedisDeltaFetch(DeltaFetch):
    _down = False  # Redis lost: said once

    def spider_opened(self, spider: Spider) -> None:
        self.stats.set_value("deltafetch/skipped_articles", 0)
        settings = self.crawler.settings
        # One store per destination, as DeltaFetch keeps one file per destination: a new
        # MongoDB database or collection starts from what it holds -- nothing.
        destination = store_name(spider.name, settings, self.wait_for_storage)
        tag = hashlib.sha1(destination.encode("utf-8")).hexdigest()[:10]
        prefix = f"{frontier_namespace(spider, settings)}:seen:{tag}:"
        store = RedisSeenStore(
            FingerprintSet(crawler_redis(self.crawler), prefix),
            f"{redact_redis_url(settings.get('NEWSPORTAL_REDIS_URL'))} {prefix}",
        )
        if self.reset or getattr(spider, "deltafetch_reset", False):
            store.reset()
            logger.info("DeltaFetch reset: this run downloads every article page again")
        self.store = store  # type: ignore[assignment]
        scheduler = getattr(self.crawler.engine, "scheduler", None)
        if scheduler is not None and hasattr(scheduler, "seen_store"):
            scheduler.seen_store = store.fingerprints
        if self.wait_for_storage and not len(store) and not self.reset:
            self._rebuild("is empty", loud=False)
        if self._early:
            store.add(self._early)
            self._early.clear()
        logger.info("DeltaFetch store %s: %d stored pages", store.path, len(store))

    def spider_closed(self, spider: Spider) -> None:
        self.store = None

    def _filter(self, response: Any, output: Any) -> bool:
        try:
            return super()._filter(response, output)
        except Exception as exc:  # Redis lost: download again rather than skip blindly
            if type(exc).__module__.startswith("redis"):
                return True
            raise

    def _mark(self, keys: set[str], items: int) -> None:
        try:
            super()._mark(keys, items)
        except Exception as exc:  # Redis lost: the next run downloads these pages again
            if not type(exc).__module__.startswith("redis"):
                raise
            self.stats.inc_value("newsportal/frontier/seen_unmarked", len(keys))
            log = logger.debug if self._down else logger.warning
            self._down = True
            log("Seen-store unavailable (%s): %d pages not marked", type(exc).__name__, len(keys))
