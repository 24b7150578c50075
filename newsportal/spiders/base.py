"""The crawl flow every portal shares: home -> section menu -> list pages -> articles (+ 推荐阅读).

A portal states only what is specific to it (name, domains, start URLs, optionally an article
URL pattern: a catalogue entry, :mod:`.catalogue`); any other portal is crawled by ``portal``
(:mod:`.portal`), which learns the article URL scheme as it goes. What a page *is* and what it
contains is decided by :mod:`newsportal.extraction` from what a reader sees, and what the CMS
families' URLs mean (pagers, multi-page articles, second addresses, hit counters) by
:mod:`newsportal.cms`, so an unknown or redesigned markup still crawls.
"""

from __future__ import annotations

import datetime as dt
import gzip
import ipaddress
import logging
import re
import zlib
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, ClassVar, NamedTuple, get_args
from urllib.parse import SplitResult, parse_qsl, urlsplit

import scrapy
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.dupefilters import RFPDupeFilter
from scrapy.exceptions import (
    DontCloseSpider,
    DownloadCancelledError,
    IgnoreRequest,
    NotConfigured,
)
from scrapy.http import Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.httpobj import urlparse_cached
from scrapy_spider_metadata import Args
from twisted.python.failure import Failure
from w3lib.url import safe_url_string

from newsportal.cms.addresses import (
    address_rank,
    article_key,
    is_cms_second_address,
    pseudo_static_catid,
)
from newsportal.cms.counters import is_hit_counter
from newsportal.cms.multipage import continuation_of, later_pages
from newsportal.cms.pagers import script_pager_urls
from newsportal.cms.schemes import SchemeLearner
from newsportal.extraction import extract_article
from newsportal.loaders import load_article
from newsportal.processors import canonicalize_url, request_url
from newsportal.signals import article_alias
from newsportal.spiders.links import PageLinks

logger = logging.getLogger(__name__)

ID_IN_PATH = re.compile(r"\d{4,}")
# Page 2..n of an article is fetched before the next article: its item waits in memory.
MULTIPAGE_PRIORITY = 10
# URLs remembered as handed to the duplicate filter (see PortalSpider._scheduled); past this
# many the memory starts afresh: a link not remembered is only filtered later, as before.
SCHEDULED_URLS_MAX = 100_000


# --- arguments ------------------------------------------------------------------------------


class SpiderArgumentError(ValueError):
    """A spider argument that cannot work; its message is the one line the operator sees."""


def split_list(value: Any) -> list[str]:
    """``a,b c`` (scrapyd and ``-a`` pass strings) or a list -> a list of non-empty strings."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part for part in re.split(r"[\s,]+", value.strip()) if part]
    return [str(part).strip() for part in value if str(part).strip()]


def http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an http(s) URL")
    return value


class PortalParams(BaseModel):
    """Arguments of every portal spider (``-a NAME=VALUE``, scrapyd ``-d NAME=VALUE``)."""

    model_config = ConfigDict(extra="forbid")

    start_urls: list[str] = Field(
        default_factory=list,
        description="Narrow the run to these sections (comma-separated URLs on the portal): "
        "their lists and pagination, their articles and those articles' 推荐阅读.",
    )

    @field_validator("start_urls", mode="before")
    @classmethod
    def _split_urls(cls, value: Any) -> list[str]:
        return [http_url(url) for url in split_list(value)]


def argument_error(spider: str, exc: ValidationError) -> SpiderArgumentError:
    """pydantic's multi-line report -> one line naming each bad argument."""
    problems = []
    for error in exc.errors():
        name = ".".join(str(part) for part in error["loc"] if not isinstance(part, int))
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown argument"
        problems.append(f"-a {name or '?'}: {message}")
    return SpiderArgumentError(f"{spider}: bad argument " + "; ".join(problems))


# --- narrowing to sections ------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """A start URL given to narrow a run: its host, folder and query parameters."""

    host: str
    folder: str
    params: frozenset[tuple[str, str]] = field(default_factory=frozenset)

    @classmethod
    def of(cls, url: str) -> Section:
        parts = urlsplit(url)
        folder = parts.path if parts.path.endswith("/") else parts.path.rsplit("/", 1)[0] + "/"
        if parts.query:  # list.php?catid=5: the section is the script with these parameters
            folder = parts.path
        return cls(
            (parts.hostname or "").lower(),
            folder or "/",
            frozenset(parse_qsl(parts.query, keep_blank_values=True)),
        )

    def holds(self, url: str) -> bool:
        parts = urlsplit(url)
        if (parts.hostname or "").lower() != self.host or not parts.path.startswith(self.folder):
            return False
        return self.params <= set(parse_qsl(parts.query, keep_blank_values=True))


