"""Portal spiders: the conventions that keep a new portal one small file, and the trap guards."""

import inspect

import pytest
from scrapy.exceptions import NotConfigured
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


def test_non_http_links_are_not_requested():
    spider = make_spider()
    assert spider._request("mailto:516770808@qq.com", via_related=False) is None
    assert spider._request("javascript:void(0)", via_related=False) is None
