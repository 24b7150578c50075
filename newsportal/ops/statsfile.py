"""Writes a run's closing stats as JSON (setting ``NEWSPORTAL_STATS_FILE``).

Scheduled and scripted runs need the numbers the log prints at close (articles per section,
pages by kind, drops by reason, missing fields) in a form a program can read.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from newsportal.exporters import IsoJSONEncoder

logger = logging.getLogger(__name__)


class StatsFile:
    def __init__(self, crawler: Crawler, path: str) -> None:
        self.crawler = crawler
        self.path = path

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StatsFile:
        path = crawler.settings.get("NEWSPORTAL_STATS_FILE")
        if not path:
            raise NotConfigured
        extension = cls(crawler, path)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats: dict[str, Any] = dict(self.crawler.stats.get_stats())
        stats.setdefault("finish_reason", reason)
        path = Path(self.path % {"name": spider.name})
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(IsoJSONEncoder(ensure_ascii=False, indent=1).encode(stats), "utf-8")
        logger.info("Run stats written to %s", path)
