"""Turns the raw parts extraction found into a clean :class:`NewsArticle`.

All normalisation happens here, through the pure functions of :mod:`newsportal.processors`, so a
spider never cleans text itself and every portal gets the same rules. A value that cannot be
parsed becomes ``None`` and is reported back to the caller (the spider counts it in stats);
it never costs the item.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from itemloaders.processors import Identity, MapCompose, TakeFirst
from scrapy.loader import ItemLoader

from newsportal.items import NewsArticle
from newsportal.processors import (
    canonicalize_url,
    clean_editor,
    clean_source,
    clean_text,
    find_date_text,
    join_paragraphs,
    parse_date,
    split_keywords,
)

if TYPE_CHECKING:
    from newsportal.extraction import RawArticle

LIST_FIELDS = ("keywords", "images", "related", "aliases")


def _non_empty(value: str | None) -> str | None:
    value = clean_text(value)
    return value or None


def _date(value: str, loader_context: dict[str, Any]) -> dt.datetime | None:
    # date_hints: the page's own evidence of the year (meta date, the date in its URL) for a
    # date printed without one ("10-08 12:00").
    hints = loader_context.get("date_hints") or ()
    return parse_date(value, now=loader_context.get("now"), hints=hints)


def _date_raw(value: str, loader_context: dict[str, Any]) -> str | None:
    # The date as printed; the whole line when no date could be read, to show what was there.
    hints = loader_context.get("date_hints") or ()
    return find_date_text(value, now=loader_context.get("now"), hints=hints) or _non_empty(value)


def _image(image: dict[str, Any]) -> dict[str, Any] | None:
    url = clean_text(image.get("url"))
    if not url:
        return None
    return {"url": url, "caption": _non_empty(image.get("caption"))}


def _unique(values: Iterable[Any]) -> list[Any]:
    seen: list[Any] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen


class ArticleLoader(ItemLoader):
    default_item_class = NewsArticle
    default_input_processor = MapCompose(_non_empty)
    default_output_processor = TakeFirst()

    url_in = MapCompose(clean_text, canonicalize_url)
    published_at_in = MapCompose(clean_text, _date)
    source_in = MapCompose(clean_source)
    editor_in = MapCompose(clean_editor)
    keywords_in = MapCompose(split_keywords)
    keywords_out = _unique
    body_in = Identity()
    body_out = join_paragraphs
    images_in = MapCompose(_image)
    images_out = _unique
    related_in = MapCompose(clean_text, canonicalize_url)
    related_out = _unique
    aliases_in = MapCompose(clean_text, canonicalize_url)
    aliases_out = _unique
    crawled_at_in = Identity()
    published_at_raw_in = MapCompose(_date_raw)


def _site_of(host: str) -> str:
    return ".".join(host.split(".")[-2:])


def _trustworthy_canonical(canonical: str, fetched: str) -> bool:
    """A canonical link is believed only on the same site and not pointing at a home page:
    careless templates print the home page, or another site's URL, as every page's canonical.
    """
    target, origin = urlsplit(canonical), urlsplit(fetched)
    if target.scheme not in ("http", "https") or not target.hostname or not origin.hostname:
        return False
    return _site_of(target.hostname) == _site_of(origin.hostname) and target.path not in ("", "/")


def load_article(
    raw: RawArticle,
    *,
    site: str,
    url: str | None = None,
    now: dt.datetime | None = None,
) -> tuple[NewsArticle, list[str]]:
    """Build the item and list the fields that had text on the page but could not be parsed.

    ``url`` is the URL the page was fetched from; the page's own canonical link wins over it
    (the fetched URL is then kept as an alias).
    """
    now = now or dt.datetime.now(dt.UTC)
    loader = ArticleLoader(now=now, date_hints=tuple(raw.date_hints))
    fetched = canonicalize_url(url or raw.url)
    canonical = fetched
    if raw.canonical_url and _trustworthy_canonical(raw.canonical_url, fetched):
        canonical = canonicalize_url(raw.canonical_url)
    loader.add_value("url", canonical)
    if canonical != fetched:
        loader.add_value("aliases", fetched)
    loader.add_value("site", site)
    loader.add_value("section", raw.section)
    loader.add_value("title", raw.title)
    loader.add_value("published_at", raw.date_text)
    loader.add_value("published_at_raw", raw.date_text)
    source_text = raw.source_text
    if not source_text and raw.date_text and "来源" in raw.date_text:
        source_text = raw.date_text
    loader.add_value("source", source_text)
    loader.add_value("editor", raw.editor_text)
    loader.add_value("keywords", raw.keywords_text)
    # A photo story (the 图片 section) has no paragraphs: its captions are its text.
    captions = [image.get("caption") for image in raw.images or [] if image.get("caption")]
    loader.add_value("body", raw.paragraphs or captions)
    loader.add_value("images", raw.images or [])
    loader.add_value("related", raw.related or [])
    loader.add_value("crawled_at", now.astimezone(dt.UTC))
    item = loader.load_item()

    for field in NewsArticle.fields:
        if field not in item:
            item[field] = [] if field in LIST_FIELDS else None
    if item["body"] == "":
        item["body"] = None
    unparsed = []
    if raw.date_text and item["published_at"] is None:
        unparsed.append("published_at")
    if source_text and item["source"] is None:
        unparsed.append("source")
    return item, unparsed
