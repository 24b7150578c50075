"""Item pipelines: validation, then in-run dedupe. Storage lives in :mod:`newsportal.storage`.

Each drop is a ``DropItem`` with a short reason, counted under ``newsportal/dropped/<reason>``:
a drop is visible in the closing stats, never a silent loss.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from newsportal.signals import article_alias

logger = logging.getLogger(__name__)

REQUIRED_FIELDS = ("url", "title", "body")


def content_fingerprint(adapter: ItemAdapter) -> str:
    """Identity of an article's content: the same story under two URLs has the same one."""
    published = adapter.get("published_at")
    parts = (
        adapter.get("title") or "",
        published.isoformat() if published else "",
        adapter.get("body") or "",
    )
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()


class _StatsPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> _StatsPipeline:
        return cls(crawler)

    def drop(self, reason: str, message: str) -> DropItem:
        self.stats.inc_value(f"newsportal/dropped/{reason}")
        return DropItem(message)


class ValidationPipeline(_StatsPipeline):
    """An article without URL, title or body is not worth storing; say which one was missing."""

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        for field in REQUIRED_FIELDS:
            if not adapter.get(field):
                raise self.drop(f"missing_{field}", f"missing {field}: {adapter.get('url')}")
        return item


class DedupePipeline(_StatsPipeline):
    """Keeps the first copy of each article met in this run, by canonical URL and by content.

    Across runs MongoDB's unique ``_id`` (the canonical URL) is the source of truth; this only
    stops one run from emitting the same article twice.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.seen_urls: set[str] = set()
        self.seen_content: dict[str, str] = {}

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        url = adapter["url"]
        if url in self.seen_urls:
            # e.g. a mobile copy whose canonical link names the kept page: keep its address.
            for alias in adapter.get("aliases") or ():
                self.crawler.signals.send_catch_log(article_alias, url=url, alias=alias)
            raise self.drop("duplicate_url", f"duplicate URL: {url}")
        fingerprint = content_fingerprint(adapter)
        kept = self.seen_content.get(fingerprint)
        if kept is not None:
            self.seen_urls.add(url)
            self.crawler.signals.send_catch_log(article_alias, url=kept, alias=url)
            raise self.drop("duplicate_content", f"same article as {kept}: {url}")
        self.seen_urls.add(url)
        self.seen_content[fingerprint] = url
        return item
