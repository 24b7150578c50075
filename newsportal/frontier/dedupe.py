"""The in-run dedupe shared by every worker of a run, in Redis.

:class:`newsportal.pipelines.DedupePipeline` keeps one copy of each article met in a run -- by
canonical URL, by the article id its addresses carry (``article_key`` with the title; the
preferred address, ``address_rank``, wins and the other becomes an alias) and by content -- in
the worker's memory: two workers fetching one article under two addresses would each keep it.
:class:`SharedDedupePipeline` applies the same rules, stats and alias signals with the state in
Redis under the run (``<ns>:dd:<run>:``), every claim one atomic step, so exactly one address
of an article is kept whichever workers meet them, in whatever order:

* URLs: a fingerprint set of kept URLs (``u``) and one of (URL, page it came from) pairs
  (``p``). A URL met again from the *same* page is a request delivered twice -- its first
  worker was killed before its lease was acked, maybe before its article was stored -- so it
  passes again (storage upserts by ``_id``: stored once); from another page it is a duplicate.
* Article ids: a hash ``k`` of (article key, title) -> rank and kept URL, claimed in Lua: the
  first address is kept, a better-ranked one that comes later takes over (the first becomes its
  alias, which storage folds in), a worse one is dropped as a duplicate.
* Content: a hash ``c`` of content fingerprint -> first URL, claimed with set-if-absent.

The maps hold a URL per article (~100 bytes each) only for the length of a run: the worker
that ends the run deletes them with the run's dupefilter.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import redis
from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler

from newsportal.cms.addresses import address_rank, article_key
from newsportal.frontier.connection import crawler_redis
from newsportal.frontier.fingerprints import FingerprintSet, fingerprint, memory_usage
from newsportal.pipelines import DedupePipeline, _title, content_fingerprint

logger = logging.getLogger(__name__)

_CLAIM_CONTENT = """
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur then return cur end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return ARGV[2]
"""

# KEYS: k ; ARGV: identity, url, rank -> {status, kept}: new | same | better | worse
_CLAIM_IDENTITY = """
local cur = redis.call('HGET', KEYS[1], ARGV[1])
local mine = ARGV[3] .. ' ' .. ARGV[2]
if not cur then
  redis.call('HSET', KEYS[1], ARGV[1], mine)
  return {'new', ARGV[2]}
end
local space = string.find(cur, ' ')
local rank, kept = tonumber(string.sub(cur, 1, space - 1)), string.sub(cur, space + 1)
if kept == ARGV[2] then return {'same', kept} end
if tonumber(ARGV[3]) < rank then
  redis.call('HSET', KEYS[1], ARGV[1], mine)
  return {'better', kept}
end
return {'worse', kept}
"""


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()


class _Hash:
    """A plain Redis hash with the clear/memory_usage interface of a FingerprintSet."""

    def __init__(self, server: redis.Redis, key: str) -> None:
        self.server, self.key = server, key

    def clear(self) -> None:
        self.server.unlink(self.key)

    def memory_usage(self) -> int:
        return memory_usage(self.server, [self.key])


class RedisDedupeState:
    """The run's dedupe state; every method is one atomic claim, safe across workers."""

    def __init__(self, server: redis.Redis, prefix: str) -> None:
        self.urls = FingerprintSet(server, prefix + "u:")
        self.pairs = FingerprintSet(server, prefix + "p:")
        self.identities = _Hash(server, prefix + "k")
        self.content = _Hash(server, prefix + "c")
        self._claim_content = server.register_script(_CLAIM_CONTENT)
        self._claim_identity = server.register_script(_CLAIM_IDENTITY)

    @property
    def structures(self) -> list[Any]:
        return [self.urls, self.pairs, self.identities, self.content]

    def claim_url(self, url: str, page: str) -> bool:
        """Whether this item may be kept under ``url`` (False: another page has it)."""
        pair = fingerprint(f"{url}\x00{page}")
        # The pair first: a worker killed between the two adds still lets a re-delivery through.
        pair_is_new = self.pairs.add_one(pair)
        url_is_new = self.urls.add_one(fingerprint(url))
        return url_is_new or not pair_is_new

    def claim_identity(self, identity: str, url: str) -> tuple[str, str]:
        """(``new``|``same``|``better``|``worse``, the URL kept before this one)."""
        status, kept = self._claim_identity(
            [self.identities.key], [_digest(identity), url, address_rank(url)]
        )
        return status.decode(), kept.decode()

    def claim_content(self, content: str, url: str) -> str:
        """The URL kept for this content: ``url`` itself unless another address came first."""
        return self._claim_content([self.content.key], [_digest(content), url]).decode()


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
        try:
            return self._process(item, self.state)
        except redis.RedisError as exc:
            # The scheduler stops the worker on its next call; storage upserts, so letting
            # this article through can at worst store it under a second address.
            self.stats.inc_value("newsportal/frontier/dedupe_unavailable")
            log = logger.debug if self._down else logger.warning
            self._down = True
            log("In-run dedupe unavailable (%s): keeping %s", type(exc).__name__, item.get("url"))
            return item

    def _process(self, item: Any, state: RedisDedupeState) -> Any:
        adapter = ItemAdapter(item)
        url = adapter["url"]
        # The page the item came from: its fetched address, an alias when rel=canonical named
        # another one; the same on a re-delivery of the same request.
        page = ",".join(sorted(adapter.get("aliases") or ())) or url
        if not state.claim_url(url, page):
            # e.g. a mobile copy whose canonical link names the kept page: keep its address.
            for alias in adapter.get("aliases") or ():
                self._alias(url, alias)
            raise self.drop("duplicate_url", f"duplicate URL: {url}")
        key = article_key(url)
        if key:
            status, kept = state.claim_identity(f"{key}\x00{_title(adapter)}", url)
            if status == "better":
                # The better address came second: it goes on, storage folds the first into it.
                adapter["aliases"] = [*(adapter.get("aliases") or []), kept]
                self.stats.inc_value("newsportal/articles/readdressed")
                return item
            if status == "worse":
                self._alias(kept, url)
                raise self.drop("duplicate_content", f"same article as {kept}: {url}")
        kept = state.claim_content(content_fingerprint(adapter), url)
        if kept != url and (key is None or article_key(kept) in (None, key)):
            self._alias(kept, url)
            raise self.drop("duplicate_content", f"same article as {kept}: {url}")
        return item
