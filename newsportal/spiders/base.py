"""The crawl flow every portal shares: home -> section menu -> list pages -> articles (+ 推荐阅读).

A portal module only states what is specific to it (name, domains, start URLs, an article URL
pattern); what a page *is* and what it contains is decided by :mod:`newsportal.extraction`,
from what a reader sees, so an unknown or redesigned markup still crawls.
"""

from __future__ import annotations

import datetime as dt
import gzip
import logging
import re
import zlib
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar
from urllib.parse import SplitResult, parse_qsl, urlsplit

import scrapy
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest, NotConfigured
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from twisted.python.failure import Failure

from newsportal.extraction import extract_article
from newsportal.loaders import load_article
from newsportal.processors import canonicalize_url

logger = logging.getLogger(__name__)

# Links that never lead to an article or a list: feeds, files, scripts, mail.
DENY_EXTENSIONS = [
    "jpg", "jpeg", "png", "gif", "webp", "bmp", "svg", "ico", "pdf", "doc", "docx", "xls",
    "xlsx", "ppt", "pptx", "zip", "rar", "7z", "gz", "mp3", "mp4", "flv", "avi", "wmv", "swf",
    "exe", "apk", "css", "js", "xml", "rss",
]  # fmt: skip


ID_IN_PATH = re.compile(r"\d{4,}")
LINK_TAGS = ("a", "area", "button", "li", "div", "span")
LINK_ATTRS = ("href", "data-href", "data-url", "data-link")


