"""The periodic progress line, with what an incremental run is doing.

Scrapy's LogStats prints pages crawled and items scraped per minute. An incremental run
downloads few pages and stores few items: it mostly skips articles stored by earlier runs, and
with the stock line it looks stuck. This line adds the skipped-as-stored count::

    Crawled 40 pages (at 40 pages/min), scraped 3 items (at 3 items/min), skipped 180 articles
    already stored (at 180/min)
"""

from __future__ import annotations

import logging

from scrapy import Spider
from scrapy.extensions.logstats import LogStats

logger = logging.getLogger("scrapy.extensions.logstats")

SKIPPED_STATS = ("deltafetch/skipped_articles", "deltafetch/skipped")


class ProgressLogStats(LogStats):
    def spider_opened(self, spider: Spider) -> None:
        self.skippedprev = 0
        super().spider_opened(spider)

    def skipped(self) -> int:
        for key in SKIPPED_STATS:
            value = self.stats.get_value(key)
            if value is not None:
                return int(value)
        return 0

    def log(self, spider: Spider) -> None:
        self.calculate_stats()
        skipped = self.skipped()
        rate = (skipped - self.skippedprev) * self.multiplier
        self.skippedprev = skipped
        logger.info(
            "Crawled %(pages)d pages (at %(pagerate)d pages/min), scraped %(items)d items "
            "(at %(itemrate)d items/min), skipped %(skipped)d articles already stored "
            "(at %(skiprate)d/min)",
            {
                "pages": self.pages,
                "pagerate": self.prate,
                "items": self.items,
                "itemrate": self.irate,
                "skipped": skipped,
                "skiprate": rate,
            },
            extra={"spider": spider},
        )
