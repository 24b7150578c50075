"""Validation and in-run dedupe: what a user sees is the item kept or dropped, and the count."""

import datetime as dt

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from newsportal.items import NewsArticle
from newsportal.pipelines import (
    DedupePipeline,
    ValidationPipeline,
    cap_body,
    soft_error_kind,
)
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


# -- pages that are not articles (issue 8, item 2) -------------------------------------------------

LOGIN_BODY = "用户名\n密码\n记住我\n忘记密码？\n还没有账号？立即注册"


@pytest.mark.parametrize(
    ("title", "body", "kind"),
    [
        ("用户登录", LOGIN_BODY, "login_wall"),
        ("九龙网", "请先登录后查看全文。\n登录 | 注册", "login_wall"),
        ("会员中心", "本文仅限会员阅读，登录后可继续阅读。", "login_wall"),
        ("系统繁忙", "系统繁忙，请稍后再试。", "error_page"),
        ("提示信息", "对不起，您访问的页面不存在或已被删除！", "error_page"),
        ("提示", "该信息已删除", "error_page"),
        ("404 Not Found", "The requested URL was not found. 404 Not Found", "error_page"),
        ("访问验证", "为保障访问安全，请输入验证码", "error_page"),
        # Real articles that mention these words are articles.
        ("12306系统繁忙导致购票难", "第一段" * 200 + "系统繁忙", None),
        ("我市推行政务服务扫码登录", "市政务服务中心推行扫码登录。" * 40, None),
        ("快讯：我县召开会议", "6月5日，我县召开全县安全生产工作会议。", None),
    ],
)
def test_soft_error_kind(title, body, kind):
    assert soft_error_kind(title, body) == kind


def test_login_wall_and_busy_pages_are_dropped_and_counted():
    pipeline, crawler = make(ValidationPipeline)
    with pytest.raises(DropItem, match="login_wall"):
        pipeline.process_item(article(title="用户登录", body=LOGIN_BODY))
    with pytest.raises(DropItem, match="error_page"):
        pipeline.process_item(article(title="系统繁忙", body="系统繁忙，请稍后再试"))
    assert crawler.stats.get_value("newsportal/dropped/login_wall") == 1
    assert crawler.stats.get_value("newsportal/dropped/error_page") == 1


def test_same_content_under_two_article_ids_is_never_merged():
    """Soft-error pages at many article URLs used to be merged as 'aliases' of the first."""
    pipeline, crawler = make(DedupePipeline)
    first = article(url="http://news.jiulongw.cn/china/2024-06-05/142465.html")
    other = article(url="http://news.jiulongw.cn/china/2024-06-05/142466.html")
    assert pipeline.process_item(first) is first
    assert pipeline.process_item(other) is other
    assert crawler.stats.get_value("newsportal/dropped/duplicate_content") is None


def test_body_is_capped_at_a_paragraph_and_counted():
    crawler = get_crawler(settings_dict={"NEWSPORTAL_MAX_BODY_CHARS": 50})
    crawler.stats.open_spider()
    pipeline = ValidationPipeline.from_crawler(crawler)
    item = pipeline.process_item(article(body="第一段" * 10 + "\n" + "第二段" * 20))
    assert item["body"] == "第一段" * 10
    assert crawler.stats.get_value("newsportal/capped/body") == 1
    assert cap_body("短", 50) == "短"


# -- one article, static and dynamic addresses (issue 7) -------------------------------------------

STATIC = "http://www.county.gov.cn/baoshan/2024-06-05/142435.html"
DYNAMIC = "http://www.county.gov.cn/index.php?m=content&c=index&a=show&catid=11&id=142435"


def test_static_address_kept_when_it_comes_first():
    pipeline, crawler = make(DedupePipeline)
    aliases = []

    def on_alias(url, alias):
        aliases.append((url, alias))

    crawler.signals.connect(on_alias, article_alias)
    pipeline.process_item(article(url=STATIC))
    with pytest.raises(DropItem, match="same article"):
        pipeline.process_item(article(url=DYNAMIC, body="动态页的正文略有不同"))
    assert aliases == [(STATIC, DYNAMIC)]


def test_static_address_coming_second_goes_on_with_the_dynamic_as_alias():
    pipeline, crawler = make(DedupePipeline)
    pipeline.process_item(article(url=DYNAMIC))
    item = pipeline.process_item(article(url=STATIC))
    assert item["aliases"] == [DYNAMIC]
    assert crawler.stats.get_value("newsportal/articles/readdressed") == 1
    with pytest.raises(DropItem):
        pipeline.process_item(article(url=DYNAMIC.replace("catid=11&", "")))


def test_same_id_other_title_is_another_article():
    pipeline, _ = make(DedupePipeline)
    pipeline.process_item(article(url=STATIC))
    other = article(url=STATIC.replace("baoshan", "tiyu"), title="另一篇")
    assert pipeline.process_item(other) is other
