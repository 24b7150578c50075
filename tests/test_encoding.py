"""Charset detection on the byte forms Chinese portals actually serve, and its middleware."""

import codecs
import gzip
import http.server
import json
import os
import subprocess
import sys
import threading
import typing
from pathlib import Path

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Request, Response, TextResponse
from scrapy.utils.test import get_crawler

from newsportal.encoding import CharsetMiddleware, binary_kind, decode_html, normalize_encoding

ROOT = Path(__file__).resolve().parent.parent
TITLE = "2023年山西破获电信网络诈骗案件1.7万余起"
BODY = (
    "中新网太原6月5日电（杨静 李庭耀）记者6月5日从山西省政府新闻办举行的新闻发布会获悉，"
    "2023年，山西全省共破获电信网络诈骗案件1.7万余起。近年来，电信网络诈骗犯罪表现出"
    "发案损失高、手法变化快、涉及群体广、跨境犯罪多等特征，危害严重。"
)
# The same passage in traditional characters, for Big5.
BODY_TW = (
    "中新網太原6月5日電（楊靜 李庭耀）記者6月5日從山西省政府新聞辦舉行的新聞發佈會獲悉，"
    "2023年，山西全省共破獲電信網絡詐騙案件1.7萬餘起。近年來，電信網絡詐騙犯罪表現出"
    "發案損失高、手法變化快、涉及群體廣、跨境犯罪多等特徵，危害嚴重。"
)


def page(head: str = "", body: str = BODY, title: str = TITLE) -> str:
    return (
        f"<!DOCTYPE html><html><head>{head}<title>{title}</title></head>"
        f"<body><div class='content'><p>{body}</p></div></body></html>"
    )


META_GB2312 = '<meta charset="gb2312">'
META_GBK_HTTP_EQUIV = '<meta http-equiv="Content-Type" content="text/html; charset=gbk">'
META_UTF8 = '<meta charset="utf-8">'

# (id, bytes, Content-Type header, expected encoding, text that must come out)
CASES = [
    ("utf8-header", page().encode(), "text/html; charset=utf-8", "utf-8", BODY),
    ("utf8-meta", page(META_UTF8).encode(), "text/html", "utf-8", BODY),
    ("utf8-undeclared", page().encode(), None, "utf-8", BODY),
    ("gbk-meta-gb2312-no-header", page(META_GB2312).encode("gbk"), None, "gb18030", BODY),
    ("gbk-http-equiv", page(META_GBK_HTTP_EQUIV).encode("gbk"), "text/html", "gb18030", BODY),
    ("gbk-header-gbk", page().encode("gbk"), "text/html; charset=GBK", "gb18030", BODY),
    # The server default says UTF-8, the page is GBK (and may even claim UTF-8 itself).
    ("gbk-wrong-header-utf8", page().encode("gbk"), "text/html; charset=utf-8", "gb18030", BODY),
    (
        "gbk-wrong-header-and-meta-utf8",
        page(META_UTF8).encode("gbk"),
        "text/html; charset=utf-8",
        "gb18030",
        BODY,
    ),
    (
        "gbk-wrong-header-right-meta",
        page(META_GB2312).encode("gbk"),
        "text/html; charset=utf-8",
        "gb18030",
        BODY,
    ),
    ("gbk-undeclared", page().encode("gbk"), None, "gb18030", BODY),
    ("gbk-undeclared-text-html", page().encode("gbk"), "text/html", "gb18030", BODY),
    # iso-8859-1 is a typical server default; it decodes any bytes, so it must not win.
    (
        "gbk-latin1-header",
        page().encode("gbk"),
        "text/html; charset=iso-8859-1",
        "gb18030",
        BODY,
    ),
    (
        "gbk-latin1-header-gbk-meta",
        page(META_GB2312).encode("gbk"),
        "text/html; charset=ISO-8859-1",
        "gb18030",
        BODY,
    ),
    # Declared gb2312, uses a character only GB18030 has: the superset decodes it.
    (
        "gb18030-only-char",
        page(META_GB2312, body=BODY + "㐀").encode("gb18030"),
        None,
        "gb18030",
        BODY + "㐀",
    ),
    (
        "bom-utf8-beats-header",
        codecs.BOM_UTF8 + page().encode(),
        "text/html; charset=gbk",
        "utf-8",
        BODY,
    ),
    ("bom-utf16le", codecs.BOM_UTF16_LE + page().encode("utf-16-le"), None, "utf-16-le", BODY),
    (
        "big5-undeclared",
        page(body=BODY_TW, title="新聞").encode("big5"),
        None,
        "big5hkscs",
        BODY_TW,
    ),
    (
        "big5-meta",
        page('<meta charset="big5">', body=BODY_TW, title="新聞").encode("big5"),
        None,
        "big5hkscs",
        BODY_TW,
    ),
    # Too short for statistics: mainland GBK wins a tie with Big5.
    ("gbk-short-undeclared", "<p>九龙网</p>".encode("gbk"), None, "gb18030", "九龙网"),
    ("ascii-undeclared", b"<html><body>hello</body></html>", None, "utf-8", "hello"),
    (
        "ascii-keeps-declared-name",
        b'<html><head><meta charset="gbk"></head><body>hello</body></html>',
        None,
        "gb18030",
        "hello",
    ),
    # A UTF-8 page with one truncated character stays UTF-8 (one U+FFFD, not mojibake).
    (
        "utf8-one-broken-byte",
        page(body=BODY).encode()[:-40] + b"\xe4\xb8" + page().encode()[-40:],
        "text/html; charset=utf-8",
        "utf-8",
        BODY[:20],
    ),
    # A GBK page with one stray byte stays GBK.
    ("gbk-one-broken-byte", page(META_GB2312).encode("gbk") + b"\x81", None, "gb18030", BODY),
    ("empty", b"", None, "utf-8", ""),
]


