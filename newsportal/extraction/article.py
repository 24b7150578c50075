"""The entry point: :func:`extract_article` reads a page part by part into a
:class:`RawArticle` and tells article pages from lists."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urljoin, urlsplit

from newsportal.extraction.body import _body
from newsportal.extraction.container import _best_container
from newsportal.extraction.dateline import _date_line, _machine_date, _meta_date
from newsportal.extraction.dom import (
    _attr_values,
    _drop_noise,
    _line,
    _meta,
    _metas,
    _page_title,
    _parse,
    _text,
    _xp,
)
from newsportal.extraction.labels import _cut_at_next_label, _find_editor, _labelled
from newsportal.extraction.patterns import (
    _DATE_ONLY_RE,
    _KEYWORDS_RE,
    _LABEL_HINT_RE,
    _SENTENCE_END,
    _SITE_SEP_RE,
)
from newsportal.extraction.related import _related
from newsportal.extraction.section import _find_section
from newsportal.extraction.source import _find_source, _source_from_lead
from newsportal.extraction.title import _find_title, _title_above

__all__ = ["RawArticle", "extract_article"]


@dataclass
class RawArticle:
    """Raw parts of one page, as read; ``is_article`` tells article pages from lists."""

    url: str
    canonical_url: str | None = None
    title: str | None = None
    date_text: str | None = None
    source_text: str | None = None
    editor_text: str | None = None
    keywords_text: str | None = None
    section: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)
    related: list[str] = field(default_factory=list)
    is_article: bool = False
    # Evidence of the year for a date printed without one: the date in the URL, the meta date.
    date_hints: list[str] = field(default_factory=list)


def _links_away(el, url: str, canonical: str | None) -> bool:
    """The headline is, or holds, a link to some other page."""
    anchors = [*el.iterancestors("a"), *el.iter("a")]
    if not anchors:
        return False
    own = {urldefrag(u)[0].rstrip("/") for u in (url, canonical) if u}
    for a in anchors:
        href = (a.get("href") or "").strip()
        if not href or href.startswith("#"):
            continue
        if urldefrag(urljoin(url, href))[0].rstrip("/") not in own:
            return True
    return False


def _has_headline_link(el) -> bool:
    return any(len(_text(a)) >= 8 for a in el.iter("a"))


def _is_list_entry(container) -> bool:
    """The densest text is one entry of a list (search results, summaries under
    headline links): the box around it repeats, same tag and class, each with its own
    headline link. An article's text box is one of a kind."""
    node = container
    for _ in range(2):
        parent = node.getparent()
        if parent is None:
            return False
        if _has_headline_link(node):
            shape = (node.tag, node.get("class"))
            alike = [
                sib
                for sib in parent
                if isinstance(sib.tag, str) and (sib.tag, sib.get("class")) == shape
            ]
            if len(alike) >= 4 and sum(map(_has_headline_link, alike)) >= 4:
                return True
        node = parent
    return False


def _is_list_like(paragraphs: list[str], link_lines: int) -> bool:
    """Lists show a date per entry or a headline link per summary."""
    dates = sum(1 for p in paragraphs if len(p) <= 25 and _DATE_ONLY_RE.match(p))
    return dates >= 3 or (link_lines >= 5 and 2 * link_lines >= len(paragraphs))


def _prose_len(paragraphs: list[str]) -> int:
    """Characters in paragraphs that read as sentences (footers and captions do not, nor a
    teaser's summary cut short with "…" or "...")."""
    return sum(
        len(p)
        for p in paragraphs
        if len(p) >= 15
        and (p.endswith(_SENTENCE_END) or p.count("，") + p.count(",") >= 2)
        and not (p.endswith(("…", "...")) and not p.endswith(("……", "......")))
    )


# Dates CMSs put in article URLs: /2024-06-05/, /20240605/, /2024/0605/, t20240605_ (TRS),
# /202406/ (year and month only).
_URL_DATE_RE = re.compile(
    r"(?<![0-9])((?:19|20)[0-9]{2})(?:-([01][0-9])-([0-3][0-9])|/?([01][0-9])/?([0-3][0-9])?)"
    r"(?=[/_.]|$)"
)


def _url_date(url: str) -> str | None:
    """The date in the article's URL path, as "YYYY-MM-DD" or "YYYY-MM"."""
    path = urlsplit(url).path
    month_only = None
    for m in _URL_DATE_RE.finditer(path):
        year, month, day = m.group(1), m.group(2) or m.group(4), m.group(3) or m.group(5)
        if not month or not 1 <= int(month) <= 12:
            continue
        if day and 1 <= int(day) <= 31:
            return f"{year}-{month}-{day}"  # the most precise wins: /202406/t20240605_1.html
        month_only = month_only or f"{year}-{month}"
    return month_only


def _checked_meta_date(meta_date: str | None, url_date: str | None) -> str | None:
    """No date is shown: the meta date, cross-checked with the date in the URL. A template
    default (TRS ``PubDate`` left at "2018-01-01 00:00") names another day than the URL
    (``t20240605_…``): the URL's day wins then, and stands in when there is no meta date."""
    if url_date is None or len(url_date) < 10:
        return meta_date
    if meta_date is None:
        return url_date
    m = re.match(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})", meta_date)
    if m is None:
        return meta_date
    try:
        meta_day = dt.date(int(m[1]), int(m[2]), int(m[3]))
        url_day = dt.date.fromisoformat(url_date)
    except ValueError:
        return meta_date
    return meta_date if abs((meta_day - url_day).days) <= 1 else url_date


