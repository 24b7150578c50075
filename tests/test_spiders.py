"""Portal spiders: the conventions that keep a new portal one catalogue entry, the generic
``portal`` spider's arguments, and the trap guards."""

from pathlib import Path
from types import SimpleNamespace

import pytest
from scrapy import Request, signals
from scrapy.dupefilters import BaseDupeFilter, RFPDupeFilter
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.http import HtmlResponse
from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.test import get_crawler
from scrapy_spider_metadata import get_spider_metadata

from newsportal.spiders.base import PortalSpider, SpiderArgumentError
from newsportal.spiders.catalogue import SPIDERS as CATALOGUE
from newsportal.spiders.catalogue import load_catalogue
from newsportal.spiders.jiulong import JiulongSpider
from newsportal.spiders.portal import AnyPortalSpider

# Settings from the module itself: get_project_settings() would export SCRAPY_SETTINGS_MODULE
# into os.environ, and every later subprocess of the test run would inherit it.
LOADER = SpiderLoader.from_settings(Settings({"SPIDER_MODULES": ["newsportal.spiders"]}))
SPIDERS = [LOADER.load(name) for name in LOADER.list()]


@pytest.mark.parametrize("spider_cls", SPIDERS, ids=lambda cls: cls.name)
def test_every_spider_is_a_portal_spider_with_validated_arguments(spider_cls):
    assert issubclass(spider_cls, PortalSpider)
    schema = get_spider_metadata(spider_cls, normalize=True)["param_schema"]
    assert "start_urls" in schema["properties"]


@pytest.mark.parametrize("spider_cls", SPIDERS, ids=lambda cls: cls.name)
def test_every_named_portal_is_a_catalogue_entry(spider_cls):
    if spider_cls is AnyPortalSpider:
        return
    assert CATALOGUE[spider_cls.name] is spider_cls
    assert spider_cls.site and spider_cls.allowed_domains and spider_cls.start_urls


def test_scrapy_lists_the_catalogue_and_the_generic_spider():
    assert set(LOADER.list()) == {*CATALOGUE, "portal"}


def test_jiulong_is_registered_with_its_facts():
    assert JiulongSpider in SPIDERS
    assert JiulongSpider.name == JiulongSpider.site == "jiulong"
    assert JiulongSpider.allowed_domains == ["jiulongw.cn"]
    assert JiulongSpider.start_urls == ["http://news.jiulongw.cn/"]


def test_a_new_named_portal_is_a_few_lines():
    entry = load_catalogue(
        '[ylzf]\ndomains = ["ylzf.gov.cn"]\nstart_urls = ["http://www.ylzf.gov.cn/"]\n'
    )
    assert entry == {
        "ylzf": {"domains": ["ylzf.gov.cn"], "start_urls": ["http://www.ylzf.gov.cn/"]}
    }


def test_a_misspelt_catalogue_key_is_an_error():
    with pytest.raises(ValueError, match="unknown key"):
        load_catalogue('[x]\ndomains = ["x.cn"]\nstart_urls = ["http://x.cn/"]\npatern = "a"\n')


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


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start_urls": "http://www.example.com/"}, "outside the portal's domains"),
        ({"start_urls": "news.jiulongw.cn/china/"}, "-a start_urls: 'news.jiulongw.cn/china/' "),
        ({"start_url": "http://news.jiulongw.cn/"}, "-a start_url: unknown argument"),
    ],
)
def test_a_bad_argument_is_one_line(kwargs, message):
    with pytest.raises(SpiderArgumentError, match=message) as caught:
        JiulongSpider(**kwargs)
    assert "\n" not in str(caught.value)


def test_scrapyd_private_arguments_are_accepted():
    assert JiulongSpider(_job="abc123")._job == "abc123"


