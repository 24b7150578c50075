"""来源: the outlet an article comes from, as a reader finds it on or near the date line."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

from newsportal.extraction.dateline import _around_title
from newsportal.extraction.dom import _line, _meta, _norm, _text
from newsportal.extraction.patterns import (
    _AFTER_SOURCE_RE,
    _DATE_RE,
    _HEADINGS,
    _SOURCE_LINE_RE,
    _SOURCE_RE,
)

_SOURCE_END_RE = re.compile(r"\s(?![A-Za-z])")


def _source_from(text: str) -> str | None:
    m = _SOURCE_RE.search(text)
    if not m:
        return None
    rest = text[m.end() :].lstrip()
    if not rest:
        return None
    cut = _AFTER_SOURCE_RE.search(rest)
    value = rest[: cut.start()] if cut else rest
    # Outlet names have no inner spaces ("中国新闻网 参与互动"), except Latin ones.
    value = _cut_unopened(_SOURCE_END_RE.split(value.strip(), maxsplit=1)[0])
    return (text[m.start() : m.end()] + value) if value else None


_CLOSERS = {"）": "（", ")": "(", "】": "【", "]": "[", "》": "《", "」": "「"}


def _cut_unopened(value: str) -> str:
    """ "（来源：中国新闻网）": the bracket closes the line's wrapper, not the name."""
    for i, char in enumerate(value):
        opener = _CLOSERS.get(char)
        if opener and opener not in value[:i]:
            return value[:i]
    return value


# "来源于 财新网", "来源 新华社", "来源 | 腾冲融媒": a label without its colon (new media
# print a bar instead), on the date line only.
_BARE_SOURCE_RE = re.compile(r"(?<![图据])(?:来源于|来源|稿源)(?:\s*[|｜]\s*|\s+)(?=[^\s|｜])")
# What an outlet's name ends with (新京报, 每日经济新闻, 央视网, 新华社, 上游新闻客户端).
_OUTLET_RE = re.compile(
    r"^[\u4e00-\u9fffA-Za-z0-9]{2,12}(?:网|报|社|台|新闻|客户端|周刊|杂志|频道|传媒|中心)$"
)
# Channel names look like outlets ("国内新闻", "本地新闻") but name a section.
_SECTION_NAME_RE = re.compile(
    r"^(?:国内|国际|本地|社会|财经|体育|娱乐|科技|军事|图片|视频|滚动|要闻|综合|地方|时政|教育)新闻$"
)
_TOKEN_SPLIT_RE = re.compile(r"[\s|｜•/]+|\s*·\s+|\s+·\s*")


def _unlabelled_source(date_text: str, runs: frozenset = frozenset()) -> str | None:
    """The outlet printed bare beside the date ("新京报 2024-06-05 17:21",
    "文｜财新 王洋 2024年06月05日 18:32 来源于 财新网"): a colon-less 来源 label, else a
    short name that reads as an outlet's. Section names (国内新闻) are not outlets."""
    m = _BARE_SOURCE_RE.search(date_text)
    if m:
        value = _TOKEN_SPLIT_RE.split(date_text[m.end() :], maxsplit=1)[0]
        if value and not _DATE_RE.match(value):
            return value
    date = _DATE_RE.search(date_text)
    rest = date_text[: date.start()] + " " + date_text[date.end() :] if date else date_text
    for token in _TOKEN_SPLIT_RE.split(rest):
        first, dot, brand = token.partition("·")
        if _OUTLET_RE.match(first) and not _SECTION_NAME_RE.match(first):
            # "齐鲁晚报·齐鲁壹点", "新京报·贝壳财经": the paper and its app or channel, one
            # name printed in one piece; "杭州日报" + "<span>·浙江</span>" adds where it posted.
            whole = dot and 2 <= len(brand) <= 8 and any(token in run for run in runs)
            return token if whole else first
    return None


_ACTION_RE = re.compile(
    r"^(?:编辑|收藏|评论|举报|分享|打印|纠错|关闭|返回|阅读|点赞|订阅|回复)\S{0,6}$"
)
_COPYRIGHT_RE = re.compile(r"版权所有|版权归|转载|copyright|©", re.I)
# A same-site address that lists articles: a folder, an index or list page.
_LISTING_PATH_RE = re.compile(r"(?:/|/index\.\w+|/list[\w-]*\.\w+|/node_\d+\.\w+)$")


def _is_section_link(a, url: str) -> bool:
    """A link to the site's own section (/minsheng/, list_12.html): a template that prints
    the column in the source slot names a section, not an outlet. The home page (/) is the
    site itself, which may well be the outlet."""
    href = (a.get("href") or "").strip()
    if not href or href.startswith(("javascript:", "#", "mailto:")):
        return False
    target = urljoin(url, href)
    path = urlsplit(target).path
    return bool(path.strip("/") and _LISTING_PATH_RE.search(path) and _site(target) == _site(url))


