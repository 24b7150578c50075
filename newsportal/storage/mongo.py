"""MongoDB storage: batched, idempotent upserts keyed by the canonical URL.

Every article becomes one document whose ``_id`` is its canonical URL, so writing it twice (a
rerun, a spool replay after a crash) updates it in place instead of inserting a copy: the unique
``_id`` index is the cross-run dedupe and the source of truth the deltafetch store is rebuilt
from. Writes go out as one unordered ``bulk_write`` per batch (``MONGO_BATCH_SIZE`` items or
``MONGO_MAX_DELAY`` seconds, whichever comes first, and at close) to keep round trips low.

Each article is written with two update statements that give the same result in any order, so
the unordered bulk may run them as it likes:

1. upsert by ``_id``: ``$set`` the article, ``$setOnInsert`` ``first_seen_at`` and the first
   revision, ``$addToSet`` its alias URLs;
2. ``{_id, content_hash: {$ne: new}}``: ``$set`` the new hash and ``updated_at``, ``$inc``
   ``revision`` -- matches only an existing document whose content really changed.

Articles are reported stored (signal :data:`items_stored`) only after MongoDB acknowledged their
batch; that is what the deltafetch middleware waits for before it counts a page as seen.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from itemadapter import ItemAdapter
from pymongo import ASCENDING, MongoClient, UpdateOne
from pymongo.collection import Collection
from pymongo.errors import BulkWriteError, PyMongoError
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.settings import BaseSettings
from scrapy.utils.misc import load_object

from newsportal.signals import article_alias
from newsportal.storage.spool import Spool, resolve_data_dir

logger = logging.getLogger(__name__)

# Sent with ``items`` (the items whose batch MongoDB acknowledged) and ``urls`` (every canonical
# URL now stored: document ids and their aliases, including replayed spool records).
items_stored = object()

# What an article *says*: a change here bumps ``revision``; a new crawl time or new related links
# do not.
CONTENT_FIELDS = (
    "site",
    "section",
    "title",
    "published_at",
    "published_at_raw",
    "source",
    "editor",
    "keywords",
    "body",
    "images",
)

_STAT = "newsportal/mongo/"
_USERINFO = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/?#]*)@")


class StorageUnavailable(SystemExit):
    """MongoDB cannot be reached when the crawl starts.

    A ``SystemExit`` on purpose: Scrapy turns any other exception raised while the crawl starts
    into several tracebacks (and an exception in ``open_spider`` only after half the components
    started), while this ends ``scrapy crawl`` at once with exit code 1 and leaves our single
    ERROR line as the only message.
    """

    def __init__(self, message: str) -> None:
        super().__init__(1)
        self.message = message

    def __str__(self) -> str:
        return self.message


def redact_uri(uri: str) -> str:
    """The URI with its password replaced by ``***``, fit for logs and error messages."""
    match = _USERINFO.match(uri)
    if not match or ":" not in match["userinfo"]:
        return uri
    user = match["userinfo"].split(":", 1)[0]
    return f"{match['scheme']}{user}:***@{uri[match.end() :]}"


def uri_password(uri: str) -> str | None:
    match = _USERINFO.match(uri)
    if not match or ":" not in match["userinfo"]:
        return None
    return match["userinfo"].split(":", 1)[1] or None


def storage_enabled(settings: BaseSettings) -> bool:
    """Whether :class:`MongoPipeline` will store this run's items (it needs ``MONGO_URI``)."""
    if not settings.get("MONGO_URI"):
        return False
    for path, order in settings.getwithbase("ITEM_PIPELINES").items():
        if order is None:
            continue
        cls = load_object(path) if isinstance(path, str) else path
        if isinstance(cls, type) and issubclass(cls, MongoPipeline):
            return True
    return False


