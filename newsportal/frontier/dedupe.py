"""The in-run dedupe shared by every worker of a run, in Redis.

:class:`newsportal.pipelines.DedupePipeline` keeps one copy of each article met in a run, by
canonical URL and by content, in the worker's memory: two workers fetching one article under
two addresses would each keep it. :class:`SharedDedupePipeline` keeps the same rules, stats
and alias signal, with the state in Redis under the run (``<ns>:dd:<run>:``), claimed
atomically, so exactly one worker keeps each article:

* URLs: a fingerprint set of article URLs (``u``) and one of (URL, page it came from) pairs
  (``p``). A URL met again from the *same* page is a request delivered twice -- its first
  worker was killed before its lease was acked, maybe before its article was stored -- so it
  passes again (storage upserts by ``_id``: stored once); from another page it is a duplicate.
* Content: a hash content fingerprint -> kept URL (``c``), claimed with HSETNX: the first
  address wins, as in one process. Which address comes first is the spider's business: it holds
  back articles found off the portal's URL scheme (priority -100), and the frontier leases those
  only when no worker holds any other request, so the address on the scheme, the one
  :func:`newsportal.cms.addresses.address_rank` prefers, is normally met first here too.

The state is a small object (:class:`RedisDedupeState`) so that a reworked ``DedupePipeline``
can take it in place of its sets. It is dropped when the run is drained.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import redis
from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler

from newsportal.frontier.connection import crawler_redis
from newsportal.frontier.fingerprints import FingerprintSet, fingerprint, memory_usage
from newsportal.pipelines import DedupePipeline, content_fingerprint
from newsportal.signals import article_alias

logger = logging.getLogger(__name__)

_CLAIM = """
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur then return cur end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return ARGV[2]
"""


class _Hash:
    """A plain Redis hash with the clear/memory_usage interface of a FingerprintSet."""

    def __init__(self, server: redis.Redis, key: str) -> None:
        self.server, self.key = server, key

    def clear(self) -> None:
        self.server.unlink(self.key)

    def memory_usage(self) -> int:
        return memory_usage(self.server, [self.key])


class RedisDedupeState:
    def __init__(self, server: redis.Redis, prefix: str) -> None:
        self.urls = FingerprintSet(server, prefix + "u:")
        self.pairs = FingerprintSet(server, prefix + "p:")
        self.content = _Hash(server, prefix + "c")
        self._claim = server.register_script(_CLAIM)

    @property
    def structures(self) -> list[Any]:
        return [self.urls, self.pairs, self.content]

    def claim_url(self, url: str, page: str) -> bool:
        """Whether this item may be kept under ``url`` (False: another page has it)."""
        pair = fingerprint(f"{url}\x00{page}")
        # The pair first: a worker killed between the two adds still lets a re-delivery through.
        pair_is_new = self.pairs.add_one(pair)
        url_is_new = self.urls.add_one(fingerprint(url))
        return url_is_new or not pair_is_new

    def claim_content(self, content: str, url: str) -> str:
        """The URL kept for this content: ``url`` itself unless another address came first."""
        key = hashlib.blake2b(content.encode(), digest_size=8).digest()
        return self._claim([self.content.key], [key, url]).decode()


class SharedDedupePipeline(DedupePipeline):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.state: RedisDedupeState | None = None
        self._down = False  # Redis lost: said once

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedDedupePipeline:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_opened, signal=signals.spider_opened)
        return pipeline

    def spider_opened(self, spider: Any) -> None:
        scheduler = getattr(self.crawler.engine, "scheduler", None)
        run = getattr(scheduler, "run", "")
        namespace = getattr(scheduler, "namespace", "")
        if not run:
            return  # not the frontier scheduler: the in-memory dedupe of the base class
        self.state = RedisDedupeState(crawler_redis(self.crawler), f"{namespace}:dd:{run}:")
        scheduler.extra_structures.extend(self.state.structures)

    def process_item(self, item: Any) -> Any:
        if self.state is None:
            return super().process_item(item)
        adapter = ItemAdapter(item)
        url = adapter["url"]
        # The page the item came from: its fetched address, an alias when rel=canonical named
        # another one; the same on a re-delivery of the same request.
        page = ",".join(sorted(adapter.get("aliases") or ())) or url
        try:
            if not self.state.claim_url(url, page):
                for alias in adapter.get("aliases") or ():
                    self.crawler.signals.send_catch_log(article_alias, url=url, alias=alias)
                raise self.drop("duplicate_url", f"duplicate URL: {url}")
            kept = self.state.claim_content(content_fingerprint(adapter), url)
        except redis.RedisError as exc:
            # The scheduler stops the worker on its next call; storage upserts, so letting
            # this article through can at worst store it under a second address.
            self.stats.inc_value("newsportal/frontier/dedupe_unavailable")
            log = logger.debug if self._down else logger.warning
            self._down = True
            log("In-run dedupe unavailable (%s): keeping %s", type(exc).__name__, url)
            return item
        if kept != url:
            self.crawler.signals.send_catch_log(article_alias, url=kept, alias=url)
            raise self.drop("duplicate_content", f"same article as {kept}: {url}")
        return item
