"""``scrapy crawl portal -a url=http://www.HOST/``: any regional portal, no code.

The allowed domains are the registrable domain of ``url`` and its subdomains
(``www.ylzf.gov.cn`` -> ``ylzf.gov.cn``, never the public suffix ``gov.cn``), plus
``-a domains=a.cn,b.com``; ``-a site=NAME`` names the portal in the items (default: the
domain's own label, ``ylzf``). No article pattern is needed: the scheme is learnt from the
pages (:mod:`newsportal.cms.schemes`); ``-a article_pattern=REGEX`` may state it instead.
Everything else -- flow, politeness, robots.txt, trap guards, ``-a start_urls`` -- is the
shared :class:`~newsportal.spiders.base.PortalSpider`, as for the named portals.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from scrapy_spider_metadata import Args

from newsportal.cms.addresses import registrable_domain, site_label
from newsportal.spiders.base import PortalParams, PortalSpider, http_url, split_list

_HOST = re.compile(r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9-]{1,63})+$")


class AnyPortalParams(PortalParams):
    url: str = Field(description="The portal's home page, e.g. http://www.ylzf.gov.cn/")
    site: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_.-]{1,64}$",
        description="Portal id stored in each item's `site` (default: from the host).",
    )
    domains: list[str] = Field(
        default_factory=list,
        description="More domains the portal spans (comma-separated), subdomains included.",
    )
    article_pattern: str | None = Field(
        default=None, description="Article URL regex; without it the scheme is learnt."
    )

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return http_url(value.strip())

    @field_validator("domains", mode="before")
    @classmethod
    def _domains(cls, value: Any) -> list[str]:
        domains = [d.lower().strip(".") for d in split_list(value)]
        for domain in domains:
            if not _HOST.match(domain):
                raise ValueError(f"{domain!r} is not a domain name")
        return domains

    @field_validator("article_pattern")
    @classmethod
    def _pattern(cls, value: str | None) -> str | None:
        if value:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a regular expression ({exc})") from None
        return value or None


class AnyPortalSpider(PortalSpider, Args[AnyPortalParams]):
    name = "portal"

    def configure(self, args: AnyPortalParams) -> None:  # type: ignore[override]
        host = urlsplit(args.url).hostname or ""
        domain = registrable_domain(host)
        self.allowed_domains = list(dict.fromkeys([domain, *args.domains]))
        self.site = args.site or site_label(host)
        self.start_urls = [args.url]
        if args.article_pattern:
            self.article_url_pattern = args.article_pattern
