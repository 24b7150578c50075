"""LeaseTracker: a leased request is acknowledged only once its articles are stored.

The engine hook (:mod:`.engine`) tells the scheduler when a page's new requests are queued; its
articles may still wait in a MongoDB batch for seconds. Acking then would lose them to a
``kill -9``: the request would be gone from the frontier and its article never written. So this
spider middleware notes which lease each item came from, and the scheduler acks the lease only
when all its items have reached an end: stored (MongoDB's ``items_stored`` signal, or
``item_scraped`` when the feed is the only output), dropped or failed.

It is also where the crawl decides whether this worker seeds the run: ``process_start`` passes
the spider's ``start()`` through on the seeding worker only (Scrapy 2.16+ calls ``start()``,
never ``start_requests()``, the only method scrapy-redis's spiders define), and it is built
while Scrapy sets the crawl up, so it checks that Redis answers before the spider opens.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from newsportal.frontier.connection import crawler_redis
from newsportal.frontier.serialize import LEASE_META
from newsportal.storage.mongo import items_stored, storage_enabled

logger = logging.getLogger(__name__)


class LeaseTracker:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LeaseTracker:
        if not crawler.settings.get("NEWSPORTAL_REDIS_URL"):
            raise NotConfigured
        crawler_redis(crawler)  # Redis down: one ERROR and exit 1, before the spider opens
        mw = cls(crawler)
        crawler.signals.connect(mw.item_gone, signal=signals.item_dropped)
        crawler.signals.connect(mw.item_gone, signal=signals.item_error)
        if storage_enabled(crawler.settings):
            crawler.signals.connect(mw.items_stored, signal=items_stored)
        else:
            crawler.signals.connect(mw.item_gone, signal=signals.item_scraped)
        return mw

    @property
    def scheduler(self) -> Any:
        engine = self.crawler.engine
        scheduler = getattr(engine, "scheduler", None) if engine is not None else None
        return scheduler if hasattr(scheduler, "item_pending") else None

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        scheduler = self.scheduler
        if scheduler is not None and not scheduler.seeds:
            logger.info("Joining a run another worker seeded: not reading start()")
            return
        try:
            async for output in start:
                yield output
        finally:  # also when start() fails: the run must not wait for this seed for ever
            if scheduler is not None:
                scheduler.seed_done()

    def items_stored(self, items: list[Any], **kwargs: Any) -> None:
        scheduler = self.scheduler
        if scheduler is not None:
            for item in items:
                scheduler.item_done(item)

    def item_gone(self, item: Any, **kwargs: Any) -> None:
        scheduler = self.scheduler
        if scheduler is not None:
            scheduler.item_done(item)

    def _track(self, response: Response, output: Any) -> None:
        if isinstance(output, Request) or output is None:
            return
        rid = response.meta.get(LEASE_META) if response is not None else None
        scheduler = self.scheduler
        if rid and scheduler is not None:
            scheduler.item_pending(rid, output)

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        for output in result:
            self._track(response, output)
            yield output

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        async for output in result:
            self._track(response, output)
            yield output