@pytest.mark.parametrize(
    ("kwargs", "domains", "site"),
    [
        ({"url": "http://www.ylzf.gov.cn/"}, ["ylzf.gov.cn"], "ylzf"),
        ({"url": "https://news.jiulongw.cn/china/"}, ["jiulongw.cn"], "jiulongw"),
        ({"url": "http://www.bs.gov.cn:8080/"}, ["bs.gov.cn"], "bs"),
        (
            {"url": "http://www.ylzf.gov.cn/", "domains": "ylrm.cn, ylzf.com", "site": "ylzf"},
            ["ylzf.gov.cn", "ylrm.cn", "ylzf.com"],
            "ylzf",
        ),
    ],
)
def test_portal_domains_and_site_come_from_the_url(kwargs, domains, site):
    spider = AnyPortalSpider(**kwargs)
    assert spider.allowed_domains == domains
    assert spider.site == site
    assert spider.start_urls == [kwargs["url"]]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "-a url: Field required"),
        ({"url": "www.ylzf.gov.cn"}, "-a url: 'www.ylzf.gov.cn' is not an http\\(s\\) URL"),
        ({"url": "http://x.cn/", "domains": "a.cn b/c"}, "-a domains: 'b/c' is not a domain"),
        ({"url": "http://x.cn/", "article_pattern": "("}, "-a article_pattern: not a regular"),
        ({"url": "http://x.cn/", "site": "a b"}, "-a site: String should match"),
    ],
)
def test_portal_bad_arguments_are_one_line(kwargs, message):
    with pytest.raises(SpiderArgumentError, match=message):
        AnyPortalSpider(**kwargs)


def test_a_bad_argument_ends_a_crawl_with_status_2():
    crawler = get_crawler(AnyPortalSpider)
    with pytest.raises(SystemExit) as caught:
        crawler._create_spider(url="ftp://x.cn/")
    assert caught.value.code == 2


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


def _scheduler_filtering(spider, dupefilter):
    spider.crawler.engine = SimpleNamespace(scheduler=SimpleNamespace(df=dupefilter))
    spider.crawler.signals.send_catch_log(signals.spider_opened, spider=spider)


def _schedule(spider, request):
    spider.crawler.signals.send_catch_log(signals.request_scheduled, request=request, spider=spider)


def test_a_link_handed_to_the_duplicate_filter_is_not_requested_again():
    spider = make_spider()
    _scheduler_filtering(spider, RFPDupeFilter())
    url = "http://news.jiulongw.cn/china/2024-06-05/142465.html"
    first = spider._request(url, via_related=False)
    # Not scheduled yet (a middleware may drop it: the depth limit): met again, requested again.
    again = spider._request(url + "#top", via_related=True)
    assert first is not None and again is not None
    _schedule(spider, first)
    assert spider._request(url, via_related=True) is None
    assert spider._request(url + "?utm_source=x", via_related=False) is None
    # The filter never saw these, so their URLs stay requestable.
    others = [
        Request("http://news.jiulongw.cn/a/1234.html", dont_filter=True),
        Request("http://news.jiulongw.cn/a/1235.html", method="POST"),
        Request("http://news.jiulongw.cn/a/1236.html", body=b"x"),
        Request("http://www.example.com/a/1237.html"),  # off-site: ignored before the filter
    ]
    for request in others:
        _schedule(spider, request)
    assert all(spider._request(r.url, via_related=False) is not None for r in others)


def test_links_are_all_requests_when_the_scheduler_lets_repeats_through():
    spider = make_spider()
    _scheduler_filtering(spider, BaseDupeFilter())
    url = "http://news.jiulongw.cn/china/2024-06-05/142465.html"
    _schedule(spider, spider._request(url, via_related=False))
    assert spider._request(url, via_related=False) is not None


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


