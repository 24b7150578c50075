"""A duplicate filter that says when a redirect went round in a circle, and the last guard
against hit counters.

Scrapy ends a redirect loop silently: the redirect back to a URL already requested is simply
filtered as a duplicate. A loop is a broken page, so it is counted with the other page errors
(``newsportal/errors/redirect_loop``, once per loop) and logged once. Two pages that both
appear as links and redirect to each other (A -> B, B -> A) are two requests, each filtered
at its first hop; the redirects seen so far are kept as edges, so that loop is found too.

Every request the scheduler takes passes here, redirects and meta refreshes included, so a
hit counter (:func:`newsportal.cms.counters.is_hit_counter`) that slipped past the spider is
refused here and counted (``newsportal/counters/skipped``).
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.dupefilters import RFPDupeFilter

from newsportal.cms.counters import is_hit_counter
from newsportal.processors import canonicalize_url

logger = logging.getLogger(__name__)


class RedirectLoopDupeFilter(RFPDupeFilter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.crawler: Crawler | None = None
        self._redirects: dict[str, str] = {}  # canonical URL -> where it redirected
        self._loops: set[frozenset[str]] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectLoopDupeFilter:
        dupefilter = super().from_crawler(crawler)
        dupefilter.crawler = crawler
        return dupefilter

    def _inc(self, key: str) -> None:
        if self.crawler is not None and self.crawler.stats is not None:
            self.crawler.stats.inc_value(key)

    def request_seen(self, request: Request) -> bool:
        return self.refused(request) or self.fingerprint_seen(request)

    def refused(self, request: Request) -> bool:
        """A hit counter, refused whatever its fingerprint; a redirect is recorded on the way
        (the loop it may close is counted)."""
        if is_hit_counter(request.url):
            self._inc("newsportal/counters/skipped")
            logger.debug("Not requesting a hit counter: %s", request.url)
            return True
        chain = request.meta.get("redirect_urls") or ()
        if chain:
            target = canonicalize_url(request.url)
            self._redirects[canonicalize_url(chain[-1])] = target
            self._check_loop(target)
        return False

    def fingerprint_seen(self, request: Request) -> bool:
        """Whether the request's fingerprint was seen (and record it): Scrapy's set in memory;
        the shared frontier's filter keeps it in Redis."""
        return super().request_seen(request)

    def _check_loop(self, start: str) -> None:
        """Follow the redirects met so far from ``start``; a walk that comes back is a loop."""
        path = [start]
        current = start
        while current in self._redirects and len(path) <= 20:
            current = self._redirects[current]
            if current in path:
                loop = frozenset(path[path.index(current) :])
                if loop not in self._loops:
                    self._loops.add(loop)
                    self._inc("newsportal/errors/redirect_loop")
                    logger.warning("Page failed (redirect_loop): %s", " -> ".join([*path, current]))
                return
            path.append(current)

    def log(self, request: Request, spider: Spider) -> None:
        if is_hit_counter(request.url):
            return
        super().log(request, spider)
