"""Portal spiders: the conventions that keep a new portal one small file, and the trap guards."""

import inspect
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse
from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.test import get_crawler

from newsportal.spiders.base import PortalSpider
from newsportal.spiders.jiulong import JiulongSpider

# Settings from the module itself: get_project_settings() would export SCRAPY_SETTINGS_MODULE
# into os.environ, and every later subprocess of the test run would inherit it.
LOADER = SpiderLoader.from_settings(Settings({"SPIDER_MODULES": ["newsportal.spiders"]}))
SPIDERS = [LOADER.load(name) for name in LOADER.list()]


@pytest.mark.parametrize("spider_cls", SPIDERS, ids=lambda cls: cls.name)
def test_every_portal_is_a_small_portal_spider(spider_cls):
    assert issubclass(spider_cls, PortalSpider)
    assert spider_cls.site and spider_cls.allowed_domains and spider_cls.start_urls
    assert len(inspect.getsource(inspect.getmodule(spider_cls)).splitlines()) <= 40


def test_jiulong_is_registered():
    assert JiulongSpider in SPIDERS


def test_portal_without_start_urls_is_refused():
    class Broken(PortalSpider):
        name = "broken"
        site = "broken"
        allowed_domains = ("example.cn",)

    with pytest.raises(NotConfigured, match="start_urls"):
        Broken()


def test_start_urls_argument_narrows_the_crawl():
    spider = JiulongSpider(start_urls="http://news.jiulongw.cn/china/, http://bs.jiulongw.cn/")
    assert spider.start_urls == ["http://news.jiulongw.cn/china/", "http://bs.jiulongw.cn/"]


def test_start_url_off_the_portal_is_refused():
    with pytest.raises(ValueError, match="outside jiulong's domains"):
        JiulongSpider(start_urls="http://www.example.com/")


def make_spider(**settings):
    crawler = get_crawler(JiulongSpider, settings_dict=settings)
    crawler.spider = crawler._create_spider()
    crawler.stats.open_spider()
    return crawler.spider


def test_tracking_query_and_fragment_are_dropped_from_requests():
    spider = make_spider()
    request = spider._request(
        "http://news.jiulongw.cn/china/2024-06-05/142465.html?utm_source=x#top", via_related=True
    )
    assert request.url == "http://news.jiulongw.cn/china/2024-06-05/142465.html"
    assert request.meta["via_related"] is True


def test_endless_query_variants_of_one_path_are_capped():
    spider = make_spider(NEWSPORTAL_MAX_QUERY_VARIANTS=5)
    urls = [f"http://news.jiulongw.cn/calendar/?date=2024-06-{day:02d}" for day in range(1, 21)]
    requests = [spider._request(url, via_related=False) for url in urls]
    assert sum(r is not None for r in requests) == 5
    assert spider.crawler.stats.get_value("newsportal/trap/query_variants_skipped") == 15


def test_query_pagination_of_many_sections_is_not_cut():
    spider = make_spider(NEWSPORTAL_MAX_QUERY_VARIANTS=5)
    urls = [
        f"http://news.jiulongw.cn/list.php?catid={section}&page={page}"
        for section in range(30)
        for page in range(1, 5)
    ]
    assert all(spider._request(url, via_related=False) is not None for url in urls)


def test_non_http_links_are_not_requested():
    spider = make_spider()
    assert spider._request("mailto:516770808@qq.com", via_related=False) is None
    assert spider._request("javascript:void(0)", via_related=False) is None


def test_error_page_at_an_article_url_is_counted_not_scraped():
    spider = make_spider()
    url = "http://bs.jiulongw.cn/baoshan/2025-06-18/99007.html"
    body = "<html><body><p>系统繁忙，请稍后再试。</p></body></html>".encode()
    response = HtmlResponse(url, body=body, encoding="utf-8", request=Request(url))
    assert list(spider.parse(response)) == []
    assert spider.crawler.stats.get_value("newsportal/errors/empty_article") == 1


def test_article_page_yields_item_then_its_related_links(seed_page):
    spider = make_spider()
    url = "http://news.jiulongw.cn/china/2024-06-05/142465.html"
    response = HtmlResponse(url, body=seed_page, request=Request(url))
    output = list(spider.parse(response))
    item, requests = output[0], output[1:]
    assert item["title"] == "2023年山西破获电信网络诈骗案件1.7万余起"
    related = [r.url for r in requests if r.meta["via_related"]]
    assert related and related == item["related"]
    assert all("jiulongw.cn" in r.url for r in requests)


@pytest.fixture
def seed_page():
    return (Path(__file__).parent / "pages" / "jiulong_div.html").read_bytes()


def test_article_off_the_url_scheme_is_read_last_so_the_scheme_address_wins(seed_page):
    spider = make_spider()
    alias = "http://news.jiulongw.cn/html/2024/0605/142465.html"
    first = list(spider.parse(HtmlResponse(alias, body=seed_page, request=Request(alias))))
    assert first[0]["url"] == alias  # nothing on the scheme seen yet: no reason to wait

    spider = make_spider()
    url = "http://news.jiulongw.cn/china/2024-06-05/142465.html"
    list(spider.parse(HtmlResponse(url, body=seed_page, request=Request(url))))
    (deferred,) = spider.parse(HtmlResponse(alias, body=seed_page, request=Request(alias)))
    # Held back, not downloaded again: a data: request that releases the item last.
    assert deferred.url == "data:," and deferred.priority < 0 and deferred.dont_filter
    assert deferred.meta["deltafetch_key"] == alias
    released = deferred.callback(HtmlResponse("data:,", request=deferred), **deferred.cb_kwargs)
    assert next(iter(released))["url"] == alias
