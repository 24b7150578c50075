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

Each document also keeps ``dedupe_keys``, the numbers of its identity and content
(:func:`newsportal.pipelines.dedupe_keys`, indexed): a worker of a shared crawl that drops a
duplicate knows the kept article only by them, and its alias is added to the document holding
the number. Like an alias by URL, it is added to a document already written (or in this
worker's own batch); one still in flight in another worker's batch misses it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import re
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import bson
from itemadapter import ItemAdapter
from pymongo import ASCENDING, DeleteOne, MongoClient, UpdateOne
from pymongo.collection import Collection
from pymongo.errors import BulkWriteError, PyMongoError
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.settings import BaseSettings
from scrapy.utils.misc import load_object

from newsportal.cms.addresses import address_rank, article_key
from newsportal.pipelines import dedupe_keys
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


def destination_hosts(uri: str) -> str:
    """The server part of a MongoDB URI (hosts and ports), without any credentials."""
    match = _USERINFO.match(uri)
    rest = uri[match.end() :] if match else uri.split("://", 1)[-1]
    hosts = rest.split("/", 1)[0].split("?", 1)[0].lower()
    return ",".join(sorted(hosts.split(",")))


def destination_tag(uri: str, database: str, collection: str) -> str:
    """A short, credential-free name for one destination (server, database, collection).

    State that caches what a destination holds (the seen-store) or waits to be written to it
    (the spool) is keyed by this, so a new ``MONGO_DATABASE`` or ``MONGO_COLLECTION`` never
    inherits another one's state, and no password ever reaches a file name.
    """
    name = f"{destination_hosts(uri)}/{database}.{collection}"
    return hashlib.sha1(name.encode("utf-8")).hexdigest()[:10]


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


def _norm_title(title: Any) -> str:
    return " ".join(str(title or "").split())


def article_record(item: Any, now: datetime) -> dict[str, Any]:
    """The storage record of one item: what is written, and what the spool keeps if it can't be.

    ``published_at`` and ``crawled_at`` become UTC datetimes (BSON dates); ``published_at_raw``
    keeps the text the date was read from. ``article_key`` (the id the address carries, see
    :func:`newsportal.cms.addresses.article_key`) is stored too: it is how a later batch or run
    finds the same article under another address.
    """
    adapter = ItemAdapter(item)
    doc = {key: value for key, value in adapter.items() if key not in {"aliases", "_id"}}
    for key in ("published_at", "crawled_at"):
        if key in doc:
            doc[key] = _as_date(doc[key])
    url = adapter["url"]
    doc["article_key"] = article_key(url)
    aliases = [alias for alias in adapter.get("aliases") or [] if alias and alias != url]
    return {
        "_id": url,
        "doc": doc,
        "hash": content_hash(adapter),
        "aliases": aliases,
        "keys": [key for key in dedupe_keys(adapter) if key is not None],
        "at": now,
    }


KEY_RECORD = "dedupe-key:"  # the _id of a record that names its document by a dedupe key


def alias_record(url: str, alias: str, now: datetime) -> dict[str, Any]:
    """A record that only adds an alias URL to an article stored earlier."""
    return {"_id": url, "doc": None, "hash": None, "aliases": [alias], "at": now}


def key_alias_record(key: int, alias: str, now: datetime) -> dict[str, Any]:
    """A record that adds an alias URL to the article stored with this dedupe key."""
    record = alias_record(f"{KEY_RECORD}{key}", alias, now)
    record["key"] = key
    return record


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


def _identity(record: dict[str, Any]) -> tuple[str, str] | None:
    """What makes two addresses one article: the id they carry and the title they show."""
    doc = record["doc"]
    if doc is None:
        return None
    key = doc.get("article_key") or article_key(record["_id"])
    return (key, _norm_title(doc.get("title"))) if key else None


def _preferred(ids: set[str], existing: set[str]) -> str:
    """The address kept: lowest address_rank (static); then one already stored; then by name."""
    return min(ids, key=lambda url: (address_rank(url), url not in existing, url))


class Plan:
    """What one batch does to MongoDB after merging the addresses of one article."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []
        self.deletes: list[str] = []  # stored documents folded into another address
        self.moved: dict[str, str] = {}  # address -> the address now kept


def plan_batch(collection: Collection, records: list[dict[str, Any]]) -> Plan:
    """Merge records (and stored documents) that are one article under several addresses.

    Two records are one article when their address carries the same id (``article_key``) and
    their titles are equal: a static and a dynamic address of one PHPCMS/DedeCMS/EmpireCMS
    article. A fingerprint is not enough across runs, where each run may meet another address
    first, so stored documents of the same key are read back and merged too: the article is
    kept once, under its preferred address (:func:`address_rank`), the others become aliases,
    and a document re-keyed to a better address keeps ``first_seen_at``, ``revision`` and its
    aliases. Blocking: run it in a thread.
    """
    plan = Plan()
    records = coalesce(_resolve_keys(collection, records))
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        identity = _identity(record)
        if identity is not None:
            groups[identity].append(record)
    stored: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    if groups:
        keys = sorted({key for key, _ in groups})
        projection = {
            "_id": 1,
            "title": 1,
            "article_key": 1,
            "aliases": 1,
            "first_seen_at": 1,
            "updated_at": 1,
            "revision": 1,
            "content_hash": 1,
        }
        for doc in collection.find({"article_key": {"$in": keys}}, projection):
            stored[(doc.get("article_key"), _norm_title(doc.get("title")))].append(doc)
    merged_away: set[int] = set()
    for identity, members in groups.items():
        docs = stored.get(identity, [])
        existing = {doc["_id"] for doc in docs}
        ids = {record["_id"] for record in members} | existing
        if len(ids) == 1:
            continue
        keep = _preferred(ids, existing)
        latest = members[-1]
        aliases: list[str] = []
        for url in [
            *sorted(ids),
            *(a for r in members for a in r["aliases"]),
            *(a for d in docs for a in d.get("aliases") or []),
        ]:
            if url != keep and url not in aliases:
                aliases.append(url)
        record = {**latest, "_id": keep, "doc": {**latest["doc"], "url": keep}, "aliases": aliases}
        record["keys"] = sorted({key for member in members for key in member.get("keys") or []})
        if keep not in existing and docs:
            oldest = min(docs, key=lambda d: (d.get("first_seen_at") or latest["at"], d["_id"]))
            record["inherit"] = {
                "first_seen_at": oldest.get("first_seen_at") or latest["at"],
                "updated_at": oldest.get("updated_at") or latest["at"],
                "revision": oldest.get("revision") or 1,
                "content_hash": oldest.get("content_hash"),
            }
        for member in members:
            merged_away.add(id(member))
        plan.records.append(record)
        plan.deletes.extend(sorted(existing - {keep}))
        for url in ids - {keep}:
            plan.moved[url] = keep
    for record in records:
        if id(record) in merged_away:
            continue
        if record["doc"] is None and record["_id"] in plan.moved:
            record = {**record, "_id": plan.moved[record["_id"]]}
        plan.records.append(record)
    plan.records = coalesce(plan.records)
    return plan


def _resolve_keys(collection: Collection, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Alias records naming their article by a dedupe key, turned into records by ``_id``
    (without the document's own address); one no document holds yet is left as it is."""
    keys = sorted({record["key"] for record in records if "key" in record})
    if not keys:
        return records
    owner: dict[int, str] = {}
    for doc in collection.find({"dedupe_keys": {"$in": keys}}, {"_id": 1, "dedupe_keys": 1}):
        for key in doc.get("dedupe_keys") or ():
            owner.setdefault(key, doc["_id"])
    out = []
    for record in records:
        url = owner.get(record.get("key"))  # type: ignore[arg-type]
        if url is not None:
            aliases = [alias for alias in record["aliases"] if alias != url]
            if not aliases:
                continue  # a re-delivered page met its own stored article
            record = {**alias_record(url, aliases[0], record["at"]), "aliases": aliases}
        out.append(record)
    return out


def write_ops(record: dict[str, Any]) -> list[UpdateOne]:
    """The update statements of one record (see the module docstring for why two)."""
    key, at = record["_id"], record["at"]
    aliases: dict[str, Any] = {"aliases": {"$each": record["aliases"]}}
    if record["doc"] is None:
        where = {"dedupe_keys": record["key"]} if "key" in record else {"_id": key}
        return [UpdateOne(where, {"$addToSet": aliases})]
    if record.get("keys"):
        aliases["dedupe_keys"] = {"$each": record["keys"]}
    digest = record["hash"]
    inherit = record.get("inherit")
    if inherit is not None:
        # A stored article moving to its preferred address: one statement, computed here
        # (the document at the new address does not exist yet).
        changed = inherit["content_hash"] != digest
        return [
            UpdateOne(
                {"_id": key},
                {
                    "$set": record["doc"],
                    "$setOnInsert": {
                        "first_seen_at": inherit["first_seen_at"],
                        "updated_at": at if changed else inherit["updated_at"],
                        "content_hash": digest,
                        "revision": inherit["revision"] + (1 if changed else 0),
                    },
                    "$addToSet": aliases,
                },
                upsert=True,
            )
        ]
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
        self.inserted = self.updated = self.unchanged = self.readdressed = self.merged = 0
        self.failed: dict[str, str] = {}  # _id -> why MongoDB (or the driver) refused it
        self.records: list[dict[str, Any]] = []  # as written, after merging addresses
        self.moved: dict[str, str] = {}

    @property
    def failed_ids(self) -> set[str]:
        return set(self.failed)


def _refusal(record: dict[str, Any], limit: int) -> str | None:
    """Why the driver would refuse this record's document, or None."""
    if record["doc"] is None:
        return None
    try:
        size = len(bson.encode(record["doc"]))
    except Exception:  # bson.errors.InvalidDocument, OverflowError: a value BSON cannot hold
        return "invalid_document"
    return "document_too_large" if size > limit else None


def write_records(
    collection: Collection, records: list[dict[str, Any]], max_bytes: int = 16 * 1024 * 1024
) -> WriteOutcome:
    """One unordered ``bulk_write`` for all records. Blocking: run it in a thread.

    Raises PyMongoError when the server is unreachable (the caller retries and spools). A
    document MongoDB or the driver refuses (too large, not encodable, a write error) is
    permanent: it is reported in ``failed`` with its reason and never costs the others.
    """
    plan = plan_batch(collection, records)
    outcome = WriteOutcome()
    outcome.moved = plan.moved
    # Checked here: pymongo raises DocumentTooLarge (no PyMongoError) for the whole bulk.
    limit = max_bytes - 16 * 1024  # room for the update statement around the document
    kept = []
    for record in plan.records:
        reason = _refusal(record, limit)
        if reason:
            outcome.failed[record["_id"]] = reason
        else:
            kept.append(record)
    outcome.records = plan.records
    _bulk(collection, kept, plan.deletes, outcome)
    return outcome


def _bulk(
    collection: Collection, records: list[dict[str, Any]], deletes: list[str], out: WriteOutcome
) -> None:
    ops: list[UpdateOne | DeleteOne] = []
    owners: list[dict[str, Any]] = []
    for record in records:
        record_ops = write_ops(record)
        ops.extend(record_ops)
        owners.extend([record] * len(record_ops))
    ops.extend(DeleteOne({"_id": url}) for url in deletes)
    if not ops:
        return
    try:
        result = collection.bulk_write(ops, ordered=False).bulk_api_result
    except BulkWriteError as exc:
        result = exc.details
        if result.get("writeConcernErrors") or not result.get("writeErrors"):
            raise
        for error in result["writeErrors"]:
            if error["index"] < len(owners):
                reason = "mongo_write_error"
                if error.get("code") in (10334, 17419, 17420):  # BSONObjectTooLarge and kin
                    reason = "document_too_large"
                owner = owners[error["index"]]
                out.failed.setdefault(owner["_id"], reason)
                logger.error("MongoDB refused article %s: %s", owner["_id"], error.get("errmsg"))
    except PyMongoError:
        raise
    except Exception as exc:  # InvalidDocument, DocumentTooLarge, OverflowError: not PyMongoError
        if len(records) <= 1:
            for record in records:
                out.failed[record["_id"]] = _reason(exc)
            if records:
                logger.error("MongoDB driver refused article %s: %s", records[0]["_id"], exc)
            if deletes:
                _bulk(collection, [], deletes, out)
            return
        # Find the culprit without costing the others: each record on its own.
        for record in records:
            _bulk(collection, [record], [], out)
        if deletes:
            _bulk(collection, [], deletes, out)
        return
    _count(result, owners, records, out)


def _reason(exc: BaseException) -> str:
    name = type(exc).__name__
    return "document_too_large" if name == "DocumentTooLarge" else "invalid_document"


def _count(
    result: dict[str, Any],
    owners: list[dict[str, Any]],
    records: list[dict[str, Any]],
    out: WriteOutcome,
) -> None:
    upserted = {owners[u["index"]]["_id"] for u in result.get("upserted") or []}
    articles = [r for r in records if r["doc"] is not None and r["_id"] not in out.failed]
    alias_only = sum(1 for r in records if r["doc"] is None)
    new = [r for r in articles if r["_id"] in upserted and "inherit" not in r]
    moved = [r for r in articles if r["_id"] in upserted and "inherit" in r]
    out.inserted += len(new)
    out.readdressed += len(moved)
    out.merged += result.get("nRemoved", 0) or 0
    existing = len(articles) - len(new) - len(moved)
    changed = (result.get("nMatched", 0) or 0) - existing - alias_only
    changed = min(max(changed, 0), existing)
    moved_changed = sum(1 for r in moved if r["inherit"]["content_hash"] != r["hash"])
    out.updated += changed + moved_changed
    out.unchanged += existing - changed + len(moved) - moved_changed


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
        # MongoDB's own limit; lower it to refuse oversized articles earlier.
        self.max_doc_bytes = settings.getint("MONGO_MAX_DOCUMENT_BYTES", 16 * 1024 * 1024)
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
        # A spool left by an earlier run in a place we cannot write: kept, never replayed here.
        self._spool_blocked = False
        self._lost = 0
        self._moved: dict[str, str] = {}  # address -> the preferred address it was merged into

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
        if self._spool_pending():
            logger.info("Replaying articles spooled by an earlier run from %s", self.spool.path)
            await self._replay(self.retry_times)

    def _spool_pending(self) -> bool:
        return not self._spool_blocked and self.spool.pending()

    def _create_indexes(self) -> None:
        # _id is the canonical URL: unique by nature, no extra index needed for it.
        self.collection.create_index([("published_at", ASCENDING)], name="published_at")
        self.collection.create_index(
            [("site", ASCENDING), ("section", ASCENDING)], name="site_section"
        )
        # One article under several addresses (static, dynamic) is found by the id they carry.
        self.collection.create_index([("article_key", ASCENDING)], name="article_key")
        # A shared crawl's duplicate names its kept article by these (see the module docstring).
        self.collection.create_index([("dedupe_keys", ASCENDING)], name="dedupe_keys")

    async def close_spider(self) -> None:
        """Flush the pending batch: also runs on SIGTERM/Ctrl-C, Scrapy's graceful shutdown."""
        self._cancel_timer()
        for task in list(self._tasks):
            with contextlib.suppress(Exception):
                await task
        await self.flush()
        if self._spool_pending():
            async with self._lock:
                await self._replay(self.retry_times)
        if self._spool_pending():
            logger.warning(
                "MongoDB at %s is still unreachable: spooled articles stay in %s and are "
                "replayed by the next run",
                self.safe_uri,
                self.spool.path,
            )
        if self._lost:
            logger.warning(
                "%d articles of this run were LOST (MongoDB unreachable, spool not writable); "
                "they are not marked stored, so the next run fetches them again. Exit code 1.",
                self._lost,
            )
        self.client.close()

    # -- items -----------------------------------------------------------------------------------

    async def process_item(self, item: Any) -> Any:
        try:
            record = article_record(item, datetime.now(UTC))
        except (TypeError, ValueError) as exc:  # a field no document can hold
            self.stats.inc_value(_STAT + "write_errors")
            self.stats.inc_value("newsportal/dropped/invalid_document")
            raise DropItem(f"not storable ({exc}): {ItemAdapter(item).get('url')}") from None
        self._batch.append((record, item))
        if len(self._batch) >= self.batch_size:
            await self.flush()
        elif len(self._batch) == 1:
            self._start_timer()
        return item

    def _on_alias(self, url: str | None, alias: str, key: int | None = None) -> None:
        """``alias`` is another address of the article at ``url``, or of the one stored with
        dedupe key ``key`` (a shared crawl's duplicate, whose kept URL the worker never knew)."""
        now = datetime.now(UTC)
        if url is not None:
            url = self._moved.get(url, url)
        for record, _ in self._batch:
            if record["doc"] is None:
                continue
            if record["_id"] == url or (key is not None and key in record.get("keys", ())):
                if alias not in record["aliases"] and alias != record["_id"]:
                    record["aliases"].append(alias)
                return
        if url is not None:
            self._batch.append((alias_record(url, alias, now), None))
        elif key is not None:
            self._batch.append((key_alias_record(key, alias, now), None))
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
            if self._spool_pending() and not await self._replay(attempts):
                await self._to_spool(records)
                return
            outcome = await self._write(records, attempts)
            if outcome is None:
                await self._to_spool(records)
                return
            stored = [
                item
                for record, item in batch
                if item is not None
                and outcome.moved.get(record["_id"], record["_id"]) not in outcome.failed
            ]
            self._stored(stored, outcome)

    async def _write(self, records: list[dict[str, Any]], retries: int) -> WriteOutcome | None:
        """Write with up to ``retries`` retries and exponential backoff; None when it failed."""
        for attempt in range(retries + 1):
            try:
                outcome = await asyncio.to_thread(
                    write_records, self.collection, records, self.max_doc_bytes
                )
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
                # Said once per outage: while it lasts every batch goes to the spool. A WARNING:
                # the line that follows says whether anything was lost (the one ERROR) or not.
                log = logger.debug if self._down else logger.warning
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
            # One ERROR for the whole run; the crawl goes on (later batches may get through) but
            # ends with exit code 1: a run that lost articles did not do its job.
            log = logger.debug if self._lost else logger.error
            log(
                "%d articles are LOST: MongoDB is unreachable and the spool %s cannot be "
                "written (%s). The crawl goes on and will exit with code 1",
                len(records),
                self.spool.path,
                exc.strerror or exc,
            )
            # The stat is what makes `scrapy crawl` exit 1 (newsportal.ops.commands.crawl).
            self._lost += len(records)
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
        try:
            with self.spool.locked():
                records = self.spool.read()
                for start in range(0, len(records), self.batch_size):
                    chunk = records[start : start + self.batch_size]
                    outcome = await self._write(chunk, retries)
                    if outcome is None:
                        return False
                    self._stored([], outcome)
                    self.stats.inc_value(_STAT + "replayed", len(chunk))
                self.spool.clear()
        except OSError as exc:
            # Never abort a crawl over a spool we cannot lock or clear: keep it, say so once.
            self._spool_blocked = True
            self.stats.set_value(_STAT + "spool_blocked", 1)
            logger.error(
                "The spool %s cannot be replayed and cleared (%s): it is kept as it is, for "
                "an operator to fix its directory. Its articles were never marked stored, so "
                "crawls fetch them again; this crawl goes on without it",
                self.spool.path,
                exc.strerror or exc,
            )
            return True
        if records:
            logger.info("Replayed %d spooled articles into MongoDB", len(records))
        return True

    def _stored(self, items: list[Any], outcome: WriteOutcome) -> None:
        for name in ("inserted", "updated", "unchanged", "readdressed", "merged"):
            value = getattr(outcome, name)
            if value:
                self.stats.inc_value(_STAT + name, value)
        self._moved.update(outcome.moved)
        for url, reason in outcome.failed.items():
            # A refused document is a lost article: a drop with its reason, like any other.
            self.stats.inc_value(_STAT + "write_errors")
            self.stats.inc_value(f"newsportal/dropped/{reason}")
            logger.warning("Dropped article (%s): %s", reason, url)
        urls: list[str] = []
        for record in outcome.records:
            if record["_id"] in outcome.failed:
                continue
            if "key" not in record:
                urls.append(record["_id"])
            urls.extend(record["aliases"])
        self.crawler.signals.send_catch_log(
            signal=items_stored, items=items, urls=urls, spider=self.crawler.spider
        )
