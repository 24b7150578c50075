"""Our DeltaFetch: one test per defect of scrapy-deltafetch 2.1.0, plus its skip semantics."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys

import pytest
from scrapy import Request, Spider, signals
from scrapy.core.spidermw import SpiderMiddlewareManager
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from newsportal.items import NewsArticle
from newsportal.storage.deltafetch import DeltaFetch, SeenStore
from newsportal.storage.mongo import items_stored

pytest_plugins = ["tests.mongo_fixtures"]

LIST_URL = "http://news.jiulongw.cn/china/"
ARTICLE_URL = "http://news.jiulongw.cn/china/2024-06-05/142465.html"


class PortalSpider(Spider):
    name = "portal"


def make(tmp_path, **settings):
    crawler = get_crawler(
        PortalSpider,
        settings_dict={
            "DELTAFETCH_ENABLED": True,
            "DELTAFETCH_DIR": "deltafetch",
            "NEWSPORTAL_DATA_DIR": str(tmp_path),
            **settings,
        },
    )
    crawler.stats.open_spider()
    spider = PortalSpider.from_crawler(crawler)
    mw = DeltaFetch.from_crawler(crawler)
    return mw, crawler, spider


def response(url: str, request: Request | None = None) -> HtmlResponse:
    return HtmlResponse(url, body=b"<html></html>", request=request or Request(url))


def filtered(mw: DeltaFetch, resp, outputs) -> list:
    async def gen():
        for output in outputs:
            yield output

    async def collect():
        return [o async for o in mw.process_spider_output_async(resp, gen())]

    return asyncio.run(collect())


def article(url: str = ARTICLE_URL) -> NewsArticle:
    return NewsArticle(url=url, title="t", body="b")


# (a) ---------------------------------------------------------------------------------------------


def test_a_ours_is_accepted_by_scrapy_2_16_and_later(tmp_path):
    # Stock scrapy-deltafetch 2.1.0 (sync-only process_spider_output) made this raise
    # "doesn't support asynchronous spider output" and aborted every crawl.
    ours = get_crawler(
        PortalSpider,
        settings_dict={
            "DELTAFETCH_ENABLED": True,
            "DELTAFETCH_DIR": str(tmp_path),
            "SPIDER_MIDDLEWARES": {"newsportal.storage.deltafetch.DeltaFetch": 100},
        },
    )
    manager = SpiderMiddlewareManager.from_crawler(ours)
    assert any(isinstance(mw, DeltaFetch) for mw in manager.middlewares)


def test_a_sync_and_async_output_are_filtered_alike(tmp_path):
    mw, _, spider = make(tmp_path)
    mw.spider_opened(spider)
    mw.store.add([ARTICLE_URL])
    outputs = [Request(ARTICLE_URL), Request(LIST_URL)]
    resp = response(LIST_URL)
    assert [r.url for r in mw.process_spider_output(resp, outputs)] == [LIST_URL]
    assert [r.url for r in filtered(mw, resp, outputs)] == [LIST_URL]


# (b) ---------------------------------------------------------------------------------------------


def storage_settings(server, database) -> dict:
    return {
        "MONGO_URI": server.uri,
        "MONGO_DATABASE": database,
        "ITEM_PIPELINES": {"newsportal.storage.mongo.MongoPipeline": 300},
    }


def test_b_page_counts_as_seen_only_once_its_article_is_stored(
    tmp_path, mongo_server, mongo_database
):
    mw, crawler, spider = make(tmp_path, **storage_settings(mongo_server, mongo_database))
    assert mw.wait_for_storage
    mw.spider_opened(spider)
    item = article()
    dynamic = "http://news.jiulongw.cn/plus/view.php?aid=142465"
    other = "http://news.jiulongw.cn/plus/view.php?aid=7"  # another article's address
    chain = [dynamic, other, "http://news.jiulongw.cn/go"]
    redirected = Request(ARTICLE_URL, meta={"redirect_urls": chain})
    assert filtered(mw, response(ARTICLE_URL, redirected), [item]) == [item]
    assert ARTICLE_URL not in mw.store  # yielded, not stored yet
    crawler.signals.send_catch_log(items_stored, items=[item], urls=[ARTICLE_URL])
    assert ARTICLE_URL in mw.store
    assert dynamic in mw.store and "http://news.jiulongw.cn/go" in mw.store
    assert other not in mw.store  # counts as seen only once its own article is stored
    assert crawler.stats.get_value("deltafetch/stored") == 1


def test_b_dropped_or_unstored_items_are_fetched_again(tmp_path, mongo_server, mongo_database):
    mw, crawler, spider = make(tmp_path, **storage_settings(mongo_server, mongo_database))
    mw.spider_opened(spider)
    dropped, in_flight = article(), article(ARTICLE_URL.replace("142465", "142466"))
    filtered(mw, response(ARTICLE_URL), [dropped])
    filtered(mw, response(in_flight["url"]), [in_flight])
    mw.item_gone(item=dropped)
    # item_scraped is not "stored" while MongoDB storage is on (the batch may still fail).
    crawler.signals.send_catch_log(signals.item_scraped, item=in_flight)
    again = [Request(ARTICLE_URL), Request(in_flight["url"])]
    assert len(filtered(mw, response(LIST_URL), again)) == 2
    assert mw._pending == {id(in_flight): (in_flight, {in_flight["url"]})}


def test_b_feed_only_marks_on_item_scraped(tmp_path):
    mw, crawler, spider = make(tmp_path, MONGO_URI="")
    assert not mw.wait_for_storage
    mw.spider_opened(spider)
    item = article()
    filtered(mw, response(ARTICLE_URL), [item])
    crawler.signals.send_catch_log(signals.item_scraped, item=item, response=None, spider=spider)
    assert filtered(mw, response(LIST_URL), [Request(ARTICLE_URL)]) == []
    # Stored by this run: not downloaded twice, and no "skipped" on a first run (item 12).
    assert crawler.stats.get_value("deltafetch/skipped") is None
    mw.spider_closed(spider)
    mw, crawler, spider = make(tmp_path, MONGO_URI="")
    mw.spider_opened(spider)
    for _ in range(3):  # the next run: skipped, counted once per page
        assert filtered(mw, response(LIST_URL), [Request(ARTICLE_URL)]) == []
    assert crawler.stats.get_value("deltafetch/skipped") == 1


# (c) ---------------------------------------------------------------------------------------------


def test_c_store_survives_kill_9(tmp_path):
    path = tmp_path / "portal.sqlite3"
    code = (
        "import os, sys; from pathlib import Path\n"
        "from newsportal.storage.deltafetch import SeenStore\n"
        f"s = SeenStore(Path({str(path)!r})); s.open(); s.add(['a', 'b'])\n"
        "os.kill(os.getpid(), 9)\n"
    )
    process = subprocess.run([sys.executable, "-c", code], check=False)
    assert process.returncode == -9
    store = SeenStore(path)
    store.open()
    assert "a" in store and "b" in store and len(store) == 2


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_c_damaged_store_is_rebuilt_from_mongodb_loudly(
    tmp_path, mongo_server, mongo_database, caplog, damage
):
    client = mongo_server.client()
    client[mongo_database].articles.insert_many(
        [{"_id": ARTICLE_URL, "aliases": [ARTICLE_URL + "?alias=1"]}, {"_id": LIST_URL + "1.html"}]
    )
    client.close()
    settings = storage_settings(mongo_server, mongo_database)
    mw, _, spider = make(tmp_path, **settings)
    mw.spider_opened(spider)  # a new store is filled from MongoDB too, quietly
    assert len(mw.store) == 3
    mw.spider_closed(spider)
    path = mw.store.path
    if damage == "garbage":
        path.write_bytes(b"this is not a database" * 500)
    else:
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
        path.with_name(path.name + "-wal").unlink(missing_ok=True)

    mw, crawler, spider = make(tmp_path, **settings)
    with caplog.at_level(logging.INFO):
        mw.spider_opened(spider)
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "is damaged" in errors[0] and "rebuilt from MongoDB" in errors[0]
    assert ARTICLE_URL in mw.store and ARTICLE_URL + "?alias=1" in mw.store
    assert crawler.stats.get_value("deltafetch/rebuilt") == 3
    assert list(path.parent.glob(f"{path.name}.damaged-*"))


def test_c_damaged_store_without_mongodb_resets_with_an_error(tmp_path, caplog):
    mw, _, spider = make(tmp_path)
    mw.spider_opened(spider)
    mw.store.add([ARTICLE_URL])
    mw.spider_closed(spider)
    mw.store.path.write_bytes(b"\x00garbage" * 1000)
    mw, crawler, spider = make(tmp_path)
    with caplog.at_level(logging.ERROR):
        mw.spider_opened(spider)
    assert "downloads every article page again" in caplog.text
    assert crawler.stats.get_value("deltafetch/reset") == 1
    assert len(mw.store) == 0


# (d) ---------------------------------------------------------------------------------------------


def test_d_relative_dir_is_absolute_under_the_data_dir_whatever_the_cwd(tmp_path, monkeypatch):
    job_dir = tmp_path / "scrapyd-job"  # scrapyd's cwd: no scrapy.cfg anywhere above
    job_dir.mkdir()
    monkeypatch.chdir(job_dir)
    mw, _, spider = make(tmp_path / "data", DELTAFETCH_DIR="state/deltafetch")
    mw.spider_opened(spider)
    assert mw.store.path.parent == tmp_path / "data" / "state" / "deltafetch"
    assert mw.store.path.exists()


def test_d_relative_dir_with_nothing_to_resolve_against_fails_loudly(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    crawler = get_crawler(
        PortalSpider, settings_dict={"DELTAFETCH_ENABLED": True, "NEWSPORTAL_DATA_DIR": ""}
    )
    with pytest.raises(ValueError, match="DELTAFETCH_DIR='deltafetch' is a relative path"):
        DeltaFetch.from_crawler(crawler)


# semantics ---------------------------------------------------------------------------------------


def test_only_stored_pages_are_skipped_and_meta_is_honoured(tmp_path):
    mw, crawler, spider = make(tmp_path)
    mw.spider_opened(spider)
    mw.store.add([ARTICLE_URL, "custom-key"])
    outputs = [
        Request(ARTICLE_URL + "#comments"),  # same canonical URL: skipped
        Request(ARTICLE_URL, meta={"deltafetch_enabled": False}),  # opted out: kept
        Request(LIST_URL),  # list page, never recorded: kept
        Request(LIST_URL + "2.html", meta={"deltafetch_key": "custom-key"}),  # by key: skipped
    ]
    kept = filtered(mw, response(LIST_URL), outputs)
    assert [r.url for r in kept] == [ARTICLE_URL, LIST_URL]
    assert crawler.stats.get_value("deltafetch/skipped") == 2


def test_disabled_and_reset(tmp_path):
    crawler = get_crawler(PortalSpider, settings_dict={"DELTAFETCH_ENABLED": False})
    with pytest.raises(NotConfigured):
        DeltaFetch.from_crawler(crawler)
    mw, _, spider = make(tmp_path)
    mw.spider_opened(spider)
    mw.store.add([ARTICLE_URL])
    mw.spider_closed(spider)
    mw, _, spider = make(tmp_path, DELTAFETCH_RESET=True)
    mw.spider_opened(spider)
    assert len(mw.store) == 0


def test_stored_before_open_is_not_lost(tmp_path):
    mw, crawler, spider = make(tmp_path)
    # MongoPipeline replays its spool in open_spider, before spider_opened reaches us.
    crawler.signals.send_catch_log(items_stored, items=[], urls=[ARTICLE_URL])
    mw.spider_opened(spider)
    assert ARTICLE_URL in mw.store


def test_seen_store_is_wal(tmp_path):
    store = SeenStore(tmp_path / "s.sqlite3")
    store.open()
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_c_store_left_open_by_a_killed_run_is_refreshed_from_mongodb(
    tmp_path, mongo_server, mongo_database
):
    """A kill between MongoDB's ack and the local record must not make the rerun refetch."""
    settings = storage_settings(mongo_server, mongo_database)
    mw, _, spider = make(tmp_path, **settings)
    mw.spider_opened(spider)
    mw.spider_closed(spider)
    mw, _, spider = make(tmp_path, **settings)
    mw.spider_opened(spider)  # ... and the process is killed: spider_closed never runs
    client = mongo_server.client()
    client[mongo_database].articles.insert_one({"_id": ARTICLE_URL, "aliases": []})
    client.close()
    mw, crawler, spider = make(tmp_path, **settings)
    mw.spider_opened(spider)
    assert ARTICLE_URL in mw.store
    assert crawler.stats.get_value("deltafetch/rebuilt") == 1


