"""The replica must be a faithful stand-in: seed verbatim, real charsets, statuses and proxying."""

import filecmp
import http.client
import json
import re
import socket
import urllib.error
import urllib.request
from html import escape, unescape
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from protego import Protego

from tests.replica import content as C
from tests.replica.cms import FAMILIES, build_family
from tests.replica.server import ReplicaServer, query_file
from tests.replica.site import build_site

ARTICLES = 150


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("replica")
    return root, build_site(root, articles=ARTICLES)


@pytest.fixture(scope="module")
def server(site: tuple[Path, dict]):
    with ReplicaServer(site[0]) as srv:
        yield srv


@pytest.fixture
def fetch(server: ReplicaServer):
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({"http": server.proxy_url}), _NoRedirect()
    )

    def get(url: str, timeout: float = 10) -> tuple[int, bytes, dict]:
        try:
            with opener.open(url, timeout=timeout) as resp:
                return resp.status, resp.read(), dict(resp.headers)
        except urllib.error.HTTPError as err:
            return err.code, err.read(), dict(err.headers)

    return get


def _by_url(truth: dict) -> dict:
    return {a["url"]: a for a in truth["articles"]}


def test_seed_article_served_verbatim(site, fetch):
    status, body, headers = fetch(C.SEED_URL)
    html = body.decode("utf-8")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert f"<h1>{C.SEED_TITLE}</h1>" in html
    assert "2024-06-05 16:33:17 来源：中国新闻网 浏览次数：" in html
    for paragraph in C.SEED_PARAGRAPHS:
        assert paragraph in html
    for label in [
        "新闻发布会现场。山西省政府新闻办供图",
        "关健词：<",
        "责任编辑：代平",
        "推荐阅读",
        "免责声明：九龙网",
        "2024年06月05日 16:24",
        "关于我们",
    ]:
        assert label in html
    assert html.count("<li><a href=") >= len(C.MENU) + 7


def test_seed_truth_entry(site):
    seed = _by_url(site[1])[C.SEED_URL]
    assert seed["title"] == C.SEED_TITLE
    assert seed["section"] == "国内新闻"
    assert seed["published_at"] == "2024-06-05T16:33:17+08:00"
    assert (seed["source"], seed["editor"], seed["keywords"]) == ("中国新闻网", "代平", [])
    assert seed["body"] == "\n".join(C.SEED_PARAGRAPHS)
    assert seed["images"][0]["caption"] == C.SEED_CAPTION
    assert seed["related"][0] == C.SEED_URL
    assert len(seed["related"]) == 7
    assert all(u in _by_url(site[1]) for u in seed["related"])


def test_truth_covers_templates_and_reachability(site, fetch):
    truth = site[1]
    arts = truth["articles"]
    assert len(arts) >= ARTICLES
    assert {a["template"] for a in arts} == {"div", "table", "html5"}
    listed = "".join(fetch(u)[1].decode(_charset(u, truth)) for u in truth["list_urls"])
    only_related = [a for a in arts if a["only_via_related"]]
    assert only_related
    linked_from = {u for a in arts for u in a["related"]}
    for a in only_related:
        assert a["url"] not in listed
        assert a["url"] in linked_from
    for a in arts:
        if not a["only_via_related"]:
            assert a["url"] in listed, a["url"]


def _charset(url: str, truth: dict) -> str:
    return "gbk" if "//bs." in url else "utf-8"


def test_every_truth_article_is_served(site, fetch):
    for a in site[1]["articles"]:
        status, body, _ = fetch(a["url"])
        assert status == 200, a["url"]
        assert a["title"] in body.decode(a["encoding"])


def test_gbk_page_has_meta_charset_only(site, fetch):
    a = next(
        x
        for x in site[1]["articles"]
        if x["encoding"] == "gbk" and x["url"] not in site[1]["special_urls"].values()
    )
    status, body, headers = fetch(a["url"])
    assert status == 200
    assert headers["Content-Type"] == "text/html"
    assert b'content="text/html; charset=gb2312"' in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    html = body.decode("gbk")
    assert a["title"] in html
    assert a["body"].split("\n")[0] in html