class KeepingScheduler:
    """What the spider tells a shared frontier about the work it keeps for its idle moment."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def keep_for_idle(self) -> None:
        self.calls.append("keep")

    def kept_released(self) -> None:
        self.calls.append("released")


def test_article_off_the_url_scheme_is_released_last_so_the_scheme_address_wins(seed_page):
    spider = make_spider()
    alias = "http://news.jiulongw.cn/html/2024/0605/142465.html"
    first = list(spider.parse(HtmlResponse(alias, body=seed_page, request=Request(alias))))
    assert first[0]["url"] == alias  # nothing on the scheme seen yet: no reason to wait

    spider = make_spider()
    url = "http://news.jiulongw.cn/china/2024-06-05/142465.html"
    list(spider.parse(HtmlResponse(url, body=seed_page, request=Request(url))))
    scheduled: list[Request] = []
    spider.crawler.engine = type("Engine", (), {"crawl": staticmethod(scheduled.append)})()
    outputs = list(spider.parse(HtmlResponse(alias, body=seed_page, request=Request(alias))))
    # Its links go on at once; the item waits until the crawl is idle.
    assert outputs and all(isinstance(output, Request) for output in outputs)
    assert all(output.url != "data:," for output in outputs)
    with pytest.raises(DontCloseSpider):
        spider._release_held()
    (carrier,) = scheduled
    assert carrier.url == "data:," and carrier.dont_filter
    assert carrier.meta["deltafetch_key"] == alias
    released = carrier.callback(HtmlResponse("data:,", request=carrier), **carrier.cb_kwargs)
    assert next(iter(released))["url"] == alias
    spider._release_held()  # nothing left: the crawl may close


def test_a_hit_counter_is_never_requested():
    spider = make_spider()
    for url in (
        "http://news.jiulongw.cn/api.php?op=count&id=142465&modelid=1",
        "http://news.jiulongw.cn/plus/count.php?aid=142465",
        "http://news.jiulongw.cn/e/public/ViewClick/?classid=2&id=5&addclick=1",
    ):
        assert spider._request(url, via_related=False) is None
    assert spider.crawler.stats.get_value("newsportal/counters/skipped") == 3


def test_requests_keep_the_query_order_robots_rules_are_written_for():
    spider = make_spider()
    url = "http://news.jiulongw.cn/index.php?m=search&c=index&a=init&utm_source=x"
    request = spider._request(url, via_related=False)
    assert request.url == "http://news.jiulongw.cn/index.php?m=search&c=index&a=init"


def test_page_two_of_an_article_is_requested_as_its_first_page():
    spider = make_spider()
    request = spider._request(
        "http://news.jiulongw.cn/china/2024-06-05/142465_2.html", via_related=False
    )
    assert request.url == "http://news.jiulongw.cn/china/2024-06-05/142465.html"


def test_related_keeps_only_links_on_the_portal():
    spider = make_spider()
    kept = spider._kept_related(
        [
            "http://news.jiulongw.cn/china/2024-06-05/1.html",
            "file:///etc/passwd",
            "data:text/html,x",
            "http://10.0.0.1/a.html",
            "http://[::1]/a.html",
            "https://www.example.com/a.html",
            "https://bs.jiulongw.cn/baoshan/2024-06-05/2.html",
        ]
    )
    assert kept == [
        "http://news.jiulongw.cn/china/2024-06-05/1.html",
        "https://bs.jiulongw.cn/baoshan/2024-06-05/2.html",
    ]
    assert spider.crawler.stats.get_value("newsportal/related/dropped") == 5


def test_on_a_shared_frontier_a_held_article_goes_into_the_queue_at_once(seed_page):
    # Not kept in a worker's memory (a kill -9 would lose it, another worker could end the run
    # before it is queued): its carrier goes out with the page's links, at the hold priority,
    # which the shared frontier leases only once no worker can add anything more.
    spider = make_spider()
    spider.crawler.engine = type("Engine", (), {"scheduler": KeepingScheduler()})()
    url = "http://news.jiulongw.cn/china/2024-06-05/142465.html"
    alias = "http://news.jiulongw.cn/html/2024/0605/142465.html"
    list(spider.parse(HtmlResponse(url, body=seed_page, request=Request(url))))
    outputs = list(spider.parse(HtmlResponse(alias, body=seed_page, request=Request(alias))))
    (carrier,) = [output for output in outputs if output.url == "data:,"]
    assert carrier.priority == -100
    assert (
        next(iter(carrier.callback(HtmlResponse("data:,", request=carrier), **carrier.cb_kwargs)))[
            "url"
        ]
        == alias
    )
    assert spider.crawler.engine.scheduler.calls == []  # nothing kept for later
    spider._release_held()  # nothing held: the crawl may close


def test_a_second_address_waits_for_idle_and_then_goes_at_the_hold_priority():
    spider = make_spider()
    scheduler = KeepingScheduler()
    scheduled: list[Request] = []
    spider.crawler.engine = type(
        "Engine", (), {"crawl": staticmethod(scheduled.append), "scheduler": scheduler}
    )()
    dynamic = "http://news.jiulongw.cn/index.php?m=content&c=index&a=show&catid=11&id=142435"
    assert spider._request(dynamic, via_related=False) is None  # its static twin may turn up
    assert spider._request(dynamic, via_related=False) is None
    assert scheduler.calls == ["keep"]
    with pytest.raises(DontCloseSpider):
        spider._release_held()  # no twin turned up: the article lives there, read it
    (request,) = scheduled
    assert request.url == dynamic and request.priority == -100
    assert scheduler.calls == ["keep", "released"]
