"""Where a run's articles go, and in what form: what a user finds after `scrapy crawl`."""

import datetime as dt
import io
import json

import pytest
from scrapy.settings import Settings

from newsportal import settings as project_settings
from newsportal.addons import OutputAddon
from newsportal.exporters import JsonExporter, JsonLinesExporter
from newsportal.items import NewsArticle

PUBLISHED = dt.datetime(2024, 6, 5, 16, 33, 17, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.mark.parametrize("exporter_cls", [JsonLinesExporter, JsonExporter])
def test_exported_dates_keep_their_time_zone(exporter_cls):
    buffer = io.BytesIO()
    exporter = exporter_cls(buffer, encoding="utf-8")
    exporter.start_exporting()
    exporter.export_item(NewsArticle(title="山西", published_at=PUBLISHED))
    exporter.finish_exporting()
    text = buffer.getvalue().decode("utf-8")
    exported = json.loads(text)
    article = exported[0] if isinstance(exported, list) else exported
    assert article == {"title": "山西", "published_at": "2024-06-05T16:33:17+08:00"}


def project(**overrides) -> Settings:
    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    settings.setdict(overrides, priority="cmdline")
    OutputAddon().update_settings(settings)
    return settings


def test_without_mongodb_articles_go_to_the_feed_and_every_rerun_writes_all():
    settings = project(MONGO_URI="")
    assert list(settings.getdict("FEEDS")) == ["output/%(name)s.jsonl"]
    assert settings.getbool("DELTAFETCH_ENABLED") is False


def test_with_mongodb_no_feed_and_reruns_skip_stored_articles():
    settings = project(MONGO_URI="mongodb://127.0.0.1:27017")
    assert settings.getdict("FEEDS") == {}
    assert settings.getbool("DELTAFETCH_ENABLED") is True


def test_an_explicit_choice_wins():
    assert (
        project(MONGO_URI="mongodb://h", DELTAFETCH_ENABLED=False).getbool("DELTAFETCH_ENABLED")
        is False
    )
    settings = project(FEEDS={"mine.json": {"format": "json"}})
    assert list(settings.getdict("FEEDS")) == ["mine.json"]


def test_a_job_proxy_is_set_per_request_and_logged_without_its_password(caplog):
    from scrapy import Request
    from scrapy.utils.test import get_crawler

    from newsportal.ops.proxy import JobProxyMiddleware

    crawler = get_crawler(settings_dict={"NEWSPORTAL_HTTP_PROXY": "http://u:pw-123@proxy:3128"})
    with caplog.at_level("INFO"):
        middleware = JobProxyMiddleware.from_crawler(crawler)
    assert "through the proxy http://u:***@proxy:3128" in caplog.text
    assert "pw-123" not in caplog.text
    page, own = Request("http://news.jiulongw.cn/"), Request("http://x/", meta={"proxy": None})
    middleware.process_request(page)
    middleware.process_request(own)
    assert page.meta["proxy"] == "http://u:pw-123@proxy:3128"
    assert own.meta["proxy"] is None  # a request that says otherwise keeps its choice