def content_hash(adapter: ItemAdapter) -> str:
    """Stable digest of an article's content fields (see :data:`CONTENT_FIELDS`)."""
    content = {field: _jsonable(adapter.get(field)) for field in CONTENT_FIELDS}
    payload = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return _utc(value).isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _utc(value: datetime) -> datetime:
    """BSON dates are UTC instants: make the instant explicit (naive means UTC already)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _as_date(value: Any) -> Any:
    if isinstance(value, str) and value:
        with contextlib.suppress(ValueError):
            value = datetime.fromisoformat(value)
    return _utc(value) if isinstance(value, datetime) else value


def article_record(item: Any, now: datetime) -> dict[str, Any]:
    """The storage record of one item: what is written, and what the spool keeps if it can't be.

    ``published_at`` and ``crawled_at`` become UTC datetimes (BSON dates); ``published_at_raw``
    keeps the text the date was read from.
    """
    adapter = ItemAdapter(item)
    doc = {key: value for key, value in adapter.items() if key not in {"aliases", "_id"}}
    for key in ("published_at", "crawled_at"):
        if key in doc:
            doc[key] = _as_date(doc[key])
    url = adapter["url"]
    aliases = [alias for alias in adapter.get("aliases") or [] if alias and alias != url]
    return {
        "_id": url,
        "doc": doc,
        "hash": content_hash(adapter),
        "aliases": aliases,
        "at": now,
    }


def alias_record(url: str, alias: str, now: datetime) -> dict[str, Any]:
    """A record that only adds an alias URL to an article stored earlier."""
    return {"_id": url, "doc": None, "hash": None, "aliases": [alias], "at": now}


def coalesce(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One record per ``_id`` (the latest article wins, aliases are merged), order kept."""
    merged: dict[str, dict[str, Any]] = {}
    for record in records:
        current = merged.get(record["_id"])
        if current is None:
            merged[record["_id"]] = {**record, "aliases": list(record["aliases"])}
            continue
        aliases = current["aliases"] + [a for a in record["aliases"] if a not in current["aliases"]]
        if record["doc"] is not None:
            current.update(record)
        current["aliases"] = aliases
    return list(merged.values())


def write_ops(record: dict[str, Any]) -> list[UpdateOne]:
    """The update statements of one record (see the module docstring for why two)."""
    key, at = record["_id"], record["at"]
    aliases = {"aliases": {"$each": record["aliases"]}}
    if record["doc"] is None:
        return [UpdateOne({"_id": key}, {"$addToSet": aliases})]
    digest = record["hash"]
    return [
        UpdateOne(
            {"_id": key},
            {
                "$set": record["doc"],
                "$setOnInsert": {
                    "first_seen_at": at,
                    "updated_at": at,
                    "content_hash": digest,
                    "revision": 1,
                },
                "$addToSet": aliases,
            },
            upsert=True,
        ),
        UpdateOne(
            {"_id": key, "content_hash": {"$ne": digest}},
            {"$set": {"content_hash": digest, "updated_at": at}, "$inc": {"revision": 1}},
        ),
    ]


class WriteOutcome:
    """What one bulk write did, in the terms of our stats."""

    def __init__(self) -> None:
        self.inserted = self.updated = self.unchanged = 0
        self.failed_ids: set[str] = set()


def write_records(collection: Collection, records: list[dict[str, Any]]) -> WriteOutcome:
    """One unordered ``bulk_write`` for all records. Blocking: run it in a thread.

    Raises PyMongoError when the server is unreachable (the caller retries and spools); a
    per-document write error (e.g. a document too large) is permanent, so it is reported in
    ``failed_ids`` instead of being retried for ever.
    """
    records = coalesce(records)
    ops: list[UpdateOne] = []
    keys: list[str] = []
    for record in records:
        record_ops = write_ops(record)
        ops.extend(record_ops)
        keys.extend([record["_id"]] * len(record_ops))
    outcome = WriteOutcome()
    if not ops:
        return outcome
    try:
        result = collection.bulk_write(ops, ordered=False).bulk_api_result
    except BulkWriteError as exc:
        result = exc.details
        if result.get("writeConcernErrors") or not result.get("writeErrors"):
            raise
        for error in result["writeErrors"]:
            key = keys[error["index"]]
            outcome.failed_ids.add(key)
            logger.error("MongoDB refused article %s: %s", key, error.get("errmsg"))
    articles = sum(1 for record in records if record["doc"] is not None)
    alias_only = len(records) - articles
    refused = sum(
        1 for record in records if record["doc"] is not None and record["_id"] in outcome.failed_ids
    )
    outcome.inserted = result.get("nUpserted", 0)
    existing = max(articles - refused - outcome.inserted, 0)
    changed = result.get("nMatched", 0) - existing - alias_only
    outcome.updated = min(max(changed, 0), existing)
    outcome.unchanged = existing - outcome.updated
    return outcome


