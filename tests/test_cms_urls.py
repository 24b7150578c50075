"""What the CMS families' URLs mean (newsportal.cms): table tests of the pure functions."""

from __future__ import annotations

import pytest

from newsportal.cms.addresses import (
    address_rank,
    article_key,
    is_cms_second_address,
    registrable_domain,
    site_label,
)
from newsportal.cms.counters import is_hit_counter
from newsportal.cms.multipage import continuation_of, later_pages
from newsportal.cms.pagers import script_pager_urls
from newsportal.cms.schemes import SchemeLearner, url_shape
from newsportal.processors import canonicalize_url, request_url

# --------------------------------------------------------------------------- addresses


@pytest.mark.parametrize(
    ("host", "domain", "label"),
    [
        ("www.ylzf.gov.cn", "ylzf.gov.cn", "ylzf"),
        ("news.jiulongw.cn", "jiulongw.cn", "jiulongw"),
        ("WWW.Example.COM.CN.", "example.com.cn", "example"),
        ("www.lcxww.cn", "lcxww.cn", "lcxww"),
        ("old.ynsd.net", "ynsd.net", "ynsd"),
        ("gov.cn", "gov.cn", "gov.cn"),  # a public suffix alone stays itself
        ("localhost", "localhost", "localhost"),
    ],
)
def test_registrable_domain_and_site_label(host, domain, label):
    assert registrable_domain(host) == domain
    assert site_label(host) == label


@pytest.mark.parametrize(
    ("url", "key", "rank", "second"),
    [
        ("http://www.lcxww.cn/news/2024/0605/1234.html", "lcxww.cn#1234", 0, False),
        ("http://www.lcxww.cn/show-6-1234-1.html", "lcxww.cn#1234", 1, True),
        (
            "http://www.lcxww.cn/index.php?m=content&c=index&a=show&catid=6&id=1234",
            "lcxww.cn#1234",
            2,
            True,
        ),
        ("http://www.tcxw.com.cn/plus/view.php?aid=1234", "tcxw.com.cn#1234", 2, True),
        ("http://www.ynsd.net/e/action/ShowInfo.php?classid=2&id=1234", "ynsd.net#1234", 2, True),
        ("http://www.dlxinwen.com/?p=1234", "dlxinwen.com#1234", 2, True),
        (
            "http://www.ylzf.gov.cn/xwzx/202406/t20240605_101234.html",
            "ylzf.gov.cn#101234",
            0,
            False,
        ),
        ("http://www.lcxww.cn/news/2024/0605/1234_2.html", "lcxww.cn#1234", 0, False),
        ("http://www.lcxww.cn/list.php?catid=5&p=2", None, 2, False),  # ?p= is a page here
        ("http://www.lcxww.cn/vote.php?id=7", "lcxww.cn#7", 2, False),  # not a CMS article form
        ("http://www.lcxww.cn/news/", None, 0, False),
    ],
)
def test_article_addresses(url, key, rank, second):
    assert article_key(url) == key
    assert address_rank(url) == rank
    assert is_cms_second_address(url) is second


# --------------------------------------------------------------------------- hit counters


@pytest.mark.parametrize(
    ("url", "counter"),
    [
        ("http://www.lcxww.cn/api.php?op=count&id=1234&modelid=1", True),  # PHPCMS v9
        ("http://www.tcxw.com.cn/plus/count.php?view=yes&aid=1234&mid=1", True),  # DedeCMS
        ("http://www.ynsd.net/e/public/ViewClick/?classid=2&id=1234&addclick=1", True),  # Empire
        ("http://www.ylzf.gov.cn/common/count.jsp?docid=1234", True),  # TRS sites
        ("http://www.x.cn/count.php?id=5", True),
        ("http://www.x.cn/hits.asp?id=5", True),
        ("http://www.x.cn/e/extend/click.php?id=5", True),
        (
            "http://www.dlxinwen.com/wp-admin/admin-ajax.php?postviews_id=1234&action=postviews",
            True,
        ),
        ("http://www.x.cn/index.php?m=content&c=index&a=show&catid=6&id=1234", False),
        ("http://www.x.cn/plus/view.php?aid=1234", False),
        ("http://www.x.cn/account.php", False),
        ("http://www.x.cn/news/count/2024/1.html", False),  # a folder named count is a page
        ("http://www.x.cn/discount.php", False),
    ],
)
def test_hit_counters(url, counter):
    assert is_hit_counter(url) is counter