# (e) the store belongs to the destination ----------------------------------------------


def test_e_a_new_database_or_collection_starts_from_what_it_holds(
    tmp_path, mongo_server, mongo_database
):
    client = mongo_server.client()
    client[mongo_database].articles.insert_one({"_id": ARTICLE_URL, "aliases": []})
    client.close()
    settings = storage_settings(mongo_server, mongo_database)
    mw, _, spider = make(tmp_path, **settings)
    mw.spider_opened(spider)
    assert ARTICLE_URL in mw.store
    mw.spider_closed(spider)
    for other in ({"MONGO_DATABASE": mongo_database + "_b"}, {"MONGO_COLLECTION": "copy"}):
        mw, _, spider = make(tmp_path, **{**settings, **other})
        mw.spider_opened(spider)
        assert ARTICLE_URL not in mw.store  # nothing is stored there: a full crawl
        assert filtered(mw, response(LIST_URL), [Request(ARTICLE_URL)]) != []
        mw.spider_closed(spider)


def test_e_store_name_names_the_destination_never_its_credentials(tmp_path):
    secret = "mongodb://crawler:Pa55-secret@db.internal:27017/?authSource=admin"
    settings = {
        "MONGO_URI": secret,
        "MONGO_DATABASE": "news",
        "ITEM_PIPELINES": {"newsportal.storage.mongo.MongoPipeline": 300},
    }
    mw, _, _ = make(tmp_path, **settings)
    from newsportal.storage.deltafetch import store_name

    name = store_name("portal", mw.crawler.settings, True)
    assert name.startswith("portal.news.articles.") and "Pa55" not in name
    other_user = get_crawler(
        settings_dict={**settings, "MONGO_URI": secret.replace("crawler:Pa55-secret", "ops:x")}
    )
    # The same server, database and collection reached as another user: the same store.
    assert store_name("portal", other_user.settings, True) == name
    moved = get_crawler(settings_dict={**settings, "MONGO_URI": "mongodb://db2.internal:27017"})
    assert store_name("portal", moved.settings, True) != name