def test_wrong_charset_header(site, fetch):
    url = site[1]["special_urls"]["wrong_charset"]
    status, body, headers = fetch(url)
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert _by_url(site[1])[url]["title"] in body.decode("gbk")


def test_error_statuses(site, fetch):
    errors = site[1]["error_urls"]
    for url in errors["404"]:
        assert fetch(url)[0] == 404
    assert fetch(errors["500"][0])[0] == 500
    loop = errors["redirect_loop"]
    status, _, headers = fetch(loop[0])
    assert (status, headers["Location"]) == (302, loop[1])
    assert fetch(loop[1])[2]["Location"] == loop[0]
    status, _, headers = fetch(errors["offsite_redirect"][0])
    assert status == 302
    assert headers["Location"].startswith("http://www.example.com/")


def test_slow_page_sleeps(site, fetch, monkeypatch):
    url = site[1]["error_urls"]["timeout"][0]
    monkeypatch.setenv("REPLICA_SLOW_SECONDS", "0")
    assert fetch(url)[0] == 200
    monkeypatch.setenv("REPLICA_SLOW_SECONDS", "2")
    with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
        fetch(url, timeout=0.3)


def test_offsite_host_is_502_and_logged(server, fetch):
    server.reset_log()
    assert fetch("http://www.example.com/")[0] == 502
    assert server.requests == [("GET", "http://www.example.com/", 502)]


def test_origin_form_request_uses_host_header(site, server):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("GET", "/china/", headers={"Host": "news.jiulongw.cn"})
    resp = conn.getresponse()
    html = resp.read().decode()
    conn.close()
    assert resp.status == 200
    assert "http://news.jiulongw.cn/china/index_2.html" in site[1]["list_urls"]
    assert "index_2.html" in html and "下一页" in html
    assert ("GET", "http://news.jiulongw.cn/china/", 200) in server.requests


def test_robots_and_disallowed_links(site, fetch):
    for host in C.HOSTS.values():
        status, body, _ = fetch(f"http://{host}/robots.txt")
        assert status == 200
        assert b"Disallow: /print/" in body and b"Disallow: /admin/" in body
    assert all(re.search(r"\.cn/(print|admin)/", u) for u in site[1]["disallowed_urls"])
    html = fetch(C.SEED_URL)[1].decode()
    assert "http://news.jiulongw.cn/print/142465.html" in html
    assert all(
        u.split("/")[2].endswith("example.com") or "people" in u for u in site[1]["offsite_urls"]
    )


def test_aliases_serve_the_same_article(site, fetch):
    aliased = [a for a in site[1]["articles"] if a["aliases"]]
    assert len(aliased) == 2
    for a in aliased:
        status, body, _ = fetch(a["aliases"][0])
        assert status == 200
        assert a["body"].split("\n")[-1] in body.decode()
    home = fetch("http://news.jiulongw.cn/")[1].decode()
    assert all(a["aliases"][0] in home for a in aliased)


def test_traps(site, fetch):
    html = fetch("http://news.jiulongw.cn/calendar/?date=2030-01-01")[1].decode()
    assert "/calendar/?date=2030-01-02" in html
    sids = {
        re.search(
            r"sid=(\w+)", fetch("http://news.jiulongw.cn/zonghe/index.html")[1].decode()
        ).group(1)
        for _ in range(2)
    }
    assert len(sids) == 2


def test_rebuild_is_deterministic(tmp_path):
    build_site(tmp_path / "a", articles=40)
    build_site(tmp_path / "b", articles=40)
    cmp = filecmp.dircmp(tmp_path / "a", tmp_path / "b")
    files = [p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file()]
    match, mismatch, errors = filecmp.cmpfiles(tmp_path / "a", tmp_path / "b", files, shallow=False)
    assert not cmp.left_only and not cmp.right_only
    assert (mismatch, errors) == ([], [])
    assert len(match) > 40


