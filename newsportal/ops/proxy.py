"""A proxy for one job's page requests: ``NEWSPORTAL_HTTP_PROXY=http://[user:pass@]host:port``.

Scrapy's HttpProxyMiddleware only knows the process environment (``http_proxy``), so sending
one scrapyd job through a proxy used to mean restarting scrapyd with ``http_proxy`` set, and
then every HTTP call of every process there went through it, the scheduler's and the monitor
webhook's included. This middleware sets ``request.meta["proxy"]`` on the crawl's own requests
instead (unless a request already names one); HttpProxyMiddleware (750) then applies it and
turns its credentials into a ``Proxy-Authorization`` header. Nothing else is affected.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from newsportal.ops.redact import redact_url

logger = logging.getLogger(__name__)


class JobProxyMiddleware:
    def __init__(self, proxy: str) -> None:
        self.proxy = proxy

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> JobProxyMiddleware:
        proxy = (crawler.settings.get("NEWSPORTAL_HTTP_PROXY") or "").strip()
        if not proxy:
            raise NotConfigured
        if urlsplit(proxy).scheme not in ("http", "https") or not urlsplit(proxy).hostname:
            raise ValueError(
                f"NEWSPORTAL_HTTP_PROXY must be http(s)://host:port, got {redact_url(proxy)}"
            )
        logger.info("Page requests of this job go through the proxy %s", redact_url(proxy))
        return cls(proxy)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if request.url.startswith(("http://", "https://")):
            request.meta.setdefault("proxy", self.proxy)
