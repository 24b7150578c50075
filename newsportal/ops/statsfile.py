"""Writes a run's closing stats as JSON (setting ``NEWSPORTAL_STATS_FILE``).

Scheduled and scripted runs need the numbers the log prints at close (articles per section,
pages by kind, drops by reason, missing fields) in a form a program can read.

The file is replaced when the run starts by a record without a ``finish_reason`` (``"state":
"started"``): a run that fails to start (MongoDB unreachable, a bad setting) must not leave the
previous run's file claiming ``finished``. Stats hold counts, never settings: no secret.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
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
        extension.mark_started(getattr(crawler.spidercls, "name", "") or "")
        return extension

    def resolve(self, spider_name: str) -> Path:
        return Path(self.path % {"name": spider_name})

    def _write(self, path: Path, stats: dict[str, Any]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(IsoJSONEncoder(ensure_ascii=False, indent=1).encode(stats), "utf-8")
        os.replace(tmp, path)

    def mark_started(self, spider_name: str) -> None:
        path = self.resolve(spider_name)
        record = {
            "state": "started",
            "finish_reason": None,
            "start_time": dt.datetime.now(dt.UTC),
            "job": os.environ.get("SCRAPY_JOB"),
        }
        try:
            self._write(path, record)
        except OSError as exc:
            logger.error("Cannot write the stats file %s: %s", path, exc)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats: dict[str, Any] = dict(self.crawler.stats.get_stats())
        stats.setdefault("finish_reason", reason)
        stats["state"] = "closed"
        path = self.resolve(spider.name)
        try:
            self._write(path, stats)
        except OSError as exc:
            logger.error("Cannot write the stats file %s: %s", path, exc)
            return
        logger.info("Run stats written to %s", path)