def test_extra_articles_appear_on_page_one(tmp_path):
    base = build_site(tmp_path, articles=40)
    with ReplicaServer(tmp_path) as srv:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": srv.proxy_url}))
        grown = build_site(tmp_path, articles=40, extra=3)  # published while serving
        new = [a for a in grown["articles"] if a["url"] not in _by_url(base)]
        assert len(new) == 3
        assert [a for a in grown["articles"] if a["url"] in _by_url(base)] == base["articles"]
        home = opener.open("http://news.jiulongw.cn/").read().decode()
        for a in new:
            assert a["url"] in home
            section_url = next(
                u for u in grown["list_urls"] if u.rsplit("/", 2)[1] in a["url"].split("/")[3]
            )
            page1 = opener.open(section_url).read().decode(a["encoding"])
            assert a["url"] in page1
            assert a["title"] in opener.open(a["url"]).read().decode(a["encoding"])
    assert json.loads((tmp_path / "truth.json").read_text())["articles"] == grown["articles"]


# --- the CMS family replicas (tests/replica/cms) --------------------------------------------

_HREF = re.compile(r"""<a\s[^>]*?href=["']?([^"'\s>]+)""", re.IGNORECASE)
_SCRIPT_PAGER = re.compile(
    r'createPageHTML\(\s*(\w+)\s*,\s*\w+\s*,\s*"(\w+)"\s*,\s*"(\w+)"\s*\)', re.IGNORECASE
)


@pytest.fixture(scope="module", params=FAMILIES)
def cms_site(request, tmp_path_factory):
    root = tmp_path_factory.mktemp(f"cms-{request.param}")
    truth = build_family(root, request.param, articles=40)
    with ReplicaServer(root) as srv:
        opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({"http": srv.proxy_url}), _NoRedirect()
        )

        def get(url: str) -> tuple[int, bytes, dict]:
            try:
                with opener.open(url, timeout=10) as resp:
                    return resp.status, resp.read(), dict(resp.headers)
            except urllib.error.HTTPError as err:
                return err.code, err.read(), dict(err.headers)

        yield truth, get


def _decode(body: bytes) -> str:
    head = body[:400].decode("ascii", "replace").lower()
    return body.decode("gbk" if "gb2312" in head or "gbk" in head else "utf-8")


def _links(url: str, html: str) -> list[str]:
    """Links a reader's browser would follow, script pagers included (TRS createPageHTML)."""
    markup = re.sub(r"(?is)<script\b[^>]*>.*?</script>", "", html)  # not links: script text
    out = [urljoin(url, unescape(h)).split("#")[0] for h in _HREF.findall(markup)]
    for count, name, ext in _SCRIPT_PAGER.findall(html):
        if not count.isdigit():
            count = re.search(rf"var {count}\s*=\s*(\d+)", html).group(1)
        out.append(urljoin(url, f"{name}.{ext}"))
        out += [urljoin(url, f"{name}_{i}.{ext}") for i in range(1, int(count))]
    return out


def test_cms_replica_every_truth_address_is_reachable_by_links(cms_site):
    """A breadth-first walk over the links, from the home page, as robots.txt allows, reaches
    every article page and alias, and every link it follows answers 200 (but the truth's 404 and
    500 and the hit counters); articles marked only_via_related are linked from article pages
    alone."""
    truth, get = cms_site
    robots = Protego.parse(truth["robots"])
    articles = {u for a in truth["articles"] for u in a["page_urls"] + a["aliases"]}
    errors = {u for urls in truth["error_urls"].values() for u in urls}
    counters = [re.compile(p) for p in truth["counter_patterns"]]
    seen, queue, linked_from_lists, broken = {truth["home"]}, [truth["home"]], set(), []
    while queue:
        url = queue.pop()
        status, body, headers = get(url)
        if status != 200 and url not in errors and not any(c.search(url) for c in counters):
            broken.append((url, status))
        if status != 200 or "html" not in headers.get("Content-Type", ""):
            continue
        links = _links(url, _decode(body))
        if url.split("?")[0] not in articles and url not in articles:
            linked_from_lists.update(links)
        for link in links:
            host = urlsplit(link).hostname or ""
            if link in seen or not link.startswith("http") or host not in truth["hosts"]:
                continue
            if not robots.can_fetch(link, "newsportal") or re.search(r"\.(jpg|png|css|js)$", link):
                continue
            seen.add(link)
            queue.append(link)
    assert articles - seen == set()
    assert errors <= seen
    assert broken == []
    hidden = {a["url"] for a in truth["articles"] if a["only_via_related"]}
    assert hidden and hidden & linked_from_lists == set()


