"""The in-run dedupe shared by every worker of a run, in Redis.

:class:`newsportal.pipelines.DedupePipeline` keeps one copy of each article met in a run -- by
canonical URL, by the article id its addresses carry (``article_key`` with the title; the
preferred address, ``address_rank``, wins and the other becomes an alias) and by content -- in
the worker's memory: two workers fetching one article under two addresses would each keep it.
:class:`SharedDedupePipeline` applies the same rules with the state in Redis under the run
(``<ns>:dd:<run>:``), each item's check and claim one Lua script, so exactly one address of an
article is kept whichever workers meet them, in whatever order.

The state is fingerprint sets (:class:`~newsportal.frontier.fingerprints.FingerprintSet`,
~9 bytes a member), never a URL: a map to the kept URL cost ~230 bytes per article. Storage
finds the kept document by the numbers instead (see :func:`newsportal.pipelines.dedupe_keys`).

* ``pairs``: (URL, page it came from) of each item kept and *not yet stored*, a plain set.
  An item met again with the same pair is a request delivered twice -- its first worker was
  killed before its lease was acked, maybe before its article was stored -- and passes again
  (storage upserts by ``_id``: stored once). A pair leaves the set once storage (or the feed)
  has the article, so the set stays as small as the articles in flight; a request re-delivered
  after that meets its own claims and is dropped as a duplicate of what is stored.
* ``u``: URLs kept by an item from *another* page (``rel=canonical``): the page at that URL is
  then a duplicate. An item from its own URL only checks it; its page is fetched once a run.
* ``k``: address rank * 2^50 + identity (buckets are chosen by the low bits). An identity met
  with a better-ranked address takes over (storage folds the first document into it, by
  ``article_key``); a worse or equal one is a duplicate.
* ``ck`` / ``cu``: the content of items whose address carries an id / carries none. Two pages
  with different ids are never merged, however alike; content with no id matches either.

A duplicate is an alias of the kept document: :data:`newsportal.signals.article_alias` with
the identity or content number, which storage looks up in ``dedupe_keys``. The sets are freed
at the end of the run by the worker that ends it, with the run's dupefilter.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

import redis
from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler

from newsportal.cms.addresses import address_rank
from newsportal.frontier.connection import crawler_redis
from newsportal.frontier.fingerprints import (
    LOAD,
    SET_FUNCTIONS,
    FingerprintSet,
    fingerprint,
    memory_usage,
)
from newsportal.pipelines import DedupePipeline, dedupe_keys
from newsportal.storage.mongo import items_stored, storage_enabled

logger = logging.getLogger(__name__)

SETS = ("u", "k", "ck", "cu")

# ARGV: prefix, load, pair, url, from another page (0/1), identity ('' if none), rank, content
# -> again | url | identity | content (duplicates) | better | new. Checks first, claims only
# for an item kept: a dropped duplicate re-delivered is checked (and dropped) again.
_CLAIM = (
    SET_FUNCTIONS
    + """
local RANK = 2 ^ 50
local prefix, load = ARGV[1], tonumber(ARGV[2])
local function has(name, member)
  return fp_has(prefix .. name .. ':m', prefix .. name .. ':', member)
end
local function add(name, member)
  fp_add_to(prefix .. name .. ':m', prefix .. name .. ':', load, {member})
end
local pair, url, elsewhere, identity = ARGV[3], ARGV[4], ARGV[5] == '1', ARGV[6]
local rank, content = tonumber(ARGV[7]), ARGV[8]
if redis.call('SISMEMBER', prefix .. 'pairs', pair) == 1 then return 'again' end
if has('u', url) == 1 then return 'url' end
local verdict = 'new'
if identity ~= '' then
  local base = tonumber(identity)
  for r = 0, 3 do
    if has('k', string.format('%d', r * RANK + base)) == 1 then
      if rank >= r then return 'identity' end
      verdict = 'better'
      break
    end
  end
  if verdict == 'new' and has('cu', content) == 1 then return 'content' end
  add('k', string.format('%d', rank * RANK + base))
  add('ck', content)