def _names_section(found: str, date_el, url: str) -> bool:
    """The 来源 value read from the date line is the text of a section link on it."""
    if date_el is None:
        return False
    value = _SOURCE_RE.sub("", found, count=1).strip()
    return any(_text(a) == value and _is_section_link(a, url) for a in date_el.iter("a"))


@lru_cache(maxsize=512)
def _site(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return ".".join(host.split(".")[-2:])


def _date_neighbours(date_el, date_text: str | None) -> list[str]:
    """The date line, then the short lines just above and below it (app pages print
    "人民日报客户端 记者 李茂颖" on a line of its own next to the date)."""
    if date_el is None or not date_text:
        return []
    lines = [date_text]
    for sib in (date_el.getprevious(), date_el.getnext()):
        if sib is not None and isinstance(sib.tag, str) and sib.tag not in _HEADINGS:
            text = _text(sib)
            if text and len(text) <= 30:
                lines.append(text)
    return lines


def _after_label(a) -> bool:
    """A link right after some other label (分类：旅行, 作者：李明) is not the source; a
    来源 label was read from the line before links are looked at."""
    prev = a.getprevious()
    before = (prev.tail if prev is not None else a.getparent().text) or ""
    return before.rstrip().endswith((":", "：")) or (
        prev is not None and not before.strip() and _text(prev).endswith((":", "："))
    )


def _find_source(date_el, date_text, title_el, hits: list, metas, url: str) -> str | None:
    """来源 as a reader finds it, most to least explicit: the label on the date line, a
    link there to another site, a 来源 line near the headline or closing the text, an
    outlet's name printed bare on the date line, any link there, the CMS's meta tag."""
    if date_text:
        found = _source_from(date_text)
        if found and not _names_section(found, date_el, url):
            return found
    links = []
    if date_el is not None:
        for a in date_el.iter("a"):
            text = _text(a)
            if _is_section_link(a, url):
                continue  # "来源：<a href=/minsheng/>民生</a>": the template filled in the column
            if _ACTION_RE.match(text):
                continue  # 编辑 / 收藏 / 评论(12): what a reader can do, not who published
            if 2 <= len(text) <= 20 and not _DATE_RE.search(text) and not _after_label(a):
                links.append((a, text))
    here = _site(url)
    for a, text in links:
        href = (a.get("href") or "").strip()
        if href.startswith(("http://", "https://", "//")) and _site(urljoin(url, href)) != here:
            return text
    if title_el is not None:
        for el in _around_title(title_el, 40, 12):
            text = _text(el)
            if text and len(text) <= 80 and _SOURCE_RE.search(text):
                found = _source_from(_line(el))
                if found and not _names_section(found, date_el, url):
                    return found
    for node in hits:
        text = _norm(node)
        if (len(text) <= 40 and _SOURCE_LINE_RE.match(text)) or (
            len(text) <= 80 and _COPYRIGHT_RE.search(text) and _SOURCE_RE.search(text)
        ):
            # "（来源：昭通日报）" closing the text; "版权所有 大理日报社 来源：大理日报"
            found = _source_from(text)
            if found and not _names_section(found, date_el, url):
                return found
    runs = frozenset()
    if date_el is not None:
        runs = frozenset(_norm(t) for t in date_el.itertext() if "·" in t)
    for line in _date_neighbours(date_el, date_text):
        found = _unlabelled_source(line, runs)
        if found:
            return found
    if links:
        return links[0][1]
    return _meta(metas, "source", "ContentSource", "article:source", "og:article:source", "mediaid")


# A 电报/快讯 item opens with its headline in brackets, then the dateline naming the outlet:
# "【标题】财联社6月5日电，…". A plain "新华社北京6月5日电" lead on a page whose 来源 is left
# empty is not taken: the replica's pages (and their ground truth) leave the source out then.
_LEAD_SOURCE_RE = re.compile(
    r"^(?:【[^】]{1,60}】|\[[^\]]{1,60}\])\s*"
    r"(?!本[报网台刊])([\u4e00-\u9fff]{1,10}(?:网|报|社|台|新闻|客户端))"
    r"[\u4e00-\u9fff]{0,6}?(?:\s*[0-9]{1,2}月[0-9]{1,2}日)?\s*(?:电|讯|消息)(?=[\s，,：:（(])"
)


def _source_from_lead(paragraphs: list[str]) -> str | None:
    """No 来源 anywhere: the outlet a 电报 item's dateline names."""
    if not paragraphs:
        return None
    m = _LEAD_SOURCE_RE.match(paragraphs[0])
    return m.group(1) if m else None
