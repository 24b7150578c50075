"""MongoPipeline against a real wire-protocol server on 127.0.0.1 (nx-27017, or MONGO_TEST_URI)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from pathlib import Path

import pytest
from itemadapter import ItemAdapter
from pymongo import monitoring
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.test import get_crawler

from newsportal.items import NewsArticle
from newsportal.pipelines import dedupe_keys
from newsportal.signals import article_alias
from newsportal.storage.mongo import (
    MongoPipeline,
    StorageUnavailable,
    content_hash,
    items_stored,
    redact_uri,
    storage_enabled,
)
from newsportal.storage.spool import Spool, resolve_data_dir

pytest_plugins = ["tests.mongo_fixtures"]

CST = dt.timezone(dt.timedelta(hours=8))
PUBLISHED = dt.datetime(2024, 6, 5, 16, 33, 17, tzinfo=CST)
SEED_URL = "http://news.jiulongw.cn/china/2024-06-05/142465.html"


def article(n: int = 0, **fields) -> NewsArticle:
    values = {
        "url": SEED_URL if n == 0 else f"http://news.jiulongw.cn/china/2024-06-05/{n}.html",
        "site": "jiulong",
        "section": "国内新闻",
        "title": f"2023年山西破获电信网络诈骗案件1.7万余起 {n}",
        "published_at": PUBLISHED,
        "published_at_raw": "2024-06-05 16:33:17",
        "source": "中国新闻网",
        "editor": "代平",
        "keywords": ["山西"],
        "body": f"中新网太原6月5日电\n第二段 {n}",
        "images": [{"url": "http://img.jiulongw.cn/a.jpg", "caption": None}],
        "related": [],
        "crawled_at": dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC),
    }
    values.update(fields)
    return NewsArticle(**values)


def make_pipeline(uri: str, database: str, tmp_path, **settings) -> tuple[MongoPipeline, object]:
    crawler = get_crawler(
        settings_dict={
            "MONGO_URI": uri,
            "MONGO_DATABASE": database,
            "MONGO_RETRY_BACKOFF": 0.01,
            "MONGO_TIMEOUT_MS": 500,
            "NEWSPORTAL_DATA_DIR": str(tmp_path / "data"),
            **settings,
        }
    )
    crawler.stats.open_spider()
    return MongoPipeline.from_crawler(crawler), crawler


def stats(crawler) -> dict:
    return {
        key.rsplit("/", 1)[1]: value
        for key, value in crawler.stats.get_stats().items()
        if key.startswith("newsportal/mongo/")
    }


def run(pipeline: MongoPipeline, *items, close: bool = True) -> None:
    async def go() -> None:
        await pipeline.open_spider()
        for item in items:
            await pipeline.process_item(item)
        if close:
            await pipeline.close_spider()

    asyncio.run(go())


@pytest.fixture
def collection(mongo_server, mongo_database):
    client = mongo_server.client()
    yield client[mongo_database]["articles"]
    client.close()


# -- configuration -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("mongodb://user:s3cret@db.example:27017/news", "mongodb://user:***@db.example:27017/news"),
        (
            "mongodb+srv://u:p%40ss@cluster.example/?tls=true",
            "mongodb+srv://u:***@cluster.example/?tls=true",
        ),
        ("mongodb://user@db.example/", "mongodb://user@db.example/"),
        ("mongodb://127.0.0.1:27017", "mongodb://127.0.0.1:27017"),
        ("mongodb://a:b@h1:1,h2:2/?replicaSet=rs", "mongodb://a:***@h1:1,h2:2/?replicaSet=rs"),
    ],
)
def test_redact_uri(uri, expected):
    assert redact_uri(uri) == expected


def test_without_uri_the_pipeline_is_off_and_says_where_items_go(caplog):
    crawler = get_crawler(settings_dict={"MONGO_URI": ""})
    with caplog.at_level(logging.INFO), pytest.raises(NotConfigured):
        MongoPipeline.from_crawler(crawler)
    assert "articles go to the feed" in caplog.text
    assert not storage_enabled(crawler.settings)


def test_storage_enabled_needs_uri_and_registration():
    pipelines = {"newsportal.storage.mongo.MongoPipeline": 300}
    on = get_crawler(settings_dict={"MONGO_URI": "mongodb://x", "ITEM_PIPELINES": pipelines})
    assert storage_enabled(on.settings)
    off = get_crawler(settings_dict={"MONGO_URI": "mongodb://x"})
    assert not storage_enabled(off.settings)


def test_unreachable_at_start_stops_with_redacted_uri(tmp_path, caplog, closed_port):
    uri = f"mongodb://reader:hunter2pw@127.0.0.1:{closed_port}/news"
    with caplog.at_level(logging.DEBUG), pytest.raises(StorageUnavailable) as raised:
        make_pipeline(uri, "news", tmp_path, MONGO_TIMEOUT_MS=200)
    assert raised.value.code == 1
    assert "reader:***@127.0.0.1" in str(raised.value)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "reader:***@127.0.0.1" in errors[0].getMessage()
    assert "hunter2pw" not in caplog.text


def test_relative_dirs_resolve_under_data_dir(tmp_path):
    crawler = get_crawler(settings_dict={"NEWSPORTAL_DATA_DIR": str(tmp_path)})
    assert resolve_data_dir(crawler.settings, "spool", "X") == tmp_path / "spool"
    assert resolve_data_dir(crawler.settings, "/abs/dir", "X") == Path("/abs/dir")


def test_relative_dir_without_any_base_fails_loudly(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no scrapy.cfg here or above
    crawler = get_crawler(settings_dict={"NEWSPORTAL_DATA_DIR": ""})
    with pytest.raises(ValueError, match="DELTAFETCH_DIR='deltafetch' is a relative path"):
        resolve_data_dir(crawler.settings, "deltafetch", "DELTAFETCH_DIR")


# -- writes ---------------------------------------------------------------------------------------


def test_stored_document_schema(mongo_server, mongo_database, collection, tmp_path):
    pipeline, crawler = make_pipeline(mongo_server.uri, mongo_database, tmp_path)
    run(pipeline, article())
    doc = collection.find_one({"_id": SEED_URL})
    assert doc["url"] == SEED_URL
    assert doc["published_at"] == dt.datetime(2024, 6, 5, 8, 33, 17, tzinfo=dt.UTC)
    assert isinstance(doc["published_at"], dt.datetime)
    assert doc["published_at_raw"] == "2024-06-05 16:33:17"
    assert doc["title"] == "2023年山西破获电信网络诈骗案件1.7万余起 0"
    assert doc["images"] == [{"url": "http://img.jiulongw.cn/a.jpg", "caption": None}]
    assert doc["revision"] == 1
    assert doc["aliases"] == []
    assert doc["content_hash"] == content_hash(article())
    assert doc["first_seen_at"] == doc["updated_at"]
    assert collection.count_documents({"published_at": {"$gte": PUBLISHED}}) == 1
    keys = {tuple(index["key"]) for index in collection.index_information().values()}
    assert {(("published_at", 1),), (("site", 1), ("section", 1))} <= keys
    assert stats(crawler) == {"inserted": 1, "batches": 1}


def test_rewrite_updates_in_place_and_bumps_revision_only_on_change(
    mongo_server, mongo_database, collection, tmp_path
):
    pipeline, _ = make_pipeline(mongo_server.uri, mongo_database, tmp_path)
    run(pipeline, article(0), article(1))
    first = collection.find_one({"_id": SEED_URL})

    later = dt.datetime(2026, 11, 30, tzinfo=dt.UTC)
    pipeline, crawler = make_pipeline(mongo_server.uri, mongo_database, tmp_path)
    run(
        pipeline,
        article(0, crawled_at=later),
        article(1, body="更正后的正文", crawled_at=later),
        article(2),
    )
    assert collection.count_documents({}) == 3
    same = collection.find_one({"_id": SEED_URL})
    assert same["revision"] == 1
    assert same["updated_at"] == first["updated_at"]
    assert same["first_seen_at"] == first["first_seen_at"]
    assert same["crawled_at"] == later and isinstance(same["crawled_at"], dt.datetime)
    changed = collection.find_one({"_id": article(1)["url"]})
    assert changed["revision"] == 2
    assert changed["body"] == "更正后的正文"
    assert changed["updated_at"] > changed["first_seen_at"]
    assert isinstance(changed["published_at"], dt.datetime)
    assert stats(crawler) == {"inserted": 1, "updated": 1, "unchanged": 1, "batches": 1}


def test_aliases_are_merged(mongo_server, mongo_database, collection, tmp_path):
    alias_a = SEED_URL.replace("142465", "142465_a")
    pipeline, crawler = make_pipeline(mongo_server.uri, mongo_database, tmp_path)
    run(pipeline, article(aliases=[alias_a]))
    pipeline, crawler = make_pipeline(mongo_server.uri, mongo_database, tmp_path)
    alias_b = SEED_URL.replace("142465", "142465_b")
    alias_c = SEED_URL.replace("142465", "142465_c")

    async def go() -> None:
        await pipeline.open_spider()
        await pipeline.process_item(article(aliases=[alias_a]))
        crawler.signals.send_catch_log(article_alias, url=SEED_URL, alias=alias_b)
        await pipeline.flush()
        crawler.signals.send_catch_log(article_alias, url=SEED_URL, alias=alias_c)
        await pipeline.close_spider()

    asyncio.run(go())
    doc = collection.find_one({"_id": SEED_URL})
    assert sorted(doc["aliases"]) == [alias_a, alias_b, alias_c]
    assert collection.count_documents({}) == 1


def test_an_alias_named_by_dedupe_key_reaches_the_document_holding_it(
    mongo_server, mongo_database, collection, tmp_path
):
    # A shared crawl's worker drops a duplicate knowing the kept article only by its numbers.
    kept = article(7, url=SEED_URL.replace("142465", "142477"))
    identity, content = dedupe_keys(ItemAdapter(kept))
    assert identity is not None
    in_batch = kept["url"].replace("/china/", "/m/")
    by_other = kept["url"] + "?from=app"
    pipeline, crawler = make_pipeline(mongo_server.uri, mongo_database, tmp_path)
    other, other_crawler = make_pipeline(mongo_server.uri, mongo_database, tmp_path / "b")

    async def go() -> None:
        await pipeline.open_spider()
        await other.open_spider()
        await pipeline.process_item(kept)
        crawler.signals.send_catch_log(article_alias, url=None, alias=in_batch, key=content)
        await pipeline.close_spider()
        other_crawler.signals.send_catch_log(article_alias, url=None, alias=by_other, key=identity)
        # A re-delivered page meeting its own stored article: no alias of itself.
        other_crawler.signals.send_catch_log(
            article_alias, url=None, alias=kept["url"], key=content
        )
        await other.close_spider()

    asyncio.run(go())
    doc = collection.find_one({"_id": kept["url"]})
    assert sorted(doc["aliases"]) == sorted([in_batch, by_other])
    assert sorted(doc["dedupe_keys"]) == sorted([identity, content])
    assert collection.count_documents({}) == 1


class CommandCounter(monitoring.CommandListener):
    def __init__(self) -> None:
        self.commands: list[str] = []

    def started(self, event) -> None:
        self.commands.append(event.command_name)

    def succeeded(self, event) -> None:
        pass

    def failed(self, event) -> None:
        pass


def test_batches_of_batch_size_one_bulk_command_each(
    mongo_server, mongo_database, collection, tmp_path
):
    counter = CommandCounter()
    monitoring.register(counter)
    try:
        pipeline, crawler = make_pipeline(
            mongo_server.uri, mongo_database, tmp_path, MONGO_BATCH_SIZE=3
        )
        run(pipeline, *(article(n) for n in range(7)))
    finally:
        monitoring._LISTENERS.command_listeners.remove(counter)
    assert collection.count_documents({}) == 7
    assert counter.commands.count("update") == 3  # 3 + 3 + the 1 flushed at close
    assert stats(crawler) == {"inserted": 7, "batches": 3}


def test_stored_signal_fires_only_after_the_batch_is_written(
    mongo_server, mongo_database, collection, tmp_path
):
    pipeline, crawler = make_pipeline(
        mongo_server.uri, mongo_database, tmp_path, MONGO_MAX_DELAY=0.05
    )
    stored: list[tuple[list, list]] = []
    crawler.signals.connect(
        lambda items, urls, **kw: stored.append((items, urls)), signal=items_stored, weak=False
    )
    item = article(aliases=["http://news.jiulongw.cn/alias.html"])

    async def go() -> None:
        await pipeline.open_spider()
        await pipeline.process_item(item)
        assert stored == []  # waiting in the batch, not in MongoDB yet
        assert collection.count_documents({}) == 0
        for _ in range(200):  # the max-delay timer flushes without close
            if stored:
                break
            await asyncio.sleep(0.05)
        assert collection.count_documents({}) == 1
        await pipeline.close_spider()

    asyncio.run(go())
    assert stored == [([item], [SEED_URL, "http://news.jiulongw.cn/alias.html"])]


# -- faults ---------------------------------------------------------------------------------------


def test_outage_mid_run_spools_then_replays_when_back(
    private_mongo_server, mongo_database, tmp_path, caplog
):
    server = private_mongo_server
    pipeline, crawler = make_pipeline(server.uri, mongo_database, tmp_path, MONGO_BATCH_SIZE=2)
    stored_urls: list[str] = []
    crawler.signals.connect(
        lambda urls, **kw: stored_urls.extend(urls), signal=items_stored, weak=False
    )

    async def go() -> None:
        await pipeline.open_spider()
        for n in (0, 1):
            await pipeline.process_item(article(n))
        server.stop()
        for n in (2, 3):  # retried, then spooled
            await pipeline.process_item(article(n))
        assert pipeline.spool.pending()
        for n in (4, 5):  # still down: straight to the spool
            await pipeline.process_item(article(n))
        server.start()
        for n in (6, 7):  # back: the spool is replayed first, then this batch
            await pipeline.process_item(article(n, body="新"))
        await pipeline.process_item(article(2, body="改"))  # newer than its spooled copy
        await pipeline.close_spider()

    with caplog.at_level(logging.INFO):
        asyncio.run(go())
    client = server.client()
    docs = {doc["_id"]: doc for doc in client[mongo_database].articles.find()}
    client.close()
    assert sorted(docs) == sorted(article(n)["url"] for n in range(8))
    assert docs[article(2)["url"]]["body"] == "改"
    assert docs[article(2)["url"]]["revision"] == 2
    assert not pipeline.spool.pending()
    assert sorted(set(stored_urls)) == sorted(docs)
    counts = stats(crawler)
    assert counts["spooled"] == 4 and counts["replayed"] == 4
    assert counts["retries"] == 3
    assert counts["inserted"] == 8 and counts["updated"] == 1
    assert "Spooled 2 articles" in caplog.text


def test_spool_left_at_close_is_replayed_by_the_next_run(
    private_mongo_server, mongo_database, tmp_path
):
    server = private_mongo_server
    pipeline, crawler = make_pipeline(server.uri, mongo_database, tmp_path, MONGO_RETRY_TIMES=0)

    async def first_run() -> None:
        await pipeline.open_spider()
        await pipeline.process_item(article(0))
        await pipeline.flush()
        server.stop()
        await pipeline.process_item(article(1))
        await pipeline.close_spider()  # cannot write: the article stays spooled

    asyncio.run(first_run())
    assert stats(crawler)["spooled"] == 1
    spool_path = pipeline.spool.path
    assert spool_path.exists()

    server.start()
    pipeline, crawler = make_pipeline(server.uri, mongo_database, tmp_path)
    run(pipeline)
    client = server.client()
    assert client[mongo_database].articles.count_documents({}) == 2
    assert client[mongo_database].articles.find_one({"_id": article(1)["url"]})["revision"] == 1
    client.close()
    assert stats(crawler)["replayed"] == 1
    assert not spool_path.exists()


def test_spool_round_trips_dates_and_skips_a_torn_line(tmp_path):
    spool = Spool(tmp_path / "s.jsonl")
    when = dt.datetime(2024, 6, 5, 8, 33, 17, tzinfo=dt.UTC)
    spool.append([{"_id": "a", "doc": {"published_at": when, "title": "标题"}}])
    with open(spool.path, "ab") as handle:
        handle.write(b'{"_id": "b", "doc": {"tit')  # killed mid-append
    assert spool.read() == [{"_id": "a", "doc": {"published_at": when, "title": "标题"}}]
    spool.clear()
    assert not spool.pending()


def test_unwritable_spool_is_a_loud_counted_loss(private_mongo_server, mongo_database, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    pipeline, crawler = make_pipeline(
        private_mongo_server.uri,
        mongo_database,
        tmp_path,
        MONGO_RETRY_TIMES=0,
        NEWSPORTAL_SPOOL_DIR=str(blocker / "spool"),
    )

    async def go() -> None:
        await pipeline.open_spider()
        private_mongo_server.stop()
        await pipeline.process_item(article())
        await pipeline.close_spider()

    asyncio.run(go())
    assert stats(crawler)["lost"] == 1
    assert "spooled" not in stats(crawler)


def test_one_refused_document_never_costs_the_others(
    mongo_server, mongo_database, collection, tmp_path, caplog
):
    """pymongo's DocumentTooLarge is no PyMongoError: it used to escape with the whole batch."""
    pipeline, crawler = make_pipeline(mongo_server.uri, mongo_database, tmp_path)
    stored: list[str] = []
    crawler.signals.connect(lambda urls, **kw: stored.extend(urls), signal=items_stored, weak=False)
    huge = article(2, body="长" * (6 * 1024 * 1024))  # 18 MB of UTF-8: over MongoDB's 16 MiB
    odd = article(3, keywords={"不是列表"})  # a value BSON cannot hold
    invalid = article(4, images=[{"url": "http://img.jiulongw.cn/b.jpg", "size": 2**70}])

    async def go() -> None:
        await pipeline.open_spider()
        for item in (article(0), huge, article(1), invalid):
            await pipeline.process_item(item)
        with pytest.raises(DropItem, match="not storable"):
            await pipeline.process_item(odd)
        await pipeline.close_spider()

    with caplog.at_level(logging.WARNING):
        asyncio.run(go())
    ids = sorted(doc["_id"] for doc in collection.find({}, {"_id": 1}))
    assert ids == sorted([article(0)["url"], article(1)["url"]])
    counts = crawler.stats.get_stats()
    assert counts["newsportal/mongo/inserted"] == len(ids)  # the stats say what MongoDB holds
    assert counts["newsportal/dropped/document_too_large"] == 1
    assert counts["newsportal/dropped/invalid_document"] == 2
    assert counts["newsportal/mongo/write_errors"] == 3
    assert huge["url"] not in stored and invalid["url"] not in stored
    assert f"Dropped article (document_too_large): {huge['url']}" in caplog.text


