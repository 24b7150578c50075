"""Named portals as data: each table of ``catalogue.toml`` becomes a spider class here.

A named portal is a few lines of facts (domains, start URLs, optionally an article URL
pattern); the crawl is the shared :class:`~newsportal.spiders.base.PortalSpider`. The classes
are made at import, in this module, so Scrapy's SpiderLoader finds them like hand-written
ones: ``scrapy list`` lists them, ``scrapy crawl NAME`` runs them. A portal that needs code
subclasses PortalSpider in a module of its own instead.
"""

from __future__ import annotations

import tomllib
from importlib.resources import files
from typing import Any

from newsportal.spiders.base import PortalSpider

FIELDS = {"site", "domains", "start_urls", "article_pattern", "deny", "description"}


def load_catalogue(text: str | None = None) -> dict[str, dict[str, Any]]:
    """The catalogue's tables, checked: a typo in a key is an error at import, not a
    portal silently crawled without its pattern."""
    if text is None:
        text = files(__package__).joinpath("catalogue.toml").read_text(encoding="utf-8")
    catalogue = tomllib.loads(text)
    for name, entry in catalogue.items():
        unknown = set(entry) - FIELDS
        if unknown:
            raise ValueError(f"catalogue.toml [{name}]: unknown key(s) {sorted(unknown)}")
        for key in ("domains", "start_urls"):
            if not entry.get(key):
                raise ValueError(f"catalogue.toml [{name}]: {key!r} is required")
    return catalogue


def spider_class(name: str, entry: dict[str, Any]) -> type[PortalSpider]:
    """A PortalSpider subclass named after the portal (``jiulong`` -> ``JiulongSpider``)."""
    attributes = {
        "name": name,
        "site": entry.get("site", name),
        "allowed_domains": list(entry["domains"]),
        "start_urls": list(entry["start_urls"]),
        "article_url_pattern": entry.get("article_pattern"),
        "deny_url_patterns": tuple(entry.get("deny", ())),
        "__doc__": entry.get("description", f"The {name} portal (catalogue entry)."),
        "__module__": __name__,
    }
    class_name = "".join(part.capitalize() for part in name.replace("-", "_").split("_"))
    return type(f"{class_name}Spider", (PortalSpider,), attributes)


SPIDERS: dict[str, type[PortalSpider]] = {
    name: spider_class(name, entry) for name, entry in load_catalogue().items()
}
globals().update({cls.__name__: cls for cls in SPIDERS.values()})