else
  if has('ck', content) == 1 or has('cu', content) == 1 then return 'content' end
  add('cu', content)
end
redis.call('SADD', prefix .. 'pairs', pair)
if elsewhere then add('u', url) end
return verdict
"""
)


class _Key:
    """One plain Redis key with the clear/memory_usage interface of a FingerprintSet."""

    def __init__(self, server: redis.Redis, key: str) -> None:
        self.server, self.key = server, key

    def clear(self) -> None:
        self.server.unlink(self.key)

    def memory_usage(self) -> int:
        return memory_usage(self.server, [self.key])


class RedisDedupeState:
    """The run's dedupe state; :meth:`claim` is one atomic step, safe across workers."""

    def __init__(self, server: redis.Redis, prefix: str, load: int = LOAD) -> None:
        self.server, self.prefix, self.load = server, prefix, load
        self.sets = {name: FingerprintSet(server, f"{prefix}{name}:", load) for name in SETS}
        self.pairs = _Key(server, prefix + "pairs")
        self._claim = server.register_script(_CLAIM)

    @property
    def structures(self) -> list[Any]:
        return [*self.sets.values(), self.pairs]

    @staticmethod
    def pair(url: str, page: str) -> int:
        return fingerprint(f"{url}\x00{page}")

    def claim(self, url: str, page: str, identity: int | None, content: int) -> str:
        """``new`` or ``better`` (keep it), ``again`` (a re-delivery: keep it), or the reason
        it is a duplicate: ``url``, ``identity``, ``content``."""
        verdict = self._claim(
            [],
            [
                self.prefix,
                self.load,
                self.pair(url, page),
                fingerprint(url),
                int(page != url),
                "" if identity is None else identity,
                address_rank(url),
                content,
            ],
        )
        return verdict.decode()

    def stored(self, pairs: list[int]) -> None:
        """These kept items are stored: a request re-delivered now is a duplicate of them."""
        if pairs:
            self.server.srem(self.pairs.key, *pairs)


class SharedDedupePipeline(DedupePipeline):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.state: RedisDedupeState | None = None
        self._down = False  # Redis lost: said once
        self._in_flight: dict[int, int] = {}  # id(item) -> its pair, for items kept

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedDedupePipeline:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_opened, signal=signals.spider_opened)
        # An article is "had" once storage acknowledged it; without MongoDB, once it is fed.
        if storage_enabled(crawler.settings):
            crawler.signals.connect(pipeline.items_stored, signal=items_stored)
        else:
            crawler.signals.connect(pipeline.item_fed, signal=signals.item_scraped)
        for gone in (signals.item_dropped, signals.item_error):
            crawler.signals.connect(pipeline.item_gone, signal=gone)
        return pipeline

    def items_stored(self, items: list[Any], **kwargs: Any) -> None:
        pairs = [self._in_flight.pop(id(item), None) for item in items]
        if self.state is not None:
            with contextlib.suppress(redis.RedisError):  # a pair left behind only lets a
                self.state.stored([p for p in pairs if p is not None])  # re-delivery through

    def item_fed(self, item: Any, **kwargs: Any) -> None:
        self.items_stored([item])

    def item_gone(self, item: Any, **kwargs: Any) -> None:
        self._in_flight.pop(id(item), None)

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
        identity, content = dedupe_keys(adapter)
        verdict = state.claim(url, page, identity, content)
        if verdict == "url":
            # e.g. a mobile copy whose canonical link names the kept page: keep its address.
            for alias in adapter.get("aliases") or ():
                self._alias(url, alias)
            raise self.drop("duplicate_url", f"duplicate URL: {url}")
        if verdict in ("identity", "content"):
            # The kept document is known by its number, not its URL: storage resolves it.
            key = identity if verdict == "identity" else content
            for alias in [url, *(adapter.get("aliases") or ())]:
                self._alias(None, alias, key)
            raise self.drop("duplicate_content", f"same article as one kept earlier: {url}")
        if verdict == "better":
            # The better address came second: it goes on, storage folds the first into it.
            self.stats.inc_value("newsportal/articles/readdressed")
        self._in_flight[id(item)] = state.pair(url, page)
        return item