@pytest.mark.parametrize(
    ("body", "content_type", "encoding", "expected_text"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_decode_html(body, content_type, encoding, expected_text):
    text, detected = decode_html(body, content_type)
    assert detected == encoding
    assert expected_text in text
    assert not text.startswith("\ufeff")


def test_decode_html_keeps_unbroken_text_intact():
    text, _ = decode_html(page().encode("gbk"), "text/html; charset=utf-8")
    assert text == page()
    assert "\ufffd" not in text


def test_decode_html_broken_bytes_are_replaced_not_raised():
    text, encoding = decode_html(page(META_GB2312).encode("gbk") + b"\x81", None)
    assert encoding == "gb18030"
    assert text.count("\ufffd") == 1


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("gb2312", "gb18030"),
        ("GBK", "gb18030"),
        ("x-gbk", None),  # not a codec Python knows
        ("cp936", "gb18030"),
        ("GB18030", "gb18030"),
        ("big5", "big5hkscs"),
        ("UTF8", "utf-8"),
        ("iso-8859-1", "cp1252"),
        ("utf-7", None),
        ("no-such-charset", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_encoding(name, expected):
    assert normalize_encoding(name) == expected


# --------------------------------------------------------------------------- middleware

URL = "http://news.jiulongw.cn/china/2024-06-05/142465.html"


def make_middleware(**settings):
    crawler = get_crawler(settings_dict=settings)
    return CharsetMiddleware.from_crawler(crawler), crawler.stats


def html_response(body: bytes, content_type: str | None = None, cls=HtmlResponse):
    headers = {"Content-Type": content_type} if content_type else {}
    return cls(URL, body=body, headers=headers)


def test_middleware_fixes_gbk_behind_a_wrong_utf8_header():
    mw, stats = make_middleware()
    response = html_response(page(META_GB2312).encode("gbk"), "text/html; charset=utf-8")
    assert response.encoding == "utf-8"  # what Scrapy alone would use
    assert BODY not in response.text

    fixed = mw.process_response(Request(URL), response)

    assert isinstance(fixed, HtmlResponse)
    assert fixed.encoding == "gb18030"
    assert BODY in fixed.text
    assert fixed.css("title::text").get() == TITLE
    assert stats.get_value("newsportal/charset/redetected") == 1
    assert stats.get_value("newsportal/charset/gb18030") == 1


def test_middleware_pins_undeclared_gbk():
    mw, stats = make_middleware()
    fixed = mw.process_response(Request(URL), html_response(page().encode("gbk")))
    assert fixed.encoding == "gb18030"
    assert fixed.xpath("//p/text()").get() == BODY
    assert stats.get_value("newsportal/charset/redetected") == 1


def test_middleware_fixes_latin1_server_default():
    mw, stats = make_middleware()
    response = html_response(page().encode("gbk"), "text/html; charset=iso-8859-1")
    assert response.encoding == "cp1252"
    fixed = mw.process_response(Request(URL), response)
    assert fixed.encoding == "gb18030"
    assert BODY in fixed.text
    assert stats.get_value("newsportal/charset/redetected") == 1


def test_middleware_leaves_correct_responses_alone():
    mw, stats = make_middleware()
    for body, content_type in [
        (page().encode(), "text/html; charset=utf-8"),
        (page(META_GB2312).encode("gbk"), "text/html"),
        (page().encode("gbk"), "text/html; charset=gb2312"),
    ]:
        response = html_response(body, content_type)
        assert mw.process_response(Request(URL), response) is response
    assert stats.get_value("newsportal/charset/redetected") is None
    assert stats.get_value("newsportal/charset/utf-8") == 1
    assert stats.get_value("newsportal/charset/gb18030") == 2


def test_middleware_undeclared_utf8_is_not_a_correction():
    mw, stats = make_middleware()
    fixed = mw.process_response(Request(URL), html_response(page().encode()))
    assert fixed.encoding == "utf-8"
    assert BODY in fixed.text
    assert stats.get_value("newsportal/charset/redetected") is None
    assert stats.get_value("newsportal/charset/utf-8") == 1


def test_middleware_handles_plain_text_responses():
    mw, stats = make_middleware()
    robots = "User-agent: *\nDisallow: /admin/\n# 九龙网\n".encode("gbk")
    response = html_response(robots, "text/plain", cls=TextResponse)
    fixed = mw.process_response(Request(URL), response)
    assert "九龙网" in fixed.text
    assert stats.get_value("newsportal/charset/gb18030") == 1


def test_middleware_ignores_binary_and_empty_responses():
    mw, stats = make_middleware()
    image = Response("http://news.jiulongw.cn/a.jpg", body=b"\xff\xd8\xff\xe0")
    assert mw.process_response(Request(image.url), image) is image
    empty = html_response(b"", "text/html")
    assert mw.process_response(Request(URL), empty) is empty
    assert stats.get_stats() == {}


def test_middleware_per_request_opt_out():
    mw, stats = make_middleware()
    response = html_response(page().encode("gbk"), "text/html; charset=utf-8")
    request = Request(URL, meta={"charset_detect": False})
    assert mw.process_response(request, response) is response
    assert stats.get_stats() == {}


@pytest.mark.parametrize("value", [False, "False", "0"])
def test_middleware_can_be_switched_off(value):
    crawler = get_crawler(settings_dict={"CHARSET_DETECT_ENABLED": value})
    with pytest.raises(NotConfigured):
        CharsetMiddleware.from_crawler(crawler)


def test_middleware_method_takes_no_spider_argument():
    # Scrapy 2.19 deprecates the spider argument of downloader middleware methods.
    import inspect

    assert list(inspect.signature(CharsetMiddleware.process_response).parameters) == [
        "self",
        "request",
        "response",
    ]


# --------------------------------------------------------------------------- in a real crawl

SPIDER = """
import scrapy


class Probe(scrapy.Spider):
    name = "probe"

    async def start(self):
        for url in self.settings.getlist("PROBE_URLS"):
            yield scrapy.Request(url)

    def parse(self, response):
        yield {
            "url": response.url,
            "encoding": response.encoding,
            "title": response.css("title::text").get(),
            "body": response.xpath("//p/text()").get(),
        }
"""


class _PageHandler(http.server.BaseHTTPRequestHandler):
    """GBK pages as misconfigured portals serve them, one path per mistake."""

    PAGES: typing.ClassVar[dict[str, tuple[bytes, str | None, bool]]] = {
        "/wrong-header.html": (page().encode("gbk"), "text/html; charset=utf-8", False),
        "/wrong-header-gzip.html": (page().encode("gbk"), "text/html; charset=utf-8", True),
        "/undeclared.html": (page().encode("gbk"), "text/html", False),
        "/utf8.html": (page(META_UTF8).encode(), "text/html; charset=utf-8", False),
    }

    def do_GET(self):
        if self.path not in self.PAGES:
            self.send_error(404)
            return
        body, content_type, gzipped = self.PAGES[self.path]
        if gzipped:
            body = gzip.compress(body)
        self.send_response(200)
        if content_type:
            self.send_header("Content-Type", content_type)
        if gzipped:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def gbk_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _PageHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_crawl_reads_misdeclared_gbk_pages(gbk_server, tmp_path):
    """The middleware at its recommended order (585: after decompression) in a real crawl."""
    (tmp_path / "probe.py").write_text(SPIDER, encoding="utf-8")
    urls = [gbk_server + path for path in _PageHandler.PAGES]
    settings = {
        "DOWNLOADER_MIDDLEWARES": json.dumps({"newsportal.encoding.CharsetMiddleware": 585}),
        "PROBE_URLS": ",".join(urls),
        "ROBOTSTXT_OBEY": "False",
        "TELNETCONSOLE_ENABLED": "False",
        "LOG_LEVEL": "INFO",
    }
    args = [arg for key, value in settings.items() for arg in ("-s", f"{key}={value}")]
    process = subprocess.run(
        [sys.executable, "-m", "scrapy", "runspider", "probe.py", "-o", "out.jsonl", *args],
        cwd=tmp_path,  # no scrapy.cfg here: only the middleware under test is added
        env={**os.environ, "PYTHONPATH": str(ROOT), "http_proxy": "", "HTTP_PROXY": ""},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert process.returncode == 0, process.stderr[-3000:]
    items = {
        item["url"].rsplit("/", 1)[1]: item
        for item in map(json.loads, (tmp_path / "out.jsonl").read_text().splitlines())
    }
    assert sorted(items) == sorted(path.lstrip("/") for path in _PageHandler.PAGES)
    for item in items.values():
        assert item["title"] == TITLE
        assert item["body"] == BODY
    assert items["utf8.html"]["encoding"] == "utf-8"
    assert items["wrong-header-gzip.html"]["encoding"] == "gb18030"
    assert "'newsportal/charset/redetected': 3" in process.stderr


# -- bodies that are no page at all (issue 8, items 3 and 12) -------------------------------------


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (gzip.compress(page().encode()), "gzip data"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "a PDF document"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a PNG image"),
        (b"\x00" * 4096, "binary data"),
        (bytes(range(256)) * 8, "binary data"),
        (page().encode("gb18030"), None),
        (page().encode("utf-8"), None),
        (codecs.BOM_UTF16_LE + page().encode("utf-16-le"), None),
        (b"", None),
    ],
)
def test_binary_kind(body, kind):
    assert binary_kind(body) == kind


def test_middleware_turns_a_binary_body_into_a_counted_non_text_response():
    mw, stats = make_middleware()
    junk = html_response(b"\x00\x01garbage\x02" * 100, "text/html; charset=utf-8")
    result = mw.process_response(Request(URL), junk)
    assert not isinstance(result, TextResponse)
    assert stats.get_value("newsportal/errors/binary_body") == 1


def run_extract(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "newsportal.extract", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_extract_cli_refuses_an_endless_input_at_its_cap():
    result = run_extract("/dev/zero", "--max-bytes", str(1024 * 1024))
    assert result.returncode == 1
    assert "/dev/zero: refused: larger than 1048576 bytes" in result.stderr
    assert result.stdout == ""


def test_extract_cli_refuses_binary_content_with_a_clear_message(tmp_path):
    packed = tmp_path / "page.html.gz"
    packed.write_bytes(gzip.compress(page().encode()))
    plain = tmp_path / "page.html"
    plain.write_text(page(), encoding="utf-8")
    result = run_extract(str(packed), str(plain))
    assert result.returncode == 1
    assert f"{packed}: refused: gzip data, not an HTML page" in result.stderr
    assert [json.loads(line)["title"] for line in result.stdout.splitlines()] == [TITLE]
