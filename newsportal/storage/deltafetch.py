"""Incremental crawls: don't download an article page again once its article is stored.

A drop-in for scrapy-deltafetch 2.1.0 with its settings (``DELTAFETCH_ENABLED``,
``DELTAFETCH_DIR``, ``DELTAFETCH_RESET``), its request meta (``deltafetch_key``,
``deltafetch_enabled``) and its stats (``deltafetch/skipped``, ``deltafetch/stored``), without
its defects:

(a) ``process_spider_output`` is async (a universal middleware): Scrapy 2.16+ refuses the stock
    sync-only one and aborts every crawl at start;
(b) a page counts as seen only once its article is safely stored -- after MongoDB acknowledged
    the batch holding it (:data:`newsportal.storage.mongo.items_stored`), or, with the JSON Lines
    feed only, on ``item_scraped``. The stock middleware records a page when the callback yields the
    item, so an item dropped, failed or in flight at a kill was never fetched again;
(c) the store is SQLite in WAL mode, which a ``kill -9`` cannot damage (``dbm.dumb``, the only
    dbm on this Python, loses its index when killed while closing, after which every run
    scrapes nothing and still "finishes"). A store that is damaged anyway is detected at open,
    set aside and rebuilt from MongoDB -- the source of truth -- with an ERROR in the log; with no
    MongoDB it starts empty, again with an ERROR: never a silent empty crawl;
(d) ``DELTAFETCH_DIR`` is resolved to an absolute directory (:func:`resolve_data_dir`), so it
    works under scrapyd, where stock deltafetch disabled itself with a mere warning.

(e) the store belongs to a destination: one file per spider *and* MongoDB server, database and
    collection (:func:`store_name`; never a credential), so a new ``MONGO_DATABASE`` or
    ``MONGO_COLLECTION`` starts from what it holds -- nothing -- and gets a full crawl. Stock
    deltafetch keyed it by spider name only: a new destination was silently left empty;
(f) ``deltafetch/skipped`` counts pages stored by an *earlier* run, each once: a request for a
    page this run stored already is dropped silently (the dupefilter would have dropped it
    anyway), so a first run on an empty store reports no skips.

Pages are keyed by canonical URL. Only requests whose key was recorded are skipped, and only
article pages that produced a stored article get recorded: home and list pages are always
fetched, which is how a rerun finds new articles. A URL that redirected to the article counts
as seen only when it is an address of that same article (or carries no article id at all).
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from pymongo.errors import PyMongoError
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from newsportal.cms.addresses import article_key
from newsportal.processors import canonicalize_url
from newsportal.storage.mongo import destination_tag, items_stored, redact_uri, storage_enabled
from newsportal.storage.spool import resolve_data_dir

logger = logging.getLogger(__name__)

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS seen (key TEXT PRIMARY KEY, stored_at REAL NOT NULL);"
    "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);"
)


class StoreDamaged(Exception):
    pass


class SeenStore:
    """Canonical URLs of pages whose article is stored, in one SQLite file (WAL mode)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db: sqlite3.Connection | None = None
        self.closed_cleanly = True

    def open(self) -> None:
        """Open (creating if needed) and check the file; raises StoreDamaged if it is not sound."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            # NORMAL: a commit survives a killed process (the WAL is in the OS cache already).
            db.execute("PRAGMA synchronous=NORMAL")
            check = db.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise StoreDamaged(check)
            db.executescript(_SCHEMA)
            db.execute("SELECT count(*) FROM seen").fetchone()
            row = db.execute("SELECT value FROM meta WHERE name = 'state'").fetchone()
            # "open" left behind: the last run was killed, maybe between a MongoDB write and
            # its record here.
            self.closed_cleanly = row is None or row[0] == "closed"
            db.execute("INSERT OR REPLACE INTO meta (name, value) VALUES ('state', 'open')")
        except sqlite3.DatabaseError as exc:
            db.close()
            raise StoreDamaged(str(exc)) from exc
        except StoreDamaged:
            db.close()
            raise
        self.db = db

    def set_aside(self) -> Path:
        """Move a damaged file (and its WAL) out of the way, kept for inspection."""
        stamp = time.strftime("%Y%m%dT%H%M%S")
        target = self.path.with_name(f"{self.path.name}.damaged-{stamp}")
        for suffix in ("", "-wal", "-shm"):
            part = Path(str(self.path) + suffix)
            if part.exists():
                part.rename(Path(str(target) + suffix))
        return target

    def reset(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(str(self.path) + suffix).unlink(missing_ok=True)

    def __contains__(self, key: str) -> bool:
        assert self.db is not None
        return self.db.execute("SELECT 1 FROM seen WHERE key = ?", (key,)).fetchone() is not None

    def __len__(self) -> int:
        assert self.db is not None
        return self.db.execute("SELECT count(*) FROM seen").fetchone()[0]

    def add(self, keys: Iterable[str]) -> int:
        """Record keys in one transaction; returns how many were new."""
        assert self.db is not None
        now = time.time()
        before = self.db.total_changes
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany(
                "INSERT OR IGNORE INTO seen (key, stored_at) VALUES (?, ?)",
                ((key, now) for key in keys),
            )
        return self.db.total_changes - before

    def close(self) -> None:
        if self.db is not None:
            self.db.execute("INSERT OR REPLACE INTO meta (name, value) VALUES ('state', 'closed')")
            self.db.close()
            self.db = None


def store_name(spider_name: str, settings: Any, with_storage: bool) -> str:
    """The seen-store file of one spider and one destination.

    With MongoDB: the server, database and collection (hashed, so no credential reaches the
    file name); with the feed only: the feed file. Each destination starts from what it holds.
    """
    if with_storage:
        database = settings.get("MONGO_DATABASE") or "newsportal"
        collection = settings.get("MONGO_COLLECTION") or "articles"
        tag = destination_tag(settings.get("MONGO_URI"), database, collection)
        return f"{spider_name}.{database}.{collection}.{tag}.sqlite3"
    feed = settings.get("NEWSPORTAL_FEED") or ""
    feed = os.path.abspath(feed % {"name": spider_name}) if feed else ""
    tag = hashlib.sha1(feed.encode("utf-8")).hexdigest()[:10]
    return f"{spider_name}.feed.{tag}.sqlite3"


def stored_urls(crawler: Crawler) -> Iterator[str]:
    """Every canonical URL MongoDB holds an article for: document ids and their aliases."""
    from pymongo import MongoClient

    settings = crawler.settings
    client: MongoClient = MongoClient(
        settings.get("MONGO_URI"),
        serverSelectionTimeoutMS=settings.getint("MONGO_TIMEOUT_MS", 3000),
    )
    try:
        collection = client[settings.get("MONGO_DATABASE") or "newsportal"][
            settings.get("MONGO_COLLECTION") or "articles"
        ]
        for doc in collection.find({}, {"_id": 1, "aliases": 1}):
            yield doc["_id"]
            yield from doc.get("aliases") or []
    finally:
        client.close()


class DeltaFetch:
    """Spider middleware: skip requests for pages whose article is already stored."""

    def __init__(self, crawler: Crawler, directory: Path, reset: bool) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self._marked_now: set[str] = set()
        self._skipped_keys: set[str] = set()
        self.directory = directory
        self.reset = reset
        self.wait_for_storage = storage_enabled(crawler.settings)
        self.store: SeenStore | None = None
        # id(item) -> (item, page keys): kept until the item is stored, dropped or failed.
        self._pending: dict[int, tuple[Any, set[str]]] = {}
        self._early: set[str] = set()  # stored before the store opened (spool replay at open)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DeltaFetch:
        settings = crawler.settings
        if not settings.getbool("DELTAFETCH_ENABLED"):
            raise NotConfigured
        directory = resolve_data_dir(
            settings, settings.get("DELTAFETCH_DIR") or "deltafetch", "DELTAFETCH_DIR"
        )
        mw = cls(crawler, directory, settings.getbool("DELTAFETCH_RESET"))
        crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(mw.items_stored, signal=items_stored)
        crawler.signals.connect(mw.item_gone, signal=signals.item_dropped)
        crawler.signals.connect(mw.item_gone, signal=signals.item_error)
        if not mw.wait_for_storage:
            crawler.signals.connect(mw.item_scraped, signal=signals.item_scraped)
        return mw

    # -- the store -------------------------------------------------------------------------------

    def spider_opened(self, spider: Spider) -> None:
        self.stats.set_value("deltafetch/skipped_articles", 0)
        name = store_name(spider.name, self.crawler.settings, self.wait_for_storage)
        store = SeenStore(self.directory / name)
        reset = self.reset or getattr(spider, "deltafetch_reset", False)
        if reset:
            store.reset()
            logger.info("DeltaFetch reset: this run downloads every article page again")
        existed = store.path.exists()
        try:
            store.open()
        except StoreDamaged as exc:
            aside = store.set_aside()
            store.open()
            self.store = store
            self._rebuild(f"is damaged ({exc}); moved to {aside}", loud=True)
        else:
            self.store = store
            if self.wait_for_storage and not reset:
                if not existed:
                    self._rebuild("is new", loud=False)
                elif not store.closed_cleanly:
                    self._rebuild("was not closed by the last run (killed?)", loud=False)
        if self._early:
            self.store.add(self._early)
            self._early.clear()
        logger.info("DeltaFetch store %s: %d stored pages", store.path, len(self.store))

    def _rebuild(self, why: str, loud: bool) -> None:
        """Refill the store from MongoDB, the source of truth, or say loudly that we cannot."""
        assert self.store is not None
        log = logger.error if loud else logger.info
        if not self.wait_for_storage:
            self.stats.inc_value("deltafetch/reset")
            log(
                "DeltaFetch store %s %s and there is no MongoDB to rebuild it from: "
                "this run downloads every article page again",
                self.store.path,
                why,
            )
            return
        try:
            count = self.store.add(canonicalize_url(url) for url in stored_urls(self.crawler))
        except PyMongoError as exc:
            self.stats.inc_value("deltafetch/reset")
            logger.error(
                "DeltaFetch store %s %s and MongoDB could not be read to rebuild it (%s): "
                "this run downloads every article page again",
                self.store.path,
                why,
                type(exc).__name__,
            )
            return
        self.stats.set_value("deltafetch/rebuilt", count)
        log(
            "DeltaFetch store %s %s: rebuilt from MongoDB at %s with %d stored pages",
            self.store.path,
            why,
            redact_uri(self.crawler.settings.get("MONGO_URI")),
            count,
        )

    def spider_closed(self, spider: Spider) -> None:
        if self.store is not None:
            self.store.close()

    # -- marking pages as seen -------------------------------------------------------------------

    def items_stored(self, items: list[Any], urls: list[str], **kwargs: Any) -> None:
        keys = {canonicalize_url(url) for url in urls}
        for item in items:
            keys |= self._keys_of(item)
        self._mark(keys, len(items))

    def item_scraped(self, item: Any, **kwargs: Any) -> None:
        self._mark(self._keys_of(item), 1)

    def item_gone(self, item: Any, **kwargs: Any) -> None:
        self._pending.pop(id(item), None)

    def _keys_of(self, item: Any) -> set[str]:
        _, keys = self._pending.pop(id(item), (None, set()))
        adapter = ItemAdapter(item)
        for url in [adapter.get("url"), *(adapter.get("aliases") or [])]:
            if url:
                keys.add(canonicalize_url(url))
        return keys

    def _mark(self, keys: set[str], items: int) -> None:
        if not keys:
            return
        if self.store is None or self.store.db is None:
            self._early |= keys
            return
        self.store.add(keys)
        self._marked_now |= keys
        self.stats.inc_value("deltafetch/stored", items)

    # -- filtering -------------------------------------------------------------------------------

    def request_key(self, request: Request) -> str:
        return request.meta.get("deltafetch_key") or canonicalize_url(request.url)

    def _page_keys(self, response: Response) -> set[str]:
        """Every name the page that produced an item was requested under (redirects too).

        A URL that redirected here counts only if it is an address of this same article (or
        carries no article id): an article URL redirected to a login page or to another
        article must be fetched again once its own article is there.
        """
        request = response.request
        keys = {canonicalize_url(response.url)}
        if request is not None:
            keys.add(self.request_key(request))
            own = article_key(response.url)
            for url in request.meta.get("redirect_urls", []):
                other = article_key(url)
                if other is None or other == own:
                    keys.add(canonicalize_url(url))
        return keys

    def _filter(self, response: Response, output: Any) -> bool:
        """Whether to pass one callback output on (False: a request for a stored page)."""
        if isinstance(output, Request):
            if not output.meta.get("deltafetch_enabled", True) or self.store is None:
                return True
            key = self.request_key(output)
            if key in self._marked_now:
                # Stored by this very run: the dupefilter would drop it too; no skip to report.
                return False
            if key in self.store:
                # Articles stored by an earlier run, each once: what "seen" means to a monitor.
                if key not in self._skipped_keys:
                    logger.debug("Not downloading stored page again: %s", output)
                    self._skipped_keys.add(key)
                    self.stats.inc_value("deltafetch/skipped")
                    self.stats.inc_value("deltafetch/skipped_articles")
                return False
            return True
        self._pending[id(output)] = (output, self._page_keys(response))
        return True

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        for output in result:
            if self._filter(response, output):
                yield output

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        async for output in result:
            if self._filter(response, output):
                yield output
