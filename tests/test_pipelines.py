"""Validation and in-run dedupe: what a user sees is the item kept or dropped, and the count."""

import datetime as dt

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from newsportal.items import NewsArticle
from newsportal.pipelines import DedupePipeline, ValidationPipeline
from newsportal.signals import article_alias

PUBLISHED = dt.datetime(2024, 6, 5, 16, 33, 17, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def article(url: str = "http://news.jiulongw.cn/china/2024-06-05/142465.html", **fields):
    values = {
        "url": url,
        "title": "2023年山西破获电信网络诈骗案件1.7万余起",
        "body": "中新网太原6月5日电\n第二段",
        "published_at": PUBLISHED,
    }
    values.update(fields)
    return NewsArticle(**values)


def make(pipeline_cls):
    crawler = get_crawler()
    crawler.stats.open_spider()
    return pipeline_cls.from_crawler(crawler), crawler


@pytest.mark.parametrize("missing", ["url", "title", "body"])
def test_validation_drops_and_counts_missing_field(missing):
    pipeline, crawler = make(ValidationPipeline)
    with pytest.raises(DropItem, match=f"missing {missing}"):
        pipeline.process_item(article(**{missing: None}))
    assert crawler.stats.get_value(f"newsportal/dropped/missing_{missing}") == 1


def test_validation_keeps_complete_article():
    pipeline, crawler = make(ValidationPipeline)
    item = article()
    assert pipeline.process_item(item) is item
    assert not any(k.startswith("newsportal/dropped") for k in crawler.stats.get_stats())


def test_dedupe_drops_second_copy_of_same_url():
    pipeline, crawler = make(DedupePipeline)
    pipeline.process_item(article())
    with pytest.raises(DropItem, match="duplicate URL"):
        pipeline.process_item(article())
    assert crawler.stats.get_value("newsportal/dropped/duplicate_url") == 1


def test_dedupe_by_content_reports_alias():
    pipeline, crawler = make(DedupePipeline)
    aliases = []

    def on_alias(url, alias):
        aliases.append((url, alias))

    crawler.signals.connect(on_alias, article_alias)  # receivers are weak references
    first = article()
    pipeline.process_item(first)
    with pytest.raises(DropItem, match="same article"):
        pipeline.process_item(article(url="http://news.jiulongw.cn/m/142465.html"))
    assert aliases == [(first["url"], "http://news.jiulongw.cn/m/142465.html")]
    assert crawler.stats.get_value("newsportal/dropped/duplicate_content") == 1


def test_dedupe_keeps_different_articles_with_same_title():
    pipeline, _ = make(DedupePipeline)
    pipeline.process_item(article())
    other = article(url="http://news.jiulongw.cn/china/2024-06-06/1.html", body="另一篇")
    assert pipeline.process_item(other) is other


def test_duplicate_url_hands_on_its_aliases():
    pipeline, crawler = make(DedupePipeline)
    aliases = []

    def on_alias(url, alias):
        aliases.append((url, alias))

    crawler.signals.connect(on_alias, article_alias)
    first = article()
    pipeline.process_item(first)
    mobile = article(aliases=["http://news.jiulongw.cn/m/china/142465.html"])
    with pytest.raises(DropItem, match="duplicate URL"):
        pipeline.process_item(mobile)
    assert aliases == [(first["url"], "http://news.jiulongw.cn/m/china/142465.html")]