def test_cms_replica_pages_say_what_the_truth_says(cms_site):
    truth, get = cms_site
    for a in truth["articles"]:
        texts = []
        for url in a["page_urls"]:
            status, body, headers = get(url)
            assert status == 200, url
            if a["encoding"] == "gbk":
                assert "charset=utf" not in headers["Content-Type"].lower()
                with pytest.raises(UnicodeDecodeError):
                    body.decode("utf-8")
            texts.append(_decode(body))
        assert escape(a["title"], quote=False) in texts[0]
        for paragraph in a["body"].split("\n"):
            assert any(escape(paragraph, quote=False) in t for t in texts), (a["url"], paragraph)
        for alias in a["aliases"]:
            assert get(alias)[1] == get(a["url"])[1], alias  # one article, two addresses
    for kind, urls in truth["error_urls"].items():
        assert all(get(u)[0] == int(kind) for u in urls)


def test_cms_replica_query_pages_answer_any_parameter_order(cms_site):
    truth, get = cms_site
    for a in truth["articles"]:
        for alias in a["aliases"]:
            parts = urlsplit(alias)
            if parts.query:
                swapped = "&".join(reversed(parts.query.split("&")))
                assert get(f"http://{parts.netloc}{parts.path}?{swapped}")[1] == get(alias)[1]


def test_phpcms_date_line_sits_inside_the_headline(tmp_path):
    truth = build_family(tmp_path, "phpcms", articles=20)
    a = truth["articles"][0]
    page = query_file(tmp_path, a["url"]).read_text(encoding="utf-8")
    h1 = re.search(r"<h1>(.*?)</h1>", page, re.S).group(1)
    assert h1.startswith(a["title"] + "<br />") and a["published_at_raw"] in h1 and "来源：" in h1


def test_trs_list_pages_link_their_pages_only_by_script(tmp_path):
    truth = build_family(tmp_path, "trs_gov", articles=40)
    later = [u for u in truth["list_urls"] if "index_" in u]
    assert later
    for url in truth["list_urls"]:
        page = query_file(tmp_path, url).read_text(encoding="utf-8")
        assert "createPageHTML(" in page and 'href="index_' not in page


def test_cms_replicas_are_deterministic(tmp_path):
    for name in FAMILIES:
        one = build_family(tmp_path / "a" / name, name, articles=20)
        two = build_family(tmp_path / "b" / name, name, articles=20)
        assert one == two
        assert filecmp.cmp(
            query_file(tmp_path / "a" / name, one["home"]),
            query_file(tmp_path / "b" / name, two["home"]),
            shallow=False,
        )


def test_aliases_first_build_links_twinned_articles_only_by_their_dynamic_address(tmp_path):
    for name in ("phpcms", "dedecms", "empirecms", "wordpress"):
        truth = build_family(tmp_path / name, name, articles=40, aliases_first=True)
        twinned = [a for a in truth["articles"] if a["aliases"]]
        assert twinned
        pages = [
            p.read_bytes().decode("gbk" if name == "dedecms" or "old." in str(p) else "utf-8")
            for p in (tmp_path / name).rglob("*")
            if p.is_file() and p.suffix != ".json"
        ]
        for a in twinned:
            path = "/" + a["url"].split("/", 3)[3]
            assert not any(f'{path}"' in page or f"{path}'" in page for page in pages), a["url"]
            assert any(f'"{a["aliases"][0]}"' in page for page in pages)