class MongoPipeline:
    """Stores articles in MongoDB; spools them locally while MongoDB is away.

    Without ``MONGO_URI`` it is disabled (``NotConfigured``) and the run's articles go to the
    JSON Lines feed (see :mod:`newsportal.addons`). With a URI MongoDB must answer at start:
    a crawl whose articles cannot be stored stops at once with exit code 1.
    """

    def __init__(self, crawler: Crawler, uri: str) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.uri = uri
        self.safe_uri = redact_uri(uri)
        self.database_name = settings.get("MONGO_DATABASE") or "newsportal"
        self.collection_name = settings.get("MONGO_COLLECTION") or "articles"
        self.batch_size = max(1, settings.getint("MONGO_BATCH_SIZE", 100))
        self.max_delay = max(0.0, settings.getfloat("MONGO_MAX_DELAY", 5.0))
        self.retry_times = max(0, settings.getint("MONGO_RETRY_TIMES", 3))
        self.retry_backoff = max(0.0, settings.getfloat("MONGO_RETRY_BACKOFF", 1.0))
        self.timeout_ms = max(100, settings.getint("MONGO_TIMEOUT_MS", 3000))
        self.client: MongoClient = self._connect()
        self.collection: Collection = self.client[self.database_name][self.collection_name]
        spool_dir = resolve_data_dir(
            settings, settings.get("NEWSPORTAL_SPOOL_DIR") or "spool", "NEWSPORTAL_SPOOL_DIR"
        )
        self.spool = Spool(spool_dir / self._spool_name())
        self._batch: list[tuple[dict[str, Any], Any]] = []
        self._lock = asyncio.Lock()
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._down = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MongoPipeline:
        uri = crawler.settings.get("MONGO_URI")
        if not uri:
            # No NotConfigured message: Scrapy would log it as a WARNING, and this is no fault.
            logger.info("MONGO_URI is not set: MongoDB storage is off, articles go to the feed")
            raise NotConfigured
        pipeline = cls(crawler, uri)
        crawler.signals.connect(pipeline._on_alias, signal=article_alias)
        return pipeline

    # -- connection ------------------------------------------------------------------------------

    def _connect(self) -> MongoClient:
        """Connect and ping now, so an unreachable server stops the crawl before it starts."""
        try:
            client: MongoClient = MongoClient(
                self.uri,
                serverSelectionTimeoutMS=self.timeout_ms,
                connectTimeoutMS=self.timeout_ms,
                tz_aware=True,
                appname="newsportal",
            )
            client.admin.command("ping")
        except (PyMongoError, ValueError, TypeError) as exc:
            message = (
                f"MongoDB is unreachable at {self.safe_uri} ({self._scrub(exc)}). "
                "Stopping the crawl: its articles could not be stored."
            )
            logger.error(message)
            raise StorageUnavailable(message) from None
        logger.info("Storing articles in MongoDB at %s", self.safe_uri)
        return client

    def _scrub(self, exc: BaseException) -> str:
        """A short error text with no trace of the password, whatever the driver put in it."""
        # Server-selection errors append timeouts and a whole topology dump: keep the cause.
        text = str(exc).split(", Timeout: ", 1)[0]
        text = re.sub(r" \(configured timeouts: [^)]*\)", "", text)
        password = uri_password(self.uri)
        if password:
            for form in {password, unquote(password)}:
                text = text.replace(form, "***")
        return text.replace(self.uri, self.safe_uri)

    def _spool_name(self) -> str:
        """One spool per target, so a replay never goes to another server or collection."""
        match = _USERINFO.match(self.uri)
        rest = self.uri[match.end() :] if match else self.uri.split("://", 1)[-1]
        hosts = rest.split("/", 1)[0].split("?", 1)[0]
        tag = hashlib.sha1(hosts.encode("utf-8")).hexdigest()[:10]
        return f"{self.database_name}.{self.collection_name}.{tag}.jsonl"

    # -- lifecycle -------------------------------------------------------------------------------

    async def open_spider(self) -> None:
        await asyncio.to_thread(self._create_indexes)
        if self.spool.pending():
            logger.info("Replaying articles spooled by an earlier run from %s", self.spool.path)
            await self._replay(self.retry_times)

    def _create_indexes(self) -> None:
        # _id is the canonical URL: unique by nature, no extra index needed for it.
        self.collection.create_index([("published_at", ASCENDING)], name="published_at")
        self.collection.create_index(
            [("site", ASCENDING), ("section", ASCENDING)], name="site_section"
        )

    async def close_spider(self) -> None:
        """Flush the pending batch: also runs on SIGTERM/Ctrl-C, Scrapy's graceful shutdown."""
        self._cancel_timer()
        for task in list(self._tasks):
            with contextlib.suppress(Exception):
                await task
        await self.flush()
        if self.spool.pending():
            async with self._lock:
                await self._replay(self.retry_times)
        if self.spool.pending():
            logger.warning(
                "MongoDB at %s is still unreachable: spooled articles stay in %s and are "
                "replayed by the next run",
                self.safe_uri,
                self.spool.path,
            )
        self.client.close()

    # -- items -----------------------------------------------------------------------------------

    async def process_item(self, item: Any) -> Any:
        self._batch.append((article_record(item, datetime.now(UTC)), item))
        if len(self._batch) >= self.batch_size:
            await self.flush()
        elif len(self._batch) == 1:
            self._start_timer()
        return item

    def _on_alias(self, url: str, alias: str) -> None:
        now = datetime.now(UTC)
        for record, _ in self._batch:
            if record["_id"] == url and record["doc"] is not None:
                if alias not in record["aliases"]:
                    record["aliases"].append(alias)
                return
        self._batch.append((alias_record(url, alias, now), None))
        if len(self._batch) == 1:
            self._start_timer()

    def _start_timer(self) -> None:
        self._cancel_timer()
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(self.max_delay, self._flush_soon)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _flush_soon(self) -> None:
        self._timer = None
        task = asyncio.get_running_loop().create_task(self.flush())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def flush(self) -> None:
        """Write the pending batch; on failure retry, then spool it. Never raises."""
        async with self._lock:
            batch, self._batch = self._batch, []
            self._cancel_timer()
            if not batch:
                return
            attempts = 0 if self._down else self.retry_times
            records = [record for record, _ in batch]
            if self.spool.pending() and not await self._replay(attempts):
                await self._to_spool(records)
                return
            outcome = await self._write(records, attempts)
            if outcome is None:
                await self._to_spool(records)
                return
            stored = [
                item
                for record, item in batch
                if item is not None and record["_id"] not in outcome.failed_ids
            ]
            self._stored(records, stored, outcome)

    async def _write(self, records: list[dict[str, Any]], retries: int) -> WriteOutcome | None:
        """Write with up to ``retries`` retries and exponential backoff; None when it failed."""
        for attempt in range(retries + 1):
            try:
                outcome = await asyncio.to_thread(write_records, self.collection, records)
            except PyMongoError as exc:
                if attempt < retries:
                    delay = min(self.retry_backoff * 2**attempt, 60.0)
                    self.stats.inc_value(_STAT + "retries")
                    logger.warning(
                        "MongoDB write of %d articles failed (%s); retry %d/%d in %.1fs",
                        len(records),
                        self._scrub(exc),
                        attempt + 1,
                        retries,
                        delay,
                    )
                    await asyncio.sleep(delay)
                    continue
                # Said once per outage: while it lasts every batch goes to the spool.
                log = logger.debug if self._down else logger.error
                log("MongoDB at %s is unreachable (%s)", self.safe_uri, self._scrub(exc))
                self._down = True
                return None
            self.stats.inc_value(_STAT + "batches")
            if self._down:
                logger.info("MongoDB at %s is reachable again", self.safe_uri)
            self._down = False
            return outcome
        return None

    async def _to_spool(self, records: list[dict[str, Any]]) -> None:
        try:
            # In a thread: fsync, and the lock another job's replay may hold, take time.
            await asyncio.to_thread(self.spool.append, records)
        except OSError as exc:
            self.stats.inc_value(_STAT + "lost", len(records))
            logger.error(
                "%d articles are LOST: MongoDB is unreachable and the spool %s failed (%s)",
                len(records),
                self.spool.path,
                exc,
            )
            return
        self.stats.inc_value(_STAT + "spooled", len(records))
        logger.warning(
            "Spooled %d articles to %s; they are written to MongoDB when it is back",
            len(records),
            self.spool.path,
        )

    async def _replay(self, retries: int) -> bool:
        """Write everything spooled, oldest first, then empty the spool. False if MongoDB is away.

        Call with ``self._lock`` held (or before any flush can run): replayed records must reach
        MongoDB before newer versions of the same articles do.
        """
        with self.spool.locked():
            records = self.spool.read()
            for start in range(0, len(records), self.batch_size):
                chunk = records[start : start + self.batch_size]
                outcome = await self._write(chunk, retries)
                if outcome is None:
                    return False
                self._stored(chunk, [], outcome)
                self.stats.inc_value(_STAT + "replayed", len(chunk))
            self.spool.clear()
        if records:
            logger.info("Replayed %d spooled articles into MongoDB", len(records))
        return True

    def _stored(
        self, records: list[dict[str, Any]], items: list[Any], outcome: WriteOutcome
    ) -> None:
        for name in ("inserted", "updated", "unchanged"):
            value = getattr(outcome, name)
            if value:
                self.stats.inc_value(_STAT + name, value)
        if outcome.failed_ids:
            self.stats.inc_value(_STAT + "write_errors", len(outcome.failed_ids))
        urls: list[str] = []
        for record in records:
            if record["_id"] in outcome.failed_ids:
                continue
            urls.append(record["_id"])
            urls.extend(record["aliases"])
        self.crawler.signals.send_catch_log(
            signal=items_stored, items=items, urls=urls, spider=self.crawler.spider
        )