class PortalSpider(scrapy.Spider):
    """Base spider for a news portal; subclasses set the class attributes below.

    Required: ``name``, ``site``, ``allowed_domains``, ``start_urls``.
    Optional: ``article_url_pattern`` (a fast path: such URLs are parsed as articles without
    asking the page), ``deny_url_patterns`` (known traps or useless areas of the portal).
    """

    site: ClassVar[str] = ""
    article_url_pattern: ClassVar[str | None] = None
    deny_url_patterns: ClassVar[tuple[str, ...]] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for attribute in ("site", "allowed_domains", "start_urls"):
            if not getattr(self, attribute, None):
                raise NotConfigured(f"{type(self).__name__} must set {attribute!r}")
        self.start_urls = self._checked_start_urls(self.start_urls)
        self._article_re = (
            re.compile(self.article_url_pattern) if self.article_url_pattern else None
        )
        self._links = LinkExtractor(
            # Script-driven menus carry their URL as data (<button data-href=...>); a reader
            # clicks them like links, so they are links.
            tags=LINK_TAGS,
            attrs=LINK_ATTRS,
            allow_domains=self.allowed_domains,
            deny=self.deny_url_patterns,
            deny_extensions=DENY_EXTENSIONS,
            canonicalize=False,
            unique=True,
        )
        self._query_variants: defaultdict[tuple[Any, ...], set[str]] = defaultdict(set)
        self._errors_logged: set[str] = set()
        self._scheme_articles = 0

    def _checked_start_urls(self, value: str | list[str]) -> list[str]:
        """``-a start_urls=URL[,URL...]`` (scrapyd passes strings) narrows a run to some
        sections; a URL outside ``allowed_domains`` would be filtered silently, so refuse it."""
        urls = re.split(r"[\s,]+", value.strip()) if isinstance(value, str) else list(value)
        for url in urls:
            host = urlsplit(url).hostname or ""
            if not any(host == d or host.endswith("." + d) for d in self.allowed_domains):
                raise ValueError(
                    f"start URL {url!r} is outside {self.name}'s domains {self.allowed_domains}"
                )
        return urls

    # --- flow ---------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.start_urls:
            yield self._request(url, via_related=False)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        """Every page comes here; what it is decides what is taken from it."""
        if not isinstance(response, TextResponse):
            self._count_page("other")
            return
        raw = extract_article(response.text, response.url)
        url_says_article = bool(self._article_re and self._article_re.match(response.url))
        if url_says_article or raw.is_article:
            if not raw.title and not raw.paragraphs:
                # "系统繁忙" and soft-404 pages at article URLs: an error page, not an article.
                self._log_error("empty_article", response.url)
                return
            if not url_says_article and self._scheme_articles:
                yield self._deferred(response, list(self.parse_article(response, raw)))
                return
            yield from self.parse_article(response, raw)
            return
        links = self._links.extract_links(response)
        self._count_page("list" if self._looks_like_list(links) else "other")
        for link in links:
            request = self._request(link.url, via_related=False)
            if request is not None:
                yield request

    def parse_article(self, response: TextResponse, raw: Any) -> Iterator[Any]:
        self._count_page("article")
        if self._article_re and self._article_re.match(response.url):
            self._scheme_articles += 1
        item, unparsed = load_article(
            raw, site=self.site, url=response.url, now=dt.datetime.now(dt.UTC)
        )
        stats = self.crawler.stats
        for field in unparsed:
            stats.inc_value(f"newsportal/unparsed/{field}")
        for field, value in item.items():
            if value is None or (field == "keywords" and not value):
                stats.inc_value(f"newsportal/missing/{field}")
        if response.meta.get("via_related"):
            stats.inc_value("newsportal/articles/via_related")
        stats.inc_value(f"newsportal/articles/section/{item.get('section') or '(none)'}")
        yield item
        for url in raw.related:
            request = self._request(url, via_related=True)
            if request is not None:
                yield request
        # Article links outside 推荐阅读 (a markup where the heading was not recognised still
        # reaches the articles it links to); lists and menus are not followed from articles.
        if self._article_re:
            for link in self._links.extract_links(response):
                if self._article_re.match(link.url):
                    request = self._request(link.url, via_related=False)
                    if request is not None:
                        yield request

    # --- helpers ------------------------------------------------------------------------------

    def _deferred(self, response: Response, outputs: list[Any]) -> scrapy.Request:
        """Hand an article's outputs on only when the crawl has nothing else left to do.

        Off the portal's URL scheme an article is most often a second address of one on it
        (/html/2024/0623/1.html beside /jiaju/2024-06-23/1.html); held back, it reaches the
        dedupe after the address on the scheme, which is then the one kept. Asked only once
        the scheme has proved itself. The carrier is a ``data:`` request: no second download,
        its own download slot (no politeness delay to wait), and keyed to the article's URL so
        incremental runs record the right page.
        """
        url = canonicalize_url(response.url)
        return scrapy.Request(
            "data:,",
            callback=self._release,
            cb_kwargs={"outputs": outputs},
            priority=-100,
            dont_filter=True,
            meta={
                "allow_offsite": True,
                "download_slot": f"deferred {url}",
                "deltafetch_enabled": False,
                "deltafetch_key": url,
                "charset_detect": False,
            },
        )

    def _release(self, response: Response, outputs: list[Any]) -> Iterator[Any]:
        yield from outputs

    def _request(self, url: str, *, via_related: bool) -> scrapy.Request | None:
        url = canonicalize_url(url)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return None
        if parts.query and self._is_query_trap(parts):
            self.crawler.stats.inc_value("newsportal/trap/query_variants_skipped")
            return None
        return scrapy.Request(
            url, callback=self.parse, errback=self.on_error, meta={"via_related": via_related}
        )

    def _is_query_trap(self, parts: SplitResult) -> bool:
        """Whether this URL is one more step of an endless walk over one query parameter.

        A calendar (?date=...) or a counter varies one parameter with the rest fixed. For each
        parameter we count the distinct values met with the others fixed; a URL is refused
        only when every one of its parameters is past the limit, so real pagination
        (?catid=5&page=3 in each of many sections) is never cut by another section's pages.
        """
        limit = self.settings.getint("NEWSPORTAL_MAX_QUERY_VARIANTS", 50)
        if not limit:
            return False
        params = parse_qsl(parts.query, keep_blank_values=True)
        over = True
        for index, (name, value) in enumerate(params):
            others = tuple(params[:index] + params[index + 1 :])
            # Distinct values, not occurrences: the menu links every page to the same
            # list.php?catid=N, and a link seen again is no step further into a trap.
            seen = self._query_variants[(parts.netloc, parts.path, name, others)]
            if value not in seen and len(seen) < limit:
                seen.add(value)
            over = over and value not in seen
        return over

    def _looks_like_list(self, links: list[Any]) -> bool:
        """A list links to articles: on the portal's URL scheme, or at least to several
        addresses carrying an id or a date (menus and footer pages link to folders)."""
        if self._article_re and any(self._article_re.match(link.url) for link in links):
            return True
        return sum(bool(ID_IN_PATH.search(urlsplit(link.url).path)) for link in links) >= 3

    def _count_page(self, kind: str) -> None:
        self.crawler.stats.inc_value(f"newsportal/pages/{kind}")

    def on_error(self, failure: Failure) -> None:
        """A failed page is counted and logged once; it never stops the crawl."""
        request = failure.request  # type: ignore[attr-defined]
        response = getattr(failure.value, "response", None)
        if response is not None:
            kind = f"http_{response.status}"
        elif failure.check(DownloadCancelledError) or (
            failure.check(IgnoreRequest) and "DOWNLOAD_MAXSIZE" in str(failure.value)
        ):
            kind = "too_large"  # over DOWNLOAD_MAXSIZE, on the wire or once decompressed
        elif failure.check(zlib.error, gzip.BadGzipFile, EOFError):
            kind = "bad_encoding"  # a corrupt gzip/deflate body
        else:
            kind = failure.type.__name__ if failure.type else "error"
            kind = "timeout" if "Timeout" in kind else kind
        self._log_error(kind, request.url)

    def _log_error(self, kind: str, url: str) -> None:
        self.crawler.stats.inc_value(f"newsportal/errors/{kind}")
        if url not in self._errors_logged:
            self._errors_logged.add(url)
            logger.warning("Page failed (%s): %s", kind, url)
