"""End to end: ``scrapy crawl portal -a url=...`` on a small portal it has never seen, and
``scrapy crawl jiulong -a start_urls=<one section>`` on the 九龙网 replica.

The small portal mixes what regional portals run: PHPCMS-style static articles with
``/{catdir}/2.html`` pagination, a multi-page article and a dynamic second address; a TRS-style
section whose pager exists only as ``createPageHTML(...)``; a DedeCMS-style subdomain with
``list_{tid}_{page}.html`` and ``plus/view.php?aid=``; hit counters in scripts and attributes;
a robots.txt rule on a query URL; two links that redirect to each other; 相关阅读 links to
``file:``, ``data:``, a private IP and another site. The replica server is the HTTP proxy, so
the spider requests the portal's real URLs.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from protego import Protego

from tests.crawling import run_crawl
from tests.replica.server import ReplicaServer

WWW = "www.ylzf.gov.cn"
SUB = "news.ylzf.gov.cn"
ROBOTS = "User-agent: *\nDisallow: /index.php?m=search\nDisallow: /admin/\n"
SEARCH = f"http://{WWW}/index.php?m=search&c=index&a=init&typeid=1&q=%E6%96%B0%E9%97%BB"
COUNTERS = (
    f"http://{WWW}/api.php?op=count&id=1001&modelid=1",
    f"http://{SUB}/plus/count.php?view=yes&aid=3001&mid=1",
    f"http://{WWW}/e/public/ViewClick/?classid=2&id=2001&addclick=1",
)
PLACES = ["隆阳区", "施甸县", "腾冲市", "龙陵县", "昌宁县"]
TOPICS = ["春耕生产", "乡村振兴", "安全生产", "营商环境", "生态保护", "义务教育"]


def paragraphs(seed: int, count: int = 4) -> list[str]:
    out = []
    for n in range(count):
        place = PLACES[(seed + n) % len(PLACES)]
        topic = TOPICS[(seed * 3 + n) % len(TOPICS)]
        out.append(
            f"第{seed}号稿第{n + 1}段：{place}近日召开专题会议，研究部署{topic}工作，"
            f"要求各部门切实履行职责，细化工作措施，确保{topic}各项任务按时保质完成，"
            f"全年累计投入资金{seed * 7 + n}万元，惠及群众{seed * 13 + n}户。"
        )
    return out


def article_page(
    title: str, date: str, body: list[str], *, extra: str = "", pager: str = ""
) -> str:
    text = "".join(f"<p>{p}</p>" for p in body)
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}_永乐政府网</title>'
        f'<script src="/api.php?op=count&id=1001&modelid=1"></script></head><body>'
        f'<div class="nav"><a href="http://{WWW}/">首页</a> <a href="/news/">新闻</a>'
        f' <a href="http://{WWW}/gov/">政务</a> <a href="{SEARCH}">搜索</a></div>'
        f'<div class="crumbs"><a href="http://{WWW}/">首页</a> &gt; <a href="/news/">新闻'
        f"</a> &gt; 正文</div>"
        f'<div class="article"><h1>{title}</h1>'
        f'<div class="info">{date} 来源：保山日报 点击：<span id="hits"></span></div>'
        f'<div class="content" id="content">{text}</div>{pager}'
        f'<div class="related"><h3>相关阅读</h3><ul>{extra}</ul></div></div>'
        f'<div class="footer">永乐政府网 版权所有</div></body></html>'
    )


def list_page(title: str, links: list[tuple[str, str]], pager: str = "") -> str:
    items = "".join(
        f'<li><a href="{url}">{text}</a><span>2024-06-05</span></li>' for url, text in links
    )
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>'
        f'<body><div class="nav"><a href="http://{WWW}/">首页</a></div><h2>{title}</h2>'
        f'<ul class="list">{items}</ul>{pager}</body></html>'
    )


def build_portal(root: Path) -> dict:
    """Write the portal under root/<host>/ and return what a crawl must find."""
    files: dict[str, str] = {}
    expected: dict[str, dict] = {}

    def article(url: str, seed: int, **kwargs: str) -> str:
        title = f"永乐{TOPICS[seed % len(TOPICS)]}工作推进会召开（第{seed}期）"
        body = paragraphs(seed)
        html = article_page(title, "2024-06-05 10:30", body, **kwargs)
        expected[url] = {"title": title, "body": "\n".join(body)}
        return html

    def put(url: str, html: str) -> None:
        parts = urlsplit(url)
        path = parts.path + ("index.html" if parts.path.endswith("/") else "")
        files[f"{parts.hostname}{path}"] = html

    # PHPCMS-style section: /news/, /news/2.html, /news/3.html.
    news = [f"http://{WWW}/news/2024/0605/{1000 + n}.html" for n in range(1, 13)]
    for page, chunk in enumerate((news[:5], news[5:10], news[10:]), start=1):
        pager = "".join(f'<a href="/news/{n}.html">{n}</a>' for n in (2, 3))
        url = f"http://{WWW}/news/" if page == 1 else f"http://{WWW}/news/{page}.html"
        put(url, list_page("新闻", [(u, f"新闻{u[-9:-5]}") for u in chunk], pager))
    only_related = f"http://{WWW}/news/2024/0601/1099.html"
    hostile = (
        f'<li><a href="{news[3]}">相关一</a></li><li><a href="{only_related}">相关二</a></li>'
        '<li><a href="file:///etc/passwd">相关三</a></li>'
        '<li><a href="data:text/html,hello">相关四</a></li>'
        '<li><a href="http://192.168.1.10/news/1.html">相关五</a></li>'
        '<li><a href="http://www.gov.cn/xinwen/1.html">相关六</a></li>'
    )
    for n, url in enumerate(news, start=1):
        if n == 1:
            put(url, article(url, 1001, extra=hostile))
        elif n != 2:
            put(url, article(url, 1000 + n))
    put(only_related, article(only_related, 1099))
    # A three-page article: one item, body = the pages in order, url = page 1.
    multi = news[1]
    stem = multi.rsplit("/", 1)[1][:-5]
    pager = (
        f'<div id="pages"><a href="{stem}.html">1</a><a href="{stem}_2.html">2</a>'
        f'<a href="{stem}_3.html">3</a><a href="{stem}_2.html">下一页</a></div>'
    )
    title = "永乐乡村振兴三年行动全文（连载）"
    pages = [paragraphs(500 + k) for k in range(3)]
    for k, body in enumerate(pages, start=1):
        name = multi if k == 1 else multi.replace(".html", f"_{k}.html")
        put(name, article_page(title, "2024-06-05 10:30", body, pager=pager))
    expected[multi] = {"title": title, "body": "\n".join(p for body in pages for p in body)}
    # The same article at its dynamic PHPCMS address, linked from the home page.
    dynamic = f"http://{WWW}/index.php?m=content&c=index&a=show&catid=1&id=1003"
    files[f"{WWW}/index.php"] = article(news[2], 1003)

    # TRS-style section: the pager exists only as a script call.
    gov = [f"http://{WWW}/gov/202406/t20240605_{2000 + n}.html" for n in range(1, 13)]
    script = '<script>var countPage = 3;createPageHTML(countPage, 0, "index", "html");</script>'
    for page, chunk in enumerate((gov[:4], gov[4:8], gov[8:])):
        url = f"http://{WWW}/gov/" if page == 0 else f"http://{WWW}/gov/index_{page}.html"
        put(url, list_page("政务公开", [(u, f"政务{u[-9:-5]}") for u in chunk], script))
    for n, url in enumerate(gov, start=1):
        put(url, article(url, 2000 + n))

    # DedeCMS-style subdomain: /local/, list_5_2.html, plus/view.php?aid=.
    local = [f"http://{SUB}/local/20240605/{3000 + n}.html" for n in range(1, 7)]
    put(
        f"http://{SUB}/local/",
        list_page(
            "本地",
            [(u, "本地") for u in local[:4]],
            '<ul class="pagelist"><li><a href="list_5_2.html">2</a></li></ul>',
        ),
    )
    put(f"http://{SUB}/local/list_5_2.html", list_page("本地", [(u, "本地") for u in local[4:]]))
    for n, url in enumerate(local, start=1):
        put(url, article(url, 3000 + n))
    files[f"{SUB}/plus/view.php"] = article(local[0], 3001)
    dede_dynamic = f"http://{SUB}/plus/view.php?aid=3001"

    home_links = [
        f"http://{WWW}/news/",
        f"http://{WWW}/gov/",
        f"http://{SUB}/local/",
        dynamic,
        dede_dynamic,
        SEARCH,
        f"http://{WWW}/go/a.html",
        f"http://{WWW}/go/b.html",
        "http://www.gov.cn/",
        COUNTERS[2],
    ]
    home = list_page("永乐政府网", [(u, "栏目") for u in home_links])
    home = home.replace(
        "</body>",
        f'<div data-url="{COUNTERS[1]}">浏览</div><script src="{COUNTERS[0]}"></script></body>',
    )
    put(f"http://{WWW}/", home)

    for relative, html in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")
    for host in (WWW, SUB):
        (root / host / "robots.txt").write_text(ROBOTS, encoding="utf-8")
    loop = {
        "/go/a.html": {"status": 302, "location": f"http://{WWW}/go/b.html"},
        "/go/b.html": {"status": 302, "location": f"http://{WWW}/go/a.html"},
    }
    (root / WWW / "_meta.json").write_text(
        json.dumps({"default_content_type": "text/html; charset=utf-8", "paths": loop}),
        encoding="utf-8",
    )
    return {
        "articles": expected,
        "multipage": multi,
        "dynamic": [dynamic, dede_dynamic],
        "only_via_related": only_related,
        "hostile_related_source": news[0],
    }


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    root = tmp_path_factory.mktemp("portal")
    truth = build_portal(root / "site")
    with ReplicaServer(root / "site") as server:
        result = run_crawl(server, root, "-a", f"url=http://{WWW}/", spider="portal")
        requests = list(server.requests)
    return truth, result, requests


def test_portal_crawl_finishes(portal):
    _, result, _ = portal
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stats["finish_reason"] == "finished"
    assert result.stats.get("spider_exceptions", 0) == 0


def test_every_article_once_under_its_static_address(portal):
    truth, result, _ = portal
    urls = [item["url"] for item in result.items]
    assert len(urls) == len(set(urls))
    assert set(urls) == set(truth["articles"])
    assert {item["site"] for item in result.items} == {"ylzf"}
    for item in result.items:
        assert item["title"] == truth["articles"][item["url"]]["title"], item["url"]


def test_multipage_article_is_one_item_with_every_page(portal):
    truth, result, requests = portal
    item = next(i for i in result.items if i["url"] == truth["multipage"])
    assert item["body"] == truth["articles"][truth["multipage"]]["body"]
    for k in (2, 3):
        page = truth["multipage"].replace(".html", f"_{k}.html")
        assert sum(url == page for _, url, _ in requests) == 1
    assert result.stats["newsportal/multipage/articles"] == 1


def test_script_pager_pages_are_requested(portal):
    _, _, requests = portal
    requested = {url for _, url, _ in requests}
    assert {f"http://{WWW}/gov/index_1.html", f"http://{WWW}/gov/index_2.html"} <= requested


def test_no_counter_robots_disallowed_or_offsite_request(portal):
    _, result, requests = portal
    requested = [url for _, url, _ in requests]
    assert not any(url in COUNTERS for url in requested)
    assert not any("count" in url.lower() or "ViewClick" in url for url in requested)
    robots = Protego.parse(ROBOTS)
    disallowed = [url for url in requested if not robots.can_fetch(url, "newsportal")]
    assert disallowed == []
    assert {urlsplit(url).hostname for url in requested} <= {WWW, SUB}
    assert result.stats["newsportal/counters/skipped"] >= 1


def test_dynamic_addresses_are_not_kept(portal):
    truth, result, _ = portal
    urls = {item["url"] for item in result.items}
    assert urls.isdisjoint(truth["dynamic"])


def test_related_keeps_only_portal_links_and_counts_the_rest(portal):
    truth, result, _ = portal
    item = next(i for i in result.items if i["url"] == truth["hostile_related_source"])
    assert item["related"] == [
        f"http://{WWW}/news/2024/0605/1004.html",
        truth["only_via_related"],
    ]
    assert result.stats["newsportal/related/dropped"] == 4
    assert truth["only_via_related"] in {i["url"] for i in result.items}


def test_redirect_loop_between_two_linked_pages_counted_once(portal):
    _, result, _ = portal
    assert result.stats.get("newsportal/errors/redirect_loop") == 1


# --- -a start_urls narrows a run to sections (jiulong replica) ----------------------------


@pytest.fixture(scope="module")
def narrowed(replica, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("narrowed")
    replica.server.reset_log()
    section = "http://news.jiulongw.cn/china/"
    result = run_crawl(replica.server, tmp, "-a", f"start_urls={section}")
    return section, result, list(replica.server.requests)


def test_narrowed_run_keeps_to_its_section(narrowed, replica):
    section, result, requests = narrowed
    assert result.returncode == 0, result.stderr[-3000:]
    articles = {a["url"]: a for a in replica.truth["articles"]}
    listed = {u for u, a in articles.items() if u.startswith(section) and not a["only_via_related"]}
    expected, frontier = set(listed), list(listed)
    while frontier:  # 推荐阅读 of the section's articles; walked on only inside the section
        url = frontier.pop()
        for target in articles[url]["related"]:
            if target in articles and target not in expected:
                expected.add(target)
                if target.startswith(section):
                    frontier.append(target)
    got = {item["url"] for item in result.items}
    assert got == expected
    # No other section's list or pagination was read: every request is the section's own
    # page, an article it reaches, or robots.txt.
    stray = [
        url
        for _, url, _ in requests
        if not url.startswith(section) and url not in expected and not url.endswith("robots.txt")
    ]
    assert stray == []
    assert len(requests) < 120


# --- a bad argument is one line and a failed run ------------------------------------------


@pytest.mark.parametrize(
    ("spider", "args", "line"),
    [
        (
            "jiulong",
            ("-a", "start_urls=http://www.example.com/china/"),
            "jiulong: bad argument -a start_urls: 'http://www.example.com/china/' is outside "
            "the portal's domains ['jiulongw.cn']",
        ),
        (
            "portal",
            ("-a", "url=www.ylzf.gov.cn", "-a", "site=yl zf"),
            "portal: bad argument -a url: 'www.ylzf.gov.cn' is not an http(s) URL; "
            "-a site: String should match pattern",
        ),
    ],
)
def test_a_bad_argument_is_one_clear_line_and_exit_status_2(replica, tmp_path, spider, args, line):
    result = run_crawl(replica.server, tmp_path, *args, spider=spider)
    assert result.returncode == 2
    assert line in result.stderr
    assert "Traceback" not in result.stderr
    assert [entry for entry in result.stderr.splitlines() if "ERROR" in entry] == [
        entry for entry in result.stderr.splitlines() if line in entry
    ]