# --------------------------------------------------------------------------- script pagers

TRS_LITERAL = '<script>createPageHTML(4, 0, "index", "html");</script>'
TRS_VARIABLES = (
    "<script>var currentPage = 1;//所在页从0开始\nvar countPage = 3//共多少页\n"
    'createPageHTML(countPage, currentPage, "index", "shtml");</script>'
)
TRS_NEWER = "<script>createPageHTML('page_div',2, 1,'index', 'htm',207);</script>"
TRS_DEFINITION = "function createPageHTML(nPageCount, nCurrIndex, sPageName, sPageExt){...}"


@pytest.mark.parametrize(
    ("html", "page_url", "urls"),
    [
        (
            TRS_LITERAL,
            "http://www.ylzf.gov.cn/xwzx/zwyw/",
            [
                "http://www.ylzf.gov.cn/xwzx/zwyw/index.html",
                "http://www.ylzf.gov.cn/xwzx/zwyw/index_1.html",
                "http://www.ylzf.gov.cn/xwzx/zwyw/index_2.html",
                "http://www.ylzf.gov.cn/xwzx/zwyw/index_3.html",
            ],
        ),
        (
            TRS_VARIABLES,
            "http://www.ylzf.gov.cn/xwzx/index_1.shtml",
            [
                "http://www.ylzf.gov.cn/xwzx/index.shtml",
                "http://www.ylzf.gov.cn/xwzx/index_1.shtml",
                "http://www.ylzf.gov.cn/xwzx/index_2.shtml",
            ],
        ),
        (
            TRS_NEWER,
            "http://www.x.cn/a/",
            ["http://www.x.cn/a/index.htm", "http://www.x.cn/a/index_1.htm"],
        ),
        (TRS_DEFINITION, "http://www.x.cn/a/", []),
        ("<p>no pager</p>", "http://www.x.cn/a/", []),
    ],
)
def test_script_pager_urls(html, page_url, urls):
    assert script_pager_urls(html, page_url) == urls


def test_script_pager_is_capped():
    html = 'createPageHTML(100000, 0, "index", "html")'
    assert len(script_pager_urls(html, "http://www.x.cn/a/", limit=50)) == 50


# --------------------------------------------------------------------------- multi-page articles


@pytest.mark.parametrize(
    ("url", "first"),
    [
        ("http://x.cn/news/2024/0605/1234_2.html", ("http://x.cn/news/2024/0605/1234.html", 2)),
        ("http://x.cn/a/t20240605_101234_1.html", ("http://x.cn/a/t20240605_101234.html", 1)),
        ("http://x.cn/show-7-1234-2.html", ("http://x.cn/show-7-1234-1.html", 2)),
        ("http://x.cn/show-7-1234-1.html", None),
        ("http://x.cn/news/index_2.html", None),  # a list page
        ("http://x.cn/a/news/list_1_2.html", None),
        ("http://x.cn/a/t20240605_123.html", None),  # article 123 of that day
        ("http://x.cn/news/2.html", None),
    ],
)
def test_continuation_of(url, first):
    assert continuation_of(url) == first


@pytest.mark.parametrize(
    ("page", "links", "later"),
    [
        (  # #pages / ul.pagelist / p.pageLink: {id}_{n}.html, repeated and out of order
            "http://x.cn/n/1234.html",
            [
                "http://x.cn/n/1234_3.html",
                "http://x.cn/n/1234_2.html",
                "http://x.cn/n/1234.html",
                "http://x.cn/n/1234_2.html",
                "http://x.cn/n/index_2.html",
            ],
            [(2, "http://x.cn/n/1234_2.html"), (3, "http://x.cn/n/1234_3.html")],
        ),
        (  # PHPCMS pseudo-static pages
            "http://x.cn/show-7-1234-1.html",
            ["http://x.cn/show-7-1234-2.html", "http://x.cn/show-7-999-2.html"],
            [(2, "http://x.cn/show-7-1234-2.html")],
        ),
        (  # ?page=2 on the article's own address (WordPress replica, PHPCMS dynamic)
            "http://x.cn/2024/06/1234.html",
            ["http://x.cn/2024/06/1234.html?page=2", "http://x.cn/2024/06/99.html?page=2"],
            [(2, "http://x.cn/2024/06/1234.html?page=2")],
        ),
        (  # WordPress <!--nextpage-->: /slug/2/
            "http://x.cn/2024/06/05/slug/",
            ["http://x.cn/2024/06/05/slug/2/", "http://x.cn/page/2/"],
            [(2, "http://x.cn/2024/06/05/slug/2/")],
        ),
        (  # a dynamic address linking the static pages of the same article id
            "http://x.cn/index.php?m=content&c=index&a=show&catid=6&id=1234",
            ["http://x.cn/n/1234_2.html", "http://x.cn/n/5678_2.html"],
            [(2, "http://x.cn/n/1234_2.html")],
        ),
        (  # on page 2, the pager still names page 3
            "http://x.cn/n/1234_2.html",
            ["http://x.cn/n/1234.html", "http://x.cn/n/1234_3.html"],
            [(3, "http://x.cn/n/1234_3.html")],
        ),
        ("http://x.cn/n/1234.html", ["http://x.cn/n/5678.html"], []),
    ],
)
def test_later_pages(page, links, later):
    assert later_pages(page, links) == later