def _site_names(page_title: str, metas, title: str | None) -> tuple[str, ...]:
    """The site's own name, as its pages print it: og:site_name and the last segment of
    ``<title>`` (标题_栏目_丽江新闻网)."""
    names = []
    site = _meta(metas, "og:site_name", "SiteName")
    if site:
        names.append(site)
    if page_title and title and page_title != title:
        last = _SITE_SEP_RE.split(page_title)[-1].strip()
        if 2 <= len(last) <= 20 and last not in (title or ""):
            names.append(last)
    return tuple(names)


def extract_article(html: str, url: str) -> RawArticle:
    """Read the parts of the page at ``url`` from its decoded ``html``.

    Never raises on bad markup: an empty or unparsable page gives an empty RawArticle
    with ``is_article`` False, so the caller can count it instead of crashing.
    """
    art = RawArticle(url=url)
    doc = _parse(html)
    if doc is None:
        return art
    base = url
    for href in _attr_values(doc, "base", "href"):
        base = urljoin(url, href.strip())
        break
    metas = _metas(doc)
    canonical = [
        href
        for link in doc.iter("link")
        if link.get("rel") == "canonical" and (href := link.get("href")) is not None
    ] or [_meta(metas, "og:url") or ""]
    if canonical[0].strip():
        art.canonical_url = urldefrag(urljoin(base, canonical[0].strip()))[0]
    meta_date = _meta_date(doc, metas)
    _drop_noise(doc)
    body = next(doc.iterchildren("body"), None)
    if body is None:
        body = doc
    texts = _xp(body, ".//text()[normalize-space()]")
    # The few text runs that may hold a label (责任编辑, 关健词, 推荐阅读, 当前位置 ...).
    hits = list(filter(_LABEL_HINT_RE.search, texts))
    page_title = _page_title(doc)
    title_el, art.title = _find_title(page_title, body, metas)
    date_el, art.date_text = _date_line(title_el, body, _site_names(page_title, metas, art.title))
    if title_el is None and date_el is not None:
        title_el, above, teaser = _title_above(date_el)
        art.title = above or art.title
        if teaser:
            date_el = art.date_text = None
    art.source_text = _find_source(date_el, art.date_text, title_el, hits, metas, url)
    if title_el is not None and art.title and art.title == (art.source_text or "").strip():
        # <title> is only the outlet's name, found again in the byline: the headline is
        # the short unlinked line above that byline.
        el, above, teaser = _title_above(title_el)
        if above and not teaser:
            title_el, art.title = el, above
    url_date = _url_date(url)
    if date_el is None:
        art.date_text = _checked_meta_date(meta_date, url_date)
    else:
        art.date_text = _machine_date(date_el, art.date_text, meta_date)
    art.date_hints = [h for h in (url_date, meta_date) if h]
    editor_el, art.editor_text = _find_editor(hits)
    kw_el, keywords = _labelled(
        hits, _KEYWORDS_RE, ("关健词", "关键词", "关键字", "标签", "Tag", "热词"), 120
    )
    if keywords:
        if kw_el is not None:
            keywords = _line(kw_el)  # keyword links often sit side by side without spaces
        art.keywords_text = _cut_at_next_label(keywords, _KEYWORDS_RE)
    art.section = _find_section(metas, hits, title_el, art.title, url)
    art.related = _related(hits, base, body)

    end_el = editor_el if editor_el is not None else kw_el
    containers = _best_container(body, texts, title_el, end_el)
    if containers:
        # Never skip a labelled line that turned out to wrap the body itself. The
        # 责任编辑 / 关健词 lines are not skipped but read: they close the text.
        inside = set(containers[0].iterancestors()).union(containers)
        skip = {e for e in (title_el, date_el) if e is not None} - inside
        art.paragraphs, art.images, link_lines = _body(containers, skip, art.title, base)
        list_entry = _is_list_entry(containers[0])
    else:
        link_lines, list_entry = 0, False
    if not art.source_text:
        art.source_text = _source_from_lead(art.paragraphs)
    prose = _prose_len(art.paragraphs)
    # A headline that is a link (a logo, a list entry) only counts with a date line; a
    # permalink to the page itself (WordPress titles) is no link to another page.
    weak_title = title_el is None or _links_away(title_el, url, art.canonical_url)
    # A short piece (快讯, a photo story) counts under a real headline and its date line.
    short_ok = (
        date_el is not None
        and not weak_title
        and len(art.title or "") >= 8
        and (prose >= 15 or bool(art.images))
    )
    # A page that declares itself an article (og:type, article:published_time) is dated
    # like one with a visible date line (WordPress themes print only "6月 5, 2024").
    declared = _meta(metas, "og:type") == "article" or bool(
        _meta(metas, "article:published_time", "og:article:published_time")
    )
    art.is_article = bool(
        art.title
        and not list_entry
        and not _is_list_like(art.paragraphs, link_lines)
        and (prose >= 200 or ((date_el is not None or declared) and prose >= 40) or short_ok)
        and (date_el is not None or not weak_title)
    )
    return art