@dataclass
class MultiPage:
    """An article whose pages 2..n are being fetched; its item leaves after the last one."""

    item: Any
    url: str
    pending: dict[int, str]
    done: set[int] = field(default_factory=set)
    pages: int = 1
    released: bool = False  # held at idle once already: hand the item on when complete


class PortalSpider(Args[PortalParams], scrapy.Spider):
    """Base spider for a news portal; subclasses (or catalogue entries) set the attributes below.

    Required: ``name``, ``site``, ``allowed_domains``, ``start_urls``.
    Optional: ``article_url_pattern`` (a fast path: such URLs are parsed as articles without
    asking the page; without it the scheme is learnt from the pages, :mod:`newsportal.cms.
    schemes`), ``deny_url_patterns`` (known traps or useless areas of the portal).
    """

    site: ClassVar[str] = ""
    article_url_pattern: ClassVar[str | None] = None
    deny_url_patterns: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> PortalSpider:
        """A bad argument is one clear line and exit status 2, not a traceback."""
        try:
            spider = super().from_crawler(crawler, *args, **kwargs)
        except SpiderArgumentError as exc:
            logger.error("%s", exc)
            raise SystemExit(2) from None
        crawler.signals.connect(spider._release_held, signal=signals.spider_idle)
        crawler.signals.connect(spider._check_dupefilter, signal=signals.spider_opened)
        crawler.signals.connect(spider._scheduled, signal=signals.request_scheduled)
        return spider

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Private arguments (scrapyd's _job) are not the spider's to validate.
        public = {k: v for k, v in kwargs.items() if not k.startswith("_")}
        try:
            self.args = self.param_model()(**public)
        except ValidationError as exc:
            raise argument_error(self.name, exc) from None
        scrapy.Spider.__init__(self, *args, **{k: v for k, v in kwargs.items() if k not in public})
        self.configure(self.args)
        for attribute in ("site", "allowed_domains", "start_urls"):
            if not getattr(self, attribute, None):
                raise NotConfigured(f"{type(self).__name__} must set {attribute!r}")
        narrowed = bool(self.args.start_urls)
        self.start_urls = self._checked_start_urls(self.args.start_urls or self.start_urls)
        self._sections = [Section.of(url) for url in self.start_urls] if narrowed else []
        self._article_re = (
            re.compile(self.article_url_pattern) if self.article_url_pattern else None
        )
        self._learner = None if self._article_re else SchemeLearner()
        self._links = PageLinks(self.allowed_domains, self.deny_url_patterns)
        self._query_variants: defaultdict[tuple[Any, ...], set[str]] = defaultdict(set)
        self._errors_logged: set[str] = set()
        self._scheme_articles = 0
        self._static_articles = 0
        self._continuations: set[str] = set()
        self._held: list[tuple[str, Any]] = []
        # (host, article id) -> the URL an article was kept under; its other addresses met
        # before that; the ids whose second addresses are read because no twin turned up.
        self._kept_keys: dict[tuple[str, str], str] = {}
        self._second_links: dict[tuple[str, str], list[str]] = {}  # canonical forms
        self._link_forms: dict[str, str] = {}  # canonical -> as linked (robots.txt sees that)
        self._released_keys: dict[tuple[str, str], str] = {}  # id -> the address read
        self._aliased: set[str] = set()
        self._static_requests: dict[tuple[str, str], list[str]] = {}
        # URLs of requests that reached the duplicate filter: a link to one again is not
        # turned into a request that the filter would only drop (see _scheduled).
        self._scheduled_urls: set[str] = set()
        self._remember_scheduled = False

    @classmethod
    def param_model(cls) -> type[PortalParams]:
        """The ``Args[Model]`` the class declares (scrapy-spider-metadata publishes its schema)."""
        for klass in cls.__mro__:
            for base in getattr(klass, "__orig_bases__", ()):
                if getattr(base, "__origin__", None) is Args:
                    return get_args(base)[0]
        return PortalParams

    def configure(self, args: PortalParams) -> None:
        """Hook: turn validated arguments into the portal's attributes (see ``portal``)."""

    def _checked_start_urls(self, value: str | list[str]) -> list[str]:
        """``-a start_urls=URL[,URL...]`` narrows a run to some sections; a URL outside
        ``allowed_domains`` would be filtered silently, so refuse it."""
        urls = split_list(value)
        for url in urls:
            if not self._allowed_host(urlsplit(url).hostname or ""):
                raise SpiderArgumentError(
                    f"{self.name}: bad argument -a start_urls: {url!r} is outside the "
                    f"portal's domains {list(self.allowed_domains)}"
                )
        return urls

    def _allowed_host(self, host: str) -> bool:
        host = host.lower()
        return any(host == d or host.endswith("." + d) for d in self.allowed_domains)

    # --- flow ---------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.start_urls:
            request = self._request(url, via_related=False)
            if request is not None:
                yield request

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        """Every page comes here; what it is decides what is taken from it."""
        if not isinstance(response, TextResponse):
            self._count_page("other")
            return
        raw = extract_article(response.text, response.url)
        url_says_article = bool(self._article_re and self._article_re.match(response.url))
        if self._learner is not None and self._learner.observe(response.url, raw.is_article):
            logger.info("Article URL scheme learnt: %s", sorted(self._learner.schemes))
        if url_says_article or raw.is_article:
            if not raw.title and not raw.paragraphs:
                # "系统繁忙" and soft-404 pages at article URLs: an error page, not an article.
                self._log_error("empty_article", response.url)
                return
            yield from self.parse_article(response, raw)
            return
        links = self._links(response)
        self._count_page("list" if self._looks_like_list(links) else "other")
        if self._sections and not self._in_sections(response.url):
            return  # a page outside the sections the run was narrowed to: not walked further
        urls = links + script_pager_urls(response.text, response.url)
        catid = pseudo_static_catid(response.url)
        for url in urls:
            if self._sections and not self._in_sections(url) and not self._may_be_article(url):
                continue
            request = self._request(url, via_related=False, catid=catid)
            if request is not None:
                yield request

    def parse_article(self, response: TextResponse, raw: Any) -> Iterator[Any]:
        self._count_page("article")
        on_scheme = self._on_scheme(response.url)
        if on_scheme:
            self._scheme_articles += 1
            if address_rank(response.url) == 0:
                self._static_articles += 1
        item, unparsed = load_article(
            raw, site=self.site, url=response.url, now=dt.datetime.now(dt.UTC)
        )
        stats = self.crawler.stats
        for name in unparsed:
            stats.inc_value(f"newsportal/unparsed/{name}")
        item["related"] = self._kept_related(item.get("related") or [])
        links = self._links(response)
        pages = later_pages(response.url, links)
        for _, url in pages:
            self._continuations.add(canonicalize_url(url))
        if response.meta.get("via_related"):
            stats.inc_value("newsportal/articles/via_related")
        # 推荐阅读 of an article the narrowed run reached only as someone's 推荐阅读: not walked.
        walk = not (self._sections and response.meta.get("outside_sections"))
        if pages:
            yield self._next_page(MultiPage(item, response.url, dict(pages)))
        else:
            yield from self._finish(item, response.url)
        if not walk:
            return
        in_sections = not self._sections or self._in_sections(response.url)
        for url in item["related"]:
            request = self._request(url, via_related=True)
            if request is not None:
                if self._sections and not (in_sections and self._in_sections(url)):
                    request.meta["outside_sections"] = True
                yield request
        # Article links outside 推荐阅读 (a markup where the heading was not recognised still
        # reaches the articles it links to); lists and menus are not followed from articles.
        for url in links:
            if self._on_scheme(url) and (not self._sections or self._in_sections(url)):
                request = self._request(url, via_related=False)
                if request is not None:
                    yield request

    # --- multi-page articles ------------------------------------------------------------------

    def _next_page(self, state: MultiPage) -> scrapy.Request:
        number = min(state.pending)
        url = state.pending.pop(number)
        state.done.add(number)
        return scrapy.Request(
            request_url(url),
            callback=self._parse_page,
            errback=self._page_failed,
            cb_kwargs={"state": state},
            priority=MULTIPAGE_PRIORITY,
            dont_filter=True,
            meta={"deltafetch_enabled": False, "multipage": True},
        )

    def _parse_page(self, response: Response, state: MultiPage) -> Iterator[Any]:
        """Page k of an article: its text joins the item, its pager may name more pages."""
        if isinstance(response, TextResponse):
            raw = extract_article(response.text, response.url)
            page, _ = load_article(raw, site=self.site, url=response.url)
            if page.get("body"):
                item = state.item
                item["body"] = "\n".join(filter(None, [item.get("body"), page["body"]]))
                known = {image["url"] for image in item.get("images") or []}
                item["images"] = (item.get("images") or []) + [
                    image for image in page.get("images") or [] if image["url"] not in known
                ]
                state.pages += 1
            links = self._links(response)
            for number, url in later_pages(response.url, links):
                if number not in state.done and number not in state.pending:
                    state.pending[number] = url
                    self._continuations.add(canonicalize_url(url))
        if state.pending:
            yield self._next_page(state)
            return
        self.crawler.stats.inc_value("newsportal/multipage/articles")
        self.crawler.stats.inc_value("newsportal/multipage/pages", state.pages)
        yield from self._finish(state.item, state.url, released=state.released)

    def _page_failed(self, failure: Failure) -> Iterator[Any]:
        """A later page that failed costs that page's text, never the article."""
        self.on_error(failure)
        state: MultiPage = failure.request.cb_kwargs["state"]  # type: ignore[attr-defined]
        self.crawler.stats.inc_value("newsportal/multipage/incomplete")
        if state.pending:
            yield self._next_page(state)
        else:
            yield from self._finish(state.item, state.url, released=state.released)

    # --- second addresses of one article ------------------------------------------------------

    def _finish(self, item: Any, url: str, *, released: bool = False) -> Iterator[Any]:
        """Count the article and hand it on, or hold it back when it is likely a second
        address of an article on the portal's scheme (released when the crawl is idle)."""
        stats = self.crawler.stats
        for name, value in item.items():
            if value is None or (name == "keywords" and not value):
                stats.inc_value(f"newsportal/missing/{name}")
        stats.inc_value(f"newsportal/articles/section/{item.get('section') or '(none)'}")
        if not released and self._hold_back(url):
            if self._on_shared_frontier():
                # Into Redis at once, at the hold priority (leased once no worker can add
                # more): a worker killed later loses nothing, and none keeps it in memory.
                yield self._carrier([(canonicalize_url(url), item)])
                return
            self._held.append((canonicalize_url(url), item))
            return
        key = _host_key(item["url"])
        if key is not None and (address_rank(item["url"]) == 0 or key in self._released_keys):
            self._kept_keys.setdefault(key, item["url"])
            # The article's other addresses met so far: its aliases, never downloaded.
            others = [u for u in self._second_links.pop(key, []) if u != item["url"]]
            if others:
                item["aliases"] = list(dict.fromkeys([*(item.get("aliases") or []), *others]))
                self.crawler.stats.inc_value("newsportal/articles/second_address", len(others))
        yield item

    def _hold_back(self, url: str) -> bool:
        """Whether this article is likely a second address of one the crawl will meet at its
        static address, which must then be the one the dedupe keeps.

        A dynamic or pseudo-static address (``index.php?m=content&...&id=``,
        ``show-6-1234-1.html``, ``plus/view.php?aid=``, ``/?p=``) on a portal whose articles
        have static addresses; an address off the article scheme once the scheme proved
        itself; a dynamic address before any scheme is known.
        """
        rank = address_rank(url)
        if rank and _host_key(url) in self._released_keys:
            return False  # a second address read because no static twin turned up
        if rank and self._static_articles:
            return True
        if self._on_scheme(url):
            return False
        if self._learner is None:
            return bool(self._scheme_articles)
        return bool(self._learner.schemes) or rank > 0

    def _on_shared_frontier(self) -> bool:
        return hasattr(getattr(self.crawler.engine, "scheduler", None), "keep_for_idle")

    def _keep_for_idle(self) -> None:
        """Tell a shared frontier that this worker keeps work for its next idle moment."""
        keep = getattr(getattr(self.crawler.engine, "scheduler", None), "keep_for_idle", None)
        if keep is not None:
            keep()

    def _release_held(self) -> None:
        """At idle (nothing queued, nothing downloading), let the held articles go.

        An article whose id was kept at its static address is an alias of it. The others ride
        on one ``data:`` request: no second download, no politeness delay; each item still
        marks its own URL for incremental runs (DeltaFetch keys items by URL). A held article
        whose later pages were not fetched yet (a dynamic address, likely a twin) has them
        fetched now.

        Everything released goes at the hold priority (``NEWSPORTAL_FRONTIER_HOLD_PRIORITY``):
        alone, this worker is idle and it makes no difference; on a shared frontier this worker
        is idle while others still work, and the frontier leases such requests only once no
        worker can add anything more, so they still come after everything else.
        """
        try:
            self._queue_held()
        finally:
            scheduler = getattr(self.crawler.engine, "scheduler", None)
            released = getattr(scheduler, "kept_released", None)
            if released is not None:
                released()

    def _queue_held(self) -> None:
        priority = self.crawler.settings.getint("NEWSPORTAL_FRONTIER_HOLD_PRIORITY", -100)
        requests = self._release_second_links()
        for request in requests:
            self.crawler.engine.crawl(request.replace(priority=priority))
        if not self._held:
            if requests:
                raise DontCloseSpider
            return
        held, self._held = self._held, []
        items, chains = [], []
        # Pseudo-static before dynamic: of two second addresses, the more static one is kept.
        for url, entry in sorted(held, key=lambda pair: address_rank(pair[0])):
            kept = self._kept_keys.get(_host_key(url)) if address_rank(url) else None  # type: ignore[arg-type]
            if kept is not None:
                # The same id was kept at its static address: whatever this page showed (a
                # dynamic page's pager may point nowhere), it is an alias.
                self._second_address(kept, canonicalize_url(url))
            elif isinstance(entry, MultiPage):
                entry.released = True
                chains.append(self._next_page(entry))
            else:
                items.append((url, entry))
        for request in chains:
            self.crawler.engine.crawl(request.replace(priority=priority))
        if items:
            self.crawler.engine.crawl(self._carrier(items))
        if items or chains:
            raise DontCloseSpider

    def _carrier(self, items: list[tuple[str, Any]]) -> scrapy.Request:
        """The ``data:`` request that hands held articles ((URL, item) pairs) on, after
        everything else: no download, no politeness delay, at the hold priority."""
        return scrapy.Request(
            "data:,",
            callback=self._release,
            cb_kwargs={"outputs": [item for _, item in items]},
            dont_filter=True,
            priority=self.crawler.settings.getint("NEWSPORTAL_FRONTIER_HOLD_PRIORITY", -100),
            meta={
                "allow_offsite": True,
                "download_slot": "held articles",
                "deltafetch_enabled": False,
                "deltafetch_key": items[0][0],
                "charset_detect": False,
            },
        )

    def _release_second_links(self) -> list[scrapy.Request]:
        """The CMS second addresses whose static twin never turned up: the article lives
        there (a pseudo-static section, a dynamic-only portal), so read it now, the most
        static address of each id first; the others become its aliases."""
        requests = []
        for key, urls in list(self._second_links.items()):
            if key in self._released_keys:
                continue
            twin = next((u for u in self._static_requests.get(key, ()) if self._on_scheme(u)), "")
            if twin:
                # Its static twin was requested but yielded no item here: already stored by
                # an earlier run (incremental skip). An alias of it, not a second article.
                for url in self._second_links.pop(key):
                    self._second_address(canonicalize_url(twin), url)
                continue
            url = min(urls, key=address_rank)
            self._released_keys[key] = url
            request = self._request(self._link_forms.get(url, url), via_related=False)
            if request is not None:
                requests.append(request)
        return requests

    def _second_address(self, kept: str, alias: str) -> None:
        """An article's other address: recorded as an alias of the kept one, not stored."""
        if alias in self._aliased:
            return
        self._aliased.add(alias)
        self.crawler.stats.inc_value("newsportal/articles/second_address")
        self.crawler.signals.send_catch_log(article_alias, url=kept, alias=canonicalize_url(alias))
        logger.debug("Second address of %s: %s", kept, alias)

    def _release(self, response: Response, outputs: list[Any]) -> Iterator[Any]:
        yield from outputs

    # --- helpers ------------------------------------------------------------------------------

    def _on_scheme(self, url: str) -> bool:
        if self._article_re is not None:
            return bool(self._article_re.match(url))
        return self._learner is not None and self._learner.matches(url)

    def _may_be_article(self, url: str) -> bool:
        """Outside the narrowed sections a link is worth a request only as an article: on the
        scheme, or, before the scheme is known, any page (which is then not walked)."""
        if self._article_re is not None:
            return bool(self._article_re.match(url))
        if self._learner is not None and self._learner.schemes:
            return self._learner.matches(url)
        return True

    def _in_sections(self, url: str) -> bool:
        return any(section.holds(url) for section in self._sections)

    def _kept_related(self, urls: list[str]) -> list[str]:
        """推荐阅读 links a reader could follow on this portal: http(s) on its domains, never
        an IP literal (private addresses), ``file:`` or ``data:``; the rest is counted."""
        kept = []
        for url in urls:
            parts = urlsplit(url)
            host = parts.hostname or ""
            if parts.scheme in ("http", "https") and self._allowed_host(host) and not _is_ip(host):
                kept.append(url)
            else:
                self.crawler.stats.inc_value("newsportal/related/dropped")
        return kept

    def _request(
        self, url: str, *, via_related: bool, catid: str | None = None
    ) -> scrapy.Request | None:
        """The request for a link, or None; ``catid``: the PHPCMS pseudo-static list the link
        is on, whose own articles (``show-{catid}-...``) are not second addresses."""
        facts = _url_facts(url)
        if facts is None:
            return None  # mailto:, javascript:, file:, data: ...
        if facts.second and catid is not None and pseudo_static_catid(facts.url) == catid:
            self._released_keys.setdefault(facts.host_key, facts.canonical)  # type: ignore[arg-type]
        if facts.counter:
            self.crawler.stats.inc_value("newsportal/counters/skipped")
            return None
        if facts.canonical in self._continuations:
            return None  # page k of a multi-page article in a ?page=k form: read with page 1
        if facts.second:
            # PHPCMS index.php?m=content&a=show&id=, show-6-1234-1.html, DedeCMS view.php?aid=
            # ...: nearly always the twin of a static address, so not read now (see _finish,
            # _release_second_links); once the id is kept, only recorded as an alias.
            kept = self._kept_keys.get(facts.host_key)  # type: ignore[arg-type]
            if kept is not None:
                if facts.canonical != kept:
                    self._second_address(kept, facts.canonical)
                return None
            if self._released_keys.get(facts.host_key) != facts.canonical:  # type: ignore[arg-type]
                # Not the address chosen to read this id: an alias once the article is kept.
                links = self._second_links.setdefault(facts.host_key, [])  # type: ignore[arg-type]
                if facts.canonical not in links:
                    links.append(facts.canonical)
                    self._link_forms[facts.canonical] = facts.url
                    self._keep_for_idle()
                return None
        parts = facts.parts
        if parts.query and self._is_query_trap(parts):
            self.crawler.stats.inc_value("newsportal/trap/query_variants_skipped")
            return None
        if facts.static_id:
            requested = self._static_requests.setdefault(facts.host_key, [])  # type: ignore[arg-type]
            if facts.url not in requested and len(requested) < 4:
                requested.append(facts.url)
        if facts.as_requested in self._scheduled_urls:
            return None  # requested already: the duplicate filter would drop it
        # Static addresses first: of two addresses of one article, the static one should be
        # the first met (a dynamic one read first is held back, see _hold_back).
        return scrapy.Request(
            facts.url,
            callback=self.parse,
            errback=self.on_error,
            meta={"via_related": via_related},
            priority=facts.priority,
        )

    def _check_dupefilter(self, spider: scrapy.Spider) -> None:
        """Links are remembered only when the scheduler filters requests by fingerprint (Scrapy's
        scheduler and the shared frontier do; a DUPEFILTER_CLASS that lets repeats through
        keeps every repeated link a request)."""
        scheduler = getattr(self.crawler.engine, "scheduler", None)
        self._remember_scheduled = isinstance(getattr(scheduler, "df", None), RFPDupeFilter)

    def _scheduled(self, request: Request, spider: scrapy.Spider) -> None:
        """Remember a request the engine hands to the scheduler, whose duplicate filter then
        records its fingerprint: any later request for the same URL is dropped there.

        A page links the portal's menus and neighbours again and again (~15 repeats per page
        fetched); each repeat made a Request, passed every spider middleware, was fingerprinted
        and, on a shared frontier, cost a Redis round trip, only to be filtered. Remembering the
        URLs here, at the moment they reach the scheduler, keeps every rule as it was: a request
        a middleware dropped (depth limit, already stored) never gets here, so its URL is still
        requested when met again; requests that skip the filter (``dont_filter``) or whose
        fingerprint is not the URL's alone (a body, another method) are not remembered, nor is
        an off-site URL (the offsite middleware ignores it on this same signal, before the
        filter), and a URL is remembered exactly as requested (``facts.as_requested``).
        """
        if not self._remember_scheduled or request.dont_filter:
            return
        if request.method != "GET" or request.body:
            return
        if not self._allowed_host(urlparse_cached(request).hostname or ""):
            return
        if len(self._scheduled_urls) >= SCHEDULED_URLS_MAX:
            self._scheduled_urls.clear()
        self._scheduled_urls.add(request.url)

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
        params = sorted(parse_qsl(parts.query, keep_blank_values=True))
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

    def _looks_like_list(self, links: list[str]) -> bool:
        """A list links to articles: on the portal's URL scheme, or at least to several
        addresses carrying an id or a date (menus and footer pages link to folders)."""
        if any(self._on_scheme(url) for url in links):
            return True
        return sum(bool(ID_IN_PATH.search(urlsplit(url).path)) for url in links) >= 3

    def _count_page(self, kind: str) -> None:
        self.crawler.stats.inc_value(f"newsportal/pages/{kind}")

    def on_error(self, failure: Failure) -> None:
        """A failed page is counted and logged once; it never stops the crawl."""
        request = failure.request  # type: ignore[attr-defined]
        too_large = failure.check(IgnoreRequest) and "DOWNLOAD_MAXSIZE" in str(failure.value)
        if failure.check(IgnoreRequest) and not failure.check(HttpError) and not too_large:
            # Refused on purpose (robots.txt, off-site): a rule kept, not a page failed.
            why = "robots_txt" if "robots" in str(failure.value).lower() else "other"
            self.crawler.stats.inc_value(f"newsportal/ignored/{why}")
            logger.debug("Not requested (%s): %s", why, request.url)
            return
        failed = self._static_requests.get(_host_key(request.url))  # type: ignore[arg-type]
        if failed and request.url in failed:
            failed.remove(request.url)  # a static address that failed is no twin to alias
        response = getattr(failure.value, "response", None)
        if response is not None:
            kind = f"http_{response.status}"
        elif failure.check(DownloadCancelledError) or too_large:
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


class UrlFacts(NamedTuple):
    """What a link's URL alone says, computed once per distinct URL (menus repeat on every
    page of a portal, so most links are met hundreds of times)."""

    url: str  # as requested: the page's query order (robots.txt), no tracking, no fragment
    as_requested: str  # ``Request(url).url`` (percent-encoded as Scrapy does)
    parts: SplitResult
    canonical: str  # sorted, for dedupe and aliases
    counter: bool
    second: bool  # a CMS family's dynamic or pseudo-static second address
    host_key: tuple[str, str] | None
    static_id: bool  # a static address carrying an article id
    priority: int


@lru_cache(maxsize=65536)
def _url_facts(raw: str) -> UrlFacts | None:
    url = request_url(raw)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return None
    continuation = continuation_of(url)
    if continuation is not None:
        # Page k of a multi-page article is requested as its page 1, never on its own.
        url = request_url(continuation[0])
        parts = urlsplit(url)
    rank = address_rank(url)
    host_key = _host_key(url)
    return UrlFacts(
        url=url,
        as_requested=safe_url_string(url, "utf-8"),
        parts=parts,
        canonical=canonicalize_url(url),
        counter=is_hit_counter(url),
        second=is_cms_second_address(url),
        host_key=host_key,
        static_id=bool(
            host_key and rank == 0 and not parts.query and ID_IN_PATH.search(parts.path)
        ),
        priority=-1 if rank == 2 and host_key else 0,
    )


def _host_key(url: str) -> tuple[str, str] | None:
    """An article's id on its host: one CMS instance numbers its articles once."""
    key = article_key(url)
    return None if key is None else ((urlsplit(url).hostname or "").lower(), key)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True