# -- one article, two addresses (static and dynamic) ----------------------------------------------

STATIC = "http://www.county.gov.cn/baoshan/2024-06-05/142435.html"
DYNAMIC = "http://www.county.gov.cn/index.php?m=content&c=index&a=show&catid=11&id=142435"


def addressed(url: str, **fields) -> NewsArticle:
    return article(1, url=url, **{"title": "县融媒体中心举办培训", **fields})


def test_two_addresses_in_one_batch_are_one_document_under_the_static(
    mongo_server, mongo_database, collection, tmp_path
):
    pipeline, crawler = make_pipeline(mongo_server.uri, mongo_database, tmp_path)
    # Same id in the address, another title: another article (ids repeat across sections).
    other_title = addressed(STATIC.replace("baoshan", "tiyu"), title="另一篇")
    run(pipeline, addressed(DYNAMIC), addressed(STATIC), other_title)
    docs = {doc["_id"]: doc for doc in collection.find()}
    assert sorted(docs) == sorted([STATIC, other_title["url"]])
    assert docs[STATIC]["aliases"] == [DYNAMIC]
    assert docs[STATIC]["url"] == STATIC and docs[STATIC]["revision"] == 1
    assert stats(crawler)["inserted"] == 2


@pytest.mark.parametrize("first", [DYNAMIC, STATIC])
def test_two_addresses_across_runs_are_kept_once_under_the_static(
    mongo_server, mongo_database, collection, tmp_path, first
):
    second = STATIC if first == DYNAMIC else DYNAMIC
    pipeline, _ = make_pipeline(mongo_server.uri, mongo_database, tmp_path)
    run(pipeline, addressed(first))
    before = collection.find_one()
    pipeline, crawler = make_pipeline(mongo_server.uri, mongo_database, tmp_path)
    stored: list[str] = []
    crawler.signals.connect(lambda urls, **kw: stored.extend(urls), signal=items_stored, weak=False)

    async def go() -> None:
        await pipeline.open_spider()
        await pipeline.process_item(addressed(second, body="更正后的正文"))
        await pipeline.flush()
        # An alias found later for the old address lands on the kept document.
        crawler.signals.send_catch_log(article_alias, url=first, alias=STATIC + "?from=m")
        await pipeline.close_spider()

    asyncio.run(go())
    docs = list(collection.find())
    assert [doc["_id"] for doc in docs] == [STATIC]
    doc = docs[0]
    assert set(doc["aliases"]) == {DYNAMIC, STATIC + "?from=m"}
    assert doc["first_seen_at"] == before["first_seen_at"]
    assert doc["revision"] == 2 and doc["body"] == "更正后的正文"
    assert doc["article_key"] == "county.gov.cn#142435"
    assert {STATIC, DYNAMIC} <= set(stored)  # both addresses count as seen
    counts = stats(crawler)
    assert "inserted" not in counts and counts["updated"] == 1
