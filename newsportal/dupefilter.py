"""A duplicate filter that says when a redirect went round in a circle.

Scrapy ends a redirect loop silently: the redirect back to a URL already requested is simply
filtered as a duplicate. A loop is a broken page, so it is counted with the other page errors
(``newsportal/errors/redirect_loop``) and logged once.
"""

from __future__ import annotations

import logging

from scrapy import Request, Spider
from scrapy.dupefilters import RFPDupeFilter

from newsportal.processors import canonicalize_url

logger = logging.getLogger(__name__)


class RedirectLoopDupeFilter(RFPDupeFilter):
    def log(self, request: Request, spider: Spider) -> None:
        chain = request.meta.get("redirect_urls") or ()
        if canonicalize_url(request.url) in {canonicalize_url(url) for url in chain}:
            spider.crawler.stats.inc_value("newsportal/errors/redirect_loop")
            logger.warning("Page failed (redirect_loop): %s", " -> ".join([*chain, request.url]))
        super().log(request, spider)
