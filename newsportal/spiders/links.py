"""The links of a page a reader could follow, cheaply.

Scrapy's LinkExtractor walks every element in Python and filters each link through several
URL parses; over the six tags a portal's menus use that was most of the crawl's CPU. Here one
XPath (evaluated by libxml2) collects the attribute values, and the filters are string tests.
Same rules: ``<base href>`` respected, values resolved and percent-encoded in the page's own
charset (GBK portals), http(s) only, the portal's domains only, no files, no denied patterns.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Sequence
from urllib.parse import urljoin, urlsplit

from lxml import etree
from scrapy.http import TextResponse
from scrapy.utils.response import get_base_url
from w3lib.url import safe_url_string

# Links that never lead to an article or a list: feeds, files, scripts, mail.
DENY_EXTENSIONS = frozenset(
    "." + ext
    for ext in (
        "jpg", "jpeg", "png", "gif", "webp", "bmp", "svg", "ico", "pdf", "doc", "docx", "xls",
        "xlsx", "ppt", "pptx", "zip", "rar", "7z", "gz", "mp3", "mp4", "flv", "avi", "wmv",
        "swf", "exe", "apk", "css", "js", "xml", "rss",
    )
)  # fmt: skip
LINK_TAGS = ("a", "area", "button", "li", "div", "span")
# Script-driven menus carry their URL as data (<button data-href=...>); a reader clicks them
# like links, so they are links.
LINK_ATTRS = ("href", "data-href", "data-url", "data-link")
_XPATH = "//*[{}]/@*[{}]".format(
    " or ".join(f"self::{tag}" for tag in LINK_TAGS),
    " or ".join(f"name()='{attr}'" for attr in LINK_ATTRS),
)
# Evaluated on the response's parsed tree itself: ``response.xpath(...).getall()`` wraps each of
# a page's ~200 values in a Selector only to unwrap it again.
_LINK_VALUES = etree.XPath(_XPATH, smart_strings=False)


class PageLinks:
    """``PageLinks(domains, deny)(response)`` -> the page's followable URLs, in page order."""

    def __init__(self, domains: Iterable[str], deny: Sequence[str] = ()) -> None:
        self.domains = tuple(d.lower().lstrip(".") for d in domains)
        self.deny = re.compile("|".join(f"(?:{p})" for p in deny)) if deny else None
        self._cache: dict[tuple[str, str, str], str | None] = {}

    def allowed_host(self, host: str) -> bool:
        return any(host == d or host.endswith("." + d) for d in self.domains)

    def __call__(self, response: TextResponse) -> list[str]:
        base = get_base_url(response)
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(base))
        encoding = response.encoding
        cache = self._cache
        if len(cache) > 100_000:
            cache.clear()
        seen: set[str] = set()
        urls: list[str] = []
        for value in _link_values(response):
            value = value.strip()
            # Menus repeat on every page: an absolute or root-relative link is resolved once.
            if value.startswith(("http://", "https://")):
                key = ("", value, encoding)
            elif value.startswith("/") and not value.startswith("//"):
                key = (origin, value, encoding)
            else:
                key = (base, value, encoding)
            url = cache.get(key, "")
            if url == "":
                url = cache[key] = self._follow(base, value, encoding)
            if url is not None and url not in seen:
                seen.add(url)
                urls.append(url)
        return urls

    def _follow(self, base: str, value: str, encoding: str) -> str | None:
        """The absolute URL of one link value, or None when it is not to be followed."""
        if not value:
            return None
        url = safe_url_string(urljoin(base, value), encoding=encoding)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return None
        if not self.allowed_host((parts.hostname or "").lower()):
            return None
        if posixpath.splitext(parts.path)[1].lower() in DENY_EXTENSIONS:
            return None
        if self.deny is not None and self.deny.search(url):
            return None
        return url


def _link_values(response: TextResponse) -> list[str]:
    """The link attribute values of a page, in page order (``response.xpath(_XPATH).getall()``)."""
    selector = response.selector
    root = selector.root
    if selector.type in ("html", "xml") and hasattr(root, "xpath"):
        return _LINK_VALUES(root)
    return response.xpath(_XPATH).getall()  # not a tree (JSON, empty): parsel's own answer
