"""Articles split over several pages: which linked addresses are page 2..n of this article.

Every family pages a long article the same way in spirit: page 1 at the article's address,
the others beside it, linked from a pager under the body (PHPCMS ``#pages``, DedeCMS
``ul.pagelist``, EmpireCMS ``p.pageLink``, WordPress ``.page-links``):

- static files: ``142435.html`` -> ``142435_2.html`` (PHPCMS, DedeCMS, EmpireCMS), TRS
  ``t20240605_142435.html`` -> ``t20240605_142435_1.html``;
- PHPCMS pseudo-static ``show-11-142435-1.html`` -> ``show-11-142435-2.html``;
- dynamic addresses: page 1's query plus ``page=2`` (``index.php?...&id=142435&page=2``);
- WordPress: ``/2024/06/05/slug/`` -> ``/2024/06/05/slug/2/``.

Pure functions of URLs: the pager is found by what its links point to, not by class names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from newsportal.cms.addresses import article_key

# {id}_{n}.html: the stem ends in an article id (4+ digits); list pages (index_2.html,
# list_12_2.html) are not article pages.
_STATIC_PAGE = re.compile(r"^(?P<stem>[\w-]*?\d{4,})_(?P<page>\d{1,3})(?P<ext>\.s?html?)$")
# ... and not a folder-like stem (index_2, list_12_2) nor a bare date (TRS t20240605_123.html
# is article 123 of that day, not page 123 of an article "t20240605").
_NOT_ARTICLE_STEM = re.compile(r"^(?:index|list|node|more|page)|^t?\d{8}$", re.IGNORECASE)
_PSEUDO_STATIC = re.compile(r"^(?P<stem>show-\d+-\d+)-(?P<page>\d{1,3})(?P<ext>\.html?)$")
PAGE_PARAMS = frozenset({"page", "p", "pn", "pg", "pageno", "pagenum", "pageindex", "curpage"})
_WP_PAGE = re.compile(r"^(?P<base>.+/)(?P<page>\d{1,3})/$")

# An article page is checked against each of its ~200 links, mostly the same menus on every
# page: the parse of one URL is kept, not redone for every page it is linked from.
_split = lru_cache(maxsize=65536)(urlsplit)
_article_key = lru_cache(maxsize=65536)(article_key)


@lru_cache(maxsize=65536)
def continuation_of(url: str) -> tuple[str, int] | None:
    """``(first page, page number)`` when the address itself says it is page 2..n of an
    article (the static and pseudo-static forms); None otherwise."""
    parts = _split(url)
    head, _, name = parts.path.rpartition("/")
    match = _STATIC_PAGE.match(name)
    if match and not _NOT_ARTICLE_STEM.match(match["stem"]):
        first = f"{head}/{match['stem']}{match['ext']}"
        return urlunsplit((parts.scheme, parts.netloc, first, parts.query, "")), int(match["page"])
    match = _PSEUDO_STATIC.match(name)
    if match and match["page"] != "1":
        first = f"{head}/{match['stem']}-1{match['ext']}"
        return urlunsplit((parts.scheme, parts.netloc, first, parts.query, "")), int(match["page"])
    return None


def _query_page(page_url: str, link: str) -> int | None:
    """N when ``link`` is page_url with one page parameter added or set to N (N >= 2)."""
    base, other = _split(page_url), _split(link)
    if (base.netloc, base.path) != (other.netloc, other.path) or not other.query:
        return None
    mine = dict(parse_qsl(base.query, keep_blank_values=True))
    theirs = dict(parse_qsl(other.query, keep_blank_values=True))
    extra = {k: v for k, v in theirs.items() if mine.get(k) != v}
    if len(extra) != 1 or any(k not in theirs for k in mine):
        return None
    ((name, value),) = extra.items()
    if name.lower() in PAGE_PARAMS and value.isdigit() and int(value) >= 2:
        return int(value)
    return None


def _page_number(page_url: str, link: str) -> int | None:
    """The page number of ``link`` when it is a later page of the article at ``page_url``."""
    continuation = continuation_of(link)
    if continuation is not None:
        first, number = continuation
        own = continuation_of(page_url)
        if first == (own[0] if own else page_url):
            return number
        # The dynamic address of an article links its static pages (index.php?...&id=7810
        # -> /news/2024/0606/7810_2.html): the same article id makes them its pages.
        key = _article_key(first)
        return number if key is not None and key == _article_key(page_url) else None
    number = _query_page(page_url, link)
    if number is not None:
        return number
    base, other = _split(page_url), _split(link)
    match = _WP_PAGE.match(other.path)
    if (
        match
        and not other.query
        and base.netloc == other.netloc
        and base.path.endswith("/")
        and match["base"] == base.path
        and int(match["page"]) >= 2
        and not base.path.rstrip("/").endswith("/page")
    ):
        return int(match["page"])
    return None


def later_pages(page_url: str, links: Iterable[str]) -> list[tuple[int, str]]:
    """Pages 2..n of the article at ``page_url`` among the links of one of its pages,
    ``(number, url)`` in page order, each once."""
    first = continuation_of(page_url)
    first_url = first[0] if first else page_url
    found: dict[int, str] = {}
    for link in links:
        number = _page_number(first_url, link)
        if number is None and first is not None:
            # On page k, links to the other pages still carry page 1's query or stem.
            number = _page_number(page_url, link)
        if number is not None and number not in found and link != page_url:
            found[number] = link
    return sorted(found.items())