# --------------------------------------------------------------------------- URL schemes


@pytest.mark.parametrize(
    ("url", "shape"),
    [
        ("http://news.jiulongw.cn/china/2024-06-05/142465.html", "jiulongw.cn/*/#-#-#/#.html"),
        ("http://bs.jiulongw.cn/baoshan/2024-06-06/1.html", "jiulongw.cn/*/#-#-#/#.html"),
        ("http://www.ylzf.gov.cn/xwzx/zwyw/202406/t20240605_1.html", "ylzf.gov.cn/*/*/#/t#_#.html"),
        ("http://www.x.cn/news/", "x.cn/*/"),
        ("http://www.x.cn/news/index_2.html", "x.cn/*/index_#.html"),
        ("http://www.x.cn/2024/06/05/some-slug/", "x.cn/#/#/#/*/"),
        (
            "http://www.x.cn/index.php?m=content&c=index&a=show&catid=6&id=9",
            "x.cn/index.php?a=show&c=index&catid=#&id=#&m=content",
        ),
    ],
)
def test_url_shape(url, shape):
    assert url_shape(url) == shape


def test_a_shape_becomes_the_scheme_once_its_pages_are_articles():
    learner = SchemeLearner()
    articles = [f"http://www.x.cn/news/2024/0605/{n}.html" for n in range(1, 5)]
    assert learner.observe(articles[0], True) is None
    assert learner.observe(articles[1], True) is None
    assert learner.observe(articles[2], True) == "x.cn/*/#/#/#.html"
    assert learner.matches("http://www.x.cn/sports/2025/0101/77.html")
    assert not learner.matches("http://www.x.cn/news/2.html")


def test_a_shape_lists_share_is_no_scheme():
    learner = SchemeLearner()
    for n in range(1, 5):  # /news/{id}.html articles beside /news/{page}.html lists
        learner.observe(f"http://www.x.cn/news/{1000 + n}.html", True)
    assert learner.schemes
    for page in range(2, 4):
        learner.observe(f"http://www.x.cn/news/{page}.html", False)
    assert not learner.schemes


# --------------------------------------------------------------------------- request URLs


@pytest.mark.parametrize(
    ("url", "requested", "canonical"),
    [
        (
            "http://www.x.cn/index.php?m=search&c=index&a=init&q=1",
            "http://www.x.cn/index.php?m=search&c=index&a=init&q=1",
            "http://www.x.cn/index.php?a=init&c=index&m=search&q=1",
        ),
        (
            "HTTP://WWW.X.CN:80/a b.html?utm_source=x&b=2&a=1#top",
            "http://www.x.cn/a%20b.html?b=2&a=1",
            "http://www.x.cn/a%20b.html?a=1&b=2",
        ),
        ("http://x.cn/s?q=%D6%D0&sid=9", "http://x.cn/s?q=%D6%D0", "http://x.cn/s?q=%D6%D0"),
        ("javascript:void(0)", "javascript:void(0)", "javascript:void(0)"),
    ],
)
def test_requests_keep_the_query_order_dedupe_sorts_it(url, requested, canonical):
    assert request_url(url) == requested
    assert canonicalize_url(url) == canonical
    assert canonicalize_url(request_url(url)) == canonical
