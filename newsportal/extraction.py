"""Find an article's parts by what a reader sees, whatever the markup.

The real 九龙网 markup is unknown and the same code must hold up on other Chinese news
sites, so nothing here relies on class names or ids. Instead it uses what every reader
relies on: the headline that repeats the page ``<title>``, the date/来源 line under it,
the labels 责任编辑 / 关健词 / 推荐阅读 / 当前位置, and the one block of the page that
is long, punctuated prose with few links (text density, as in readability and GNE).

Values are returned raw-ish (see :class:`RawArticle`); normalising them is the job of
:mod:`newsportal.processors` through the loaders. One lxml parse per page, compiled XPath
for the searches, no re-serialisation: about a millisecond per page.

Deliberate choices:

- ``<meta name="keywords">`` is never used for ``keywords_text``: on portals it is the
  same site-wide list on every page. Only a visible 关健词/关键词/标签 line counts.
- ``og:site_name`` is never used as the source: a reposted article's source is the
  outlet it came from (来源：中国新闻网), not the portal. Meta ``source`` tags are a
  fallback because CMSs fill them per article.
- Meta dates (``article:published_time``, ``PubDate`` ...) only stand in when no date
  line is visible; ``date_text`` is then the meta value itself.
- Hidden elements (``display:none``) are dropped unless they hold a lot of text: some
  pages hide the article until a script reveals it.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain
from urllib.parse import urldefrag, urljoin, urlsplit

from lxml import etree

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


# --- patterns --------------------------------------------------------------------------

_D = "[0-9０-９]"
_DATE_RE = re.compile(
    rf"(?:{_D}{{4}}\s*[-/.年－／．]\s*{_D}{{1,2}}\s*[-/.月－／．]\s*{_D}{{1,2}}"
    rf"|{_D}{{4}}\s+{_D}{{1,2}}\s*/\s*{_D}{{1,2}}\s+{_D}{{1,2}}:{_D}{{2}}"
    rf"|{_D}{{1,2}}月{_D}{{1,2}}日\s*{_D}{{1,2}}[:：]{_D}{{2}}"
    rf"|(?:昨天|前天|今天)\s*{_D}{{1,2}}[:：]{_D}{{2}}"
    rf"|{_D}+\s*(?:分钟|小时|天)前|刚刚)"
)
_DATE_ONLY_RE = re.compile(rf"^[\[【(（]?\s*{_D}{{2,4}}[-/.年]{_D}{{1,2}}[-/.月]{_D}{{1,2}}")
# 来源 of the article, never 图片来源 (a photo credit).
_SOURCE_RE = re.compile(
    r"(?<!图)(?<!图片)(?:文章来源|信息来源|新闻来源|来源于?|稿源|出处|来自)\s*[:：]"
)
_SOURCE_LINE_RE = re.compile(r"^[\[【(（]?\s*(?:文章来源|信息来源|新闻来源|来源于?|稿源)\s*[:：]")
_DATE_LABEL_RE = re.compile(r"(?:发布|更新|发表|时间|日期)")
_ABSOLUTE_DATE_RE = re.compile(rf"{_D}{{4}}")
# Labels that end the source part of a date/来源 line.
_AFTER_SOURCE_RE = re.compile(
    r"\s(?=\S*(?:浏览|阅读|点击|作者|责任编辑|编辑|发布|时间|日期|字号|字体|评论|分享|打印|"
    r"人参与|次)\S*)|[|｜【\[]|\s{2,}"
)
# "责任编辑：代平", and the colon-less "编辑 张彤" when the line is just that.
_EDITOR_RE = re.compile(
    r"^[\[【(（]?\s*(?:责任编辑|责编|编辑)(?:\s*[:：]|\s+(?=[^\s:：]{2,8}\s*[\]】)）]?$))"
)
_CHIEF_EDITOR_RE = re.compile(
    r"^[\[【(（]?\s*(?:责任编辑|责编)(?:\s*[:：]|\s+(?=[^\s:：]{2,8}\s*[\]】)）]?$))"
)
_EDITOR_INLINE_RE = re.compile(r"(?:责任编辑|责编)\s*[:：]")
_KEYWORDS_RE = re.compile(
    r"^[\[【(（]?\s*(?:文章|本文)?(?:(?:关健词|关键词|关键字)\s*[:：]?|(?:标签|Tags?)\s*[:：])",
    re.I,
)
_RELATED_RE = re.compile(
    r"^[\[【(（]?\s*(?:推荐阅读|相关阅读|相关新闻|相关文章|延伸阅读|热点推荐|相关推荐|相关链接|相关报道)"
)
_CRUMB_LABEL_RE = re.compile(r"(?:当前位置|您的位置|你的位置|所在位置|位置)\s*[:：]?")
# Breadcrumb separators; never "|", which separates menu entries.
_CRUMB_SEP_RE = re.compile(r"^[\s>»›→/＞-]*$")
_CRUMB_SPLIT_RE = re.compile(r"\s*(?:>+|»|›|→|＞+|/)\s*")
_CRUMB_SKIP = {
    "首页", "主页", "网站首页", "home", "Home", "HOME", "正文", "正文内容", "内容", "查看内容",
    "详细内容", "文章内容", "内容页", "详情", "阅读文章",
}  # fmt: skip
# A paragraph starting with one of these ends the body (once some body was seen): headings
# of what follows an article (short lines), and notices of any length.
_STOP_HEAD_RE = re.compile(
    r"^[\[【(（]?\s*(?:推荐阅读|相关阅读|相关新闻|相关文章|延伸阅读|热点推荐|相关推荐|相关链接|相关报道|"
    r"责任编辑|责编|编辑\s*[:：]|关健词|关键词|关键字|标签\s*[:：]|"
    r"上一篇|下一篇|上一条|下一条|分享到|分享至|纠错|打印本页|关闭窗口|返回顶部|"
    r"网友评论|发表评论|我要评论|热门评论|最新评论)"
)
_STOP_NOTICE_RE = re.compile(r"^[\[【(（]?\s*(?:免责声明|版权声明|特别声明|平台声明|本文来源)")


# Reprint notices and app promotions that close many articles.
_NOTICE_RE = re.compile(
    r"(?:未经\S{0,4}授权|严禁|禁止|不得)\S{0,6}转载|转载请注明|"
    r"(?:下载|打开|尽在|关注|扫码)\S{0,12}(?:APP|App|app|客户端|公众号)|扫描二维码|扫码关注"
)


def _is_stop(text: str) -> bool:
    return bool(
        _STOP_NOTICE_RE.match(text)
        or (len(text) <= 40 and (_STOP_HEAD_RE.match(text) or _EDITOR_RE.match(text)))
        or (len(text) <= 60 and _NOTICE_RE.search(text))
    )


# Short widget texts inside article containers that are never body paragraphs.
_JUNK_RE = re.compile(
    r"^[【\[(（]?\s*(?:(?:字[号体]|阅读[数量]?|点击[数量]?|浏览次数|来源|作者)\s*[:：]|"
    r"(?:打印本页|关闭窗口|返回顶部|返回首页|返回列表|分享到|打印|收藏|分享|扫一扫|返回|关闭|举报|"
    r"原文链接)(?:$|[\s】\]）)|:：])|[图文]\s*/|[大中小]\s+[大中小]\s+[大中小]|"
    r"(?:广告|推广|AD|赞助)$)"
)
_CAPTION_RE = re.compile(
    r"(?:供图|(?:\s|摄|/)图$|摄$|摄\s*[)）]?$|摄影|图源|图片来源|资料图|图为|图[:：]|视觉中国|新华社发|"
    r"记者\S{0,8}摄|[（(]图[）)]|图片[:：])"
)
_BAD_IMG_RE = re.compile(
    r"(?:logo|icon|avatar|share|qrcode|erweima|ewm|weixin|wechat|spacer|blank|pixel|"
    r"loading|lazy|placeholder|/ad[sv]?/|banner|btn|button|arrow|dot\.|counter|stat\.|"
    r"next_?page|prev_?page|nextpage|prevpage)",
    re.I,
)
_SITE_SEP_RE = re.compile(r"\s*(?:[_|｜–—]|\s-\s|-|_)\s*")

# fmt: off
_NOISE_TAGS = (
    "script", "style", "noscript", "template", "iframe", "svg", "button", "select", "textarea",
    "input", "object", "embed", "canvas", "map",
)
# fmt: on
# fmt: off
_INLINE = frozenset(
    (
        "a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "em", "font", "i", "kbd", "label",
        "mark", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "time", "tt",
        "u", "var", "wbr", "nobr", "ins", "del",
    )
)
# fmt: on
_HEADINGS = ("h1", "h2", "h3")
_PUNCT_RE = re.compile(r"[，。！？；、]")
_SENTENCE_PUNCT_RE = re.compile(r"[，。！？；]")
_WS_RE = re.compile(r"\s+")
_CTRL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_LABEL_HINT_RE = re.compile("编辑|责编|关健|关键|标签|Tag|推荐|相关|延伸阅读|位置|来源|稿源", re.I)


def _norm(text: str | None) -> str:
    return " ".join(text.split()) if text else ""


_STRING = etree.XPath("string()")
_LOCAL = threading.local()  # lxml parsers must not be shared between threads


def _parser() -> etree.HTMLParser:
    parser = getattr(_LOCAL, "parser", None)
    if parser is None:
        parser = _LOCAL.parser = etree.HTMLParser(
            remove_comments=True, remove_pis=True, no_network=True
        )
    return parser


@lru_cache(maxsize=256)
def _compiled(path: str) -> etree.XPath:
    return etree.XPath(path)


def _xp(el, path: str, **variables):
    """XPath with the expression compiled once per process, not once per call."""
    return _compiled(path)(el, **variables)


def _text(el) -> str:
    return _norm(_STRING(el))


def _line(el) -> str:
    """The text of a short line as a reader sees it.

    Minified pages glue the boxes of a line together (``<span>16:33</span><span>来源：``);
    a space goes where an element boundary separates two word characters.
    """
    out: list[str] = []

    def add(text: str | None, boundary: bool) -> None:
        if not text:
            return
        if boundary and out and out[-1][-1].isalnum() and text[0].isalnum():
            out.append(" ")
        out.append(text)

    def walk(node, boundary: bool) -> None:
        add(node.text, boundary)
        for child in node:
            if isinstance(child.tag, str):
                walk(child, True)
            add(child.tail, True)

    walk(el, False)
    return _norm("".join(out))


# --- parsing ---------------------------------------------------------------------------


def _parse(html: str):
    """Parse once; None when there is nothing to parse.

    lxml refuses str input that carries an XML encoding declaration and strings with
    control characters, both common in saved Chinese pages.
    """
    if not html or not html.strip():
        return None
    html = _XML_DECL_RE.sub("", html, count=1)
    html = _CTRL_RE.sub("", html)
    try:
        return etree.fromstring(html, _parser())
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        try:
            cleaned = html.encode("utf-8", "replace").decode("utf-8")
            return etree.fromstring(cleaned, _parser())
        except (etree.ParserError, etree.XMLSyntaxError, ValueError):
            return None


_HIDDEN_TEXT_LEN = etree.XPath("string-length(normalize-space())")


def _drop(el) -> None:
    """Remove ``el`` but keep its tail text where it was."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _drop_noise(doc) -> None:
    """Remove what a reader never sees, keeping the tail text that follows it."""
    etree.strip_elements(doc, *_NOISE_TAGS, with_tail=False)
    # Hidden popups, sub-menus and QR boxes go; a big hidden block stays, because some
    # pages (WeChat, tabbed CMS) hide the article until a script shows it.
    for el in _xp(doc, "//*[@hidden or @style]"):
        if el.get("hidden") is None and not _HIDDEN_STYLE_RE.search(el.get("style")):
            continue
        if el.tag in ("html", "body") or _HIDDEN_TEXT_LEN(el) >= 200:
            continue
        _drop(el)


def _metas(doc) -> dict[str, str]:
    """All <meta> values by lower-cased name/property/itemprop: one pass, first wins."""
    metas: dict[str, str] = {}
    for meta in doc.iter("meta"):
        content = _norm(meta.get("content"))
        if not content:
            continue
        for attr in ("name", "property", "itemprop", "http-equiv"):
            key = meta.get(attr)
            if key:
                metas.setdefault(key.strip().lower(), content)
    return metas


def _meta(metas: dict[str, str], *names: str) -> str | None:
    for name in names:
        value = metas.get(name.lower())
        if value:
            return value
    return None


# --- title -----------------------------------------------------------------------------


def _strip_site_suffix(title: str) -> str:
    """ "标题_国内新闻_九龙网" -> "标题": drop short trailing segments (section, site)."""
    parts = _SITE_SEP_RE.split(title)
    if len(parts) == 1:
        return title
    seps = _SITE_SEP_RE.findall(title)
    while len(parts) > 1:
        head = "".join(p + s for p, s in zip(parts[:-1], seps, strict=False))
        if len(parts[-1]) <= 20 and len(head) >= len(parts[-1]):
            parts.pop()
            seps.pop()
        else:
            break
    return "".join(p + s for p, s in zip(parts, [*seps, ""], strict=False)).strip()


def _find_title(doc, body, metas):
    """The headline element and its text.

    The headline is the heading that repeats the longest piece of ``<title>``; portal
    logos are headings too, so a heading that is only the site name loses to a longer one.
    """
    page_title = _norm(" ".join(_xp(doc, "//title//text()")))
    og_title = _meta(metas, "og:title", "twitter:title")
    main = _strip_site_suffix(page_title) if page_title else ""
    best, best_text, best_score = None, "", 0.0
    for el in body.iter(*_HEADINGS, "h4"):
        text = _text(el)
        if not text or len(text) > 150:
            continue
        score = 0.0
        if (og_title and text == og_title) or (main and text == main):
            score = 3.0 * len(text)
        elif page_title and text in page_title:
            score = 2.0 * len(text)
        elif main and main in text:
            score = 2.0 * len(main)
        elif el.tag == "h1" and len(text) >= 6:
            score = 0.5 * len(text)
        if score and _linked(el):
            score /= 4  # a linked heading is a logo or a list entry (推荐阅读 lists itself)
        if score > best_score:
            best, best_text, best_score = el, text, score
    if (
        best is not None
        and not _linked(best)
        and (best_score >= 8 or not main or best_text == main)
    ):
        return best, best_text
    wanted = og_title or main
    if wanted:
        hits = _xp(
            body,
            ".//*[normalize-space(text())=$t]"
            "[not(self::a) and not(ancestor::a) and not(self::option)]",
            t=wanted,
        )
        if hits:
            return hits[0], wanted
        # <title> often carries more than the headline ("标题 东区办事处_中山网"): the
        # longest unlinked text that <title> contains is the headline.
        hits = _xp(
            body,
            ".//*[string-length(normalize-space(text())) >= $n]"
            "[contains($t, normalize-space(text()))]"
            "[not(self::a) and not(ancestor::a) and not(self::option)]",
            t=wanted,
            n=max(6, len(wanted) // 2),
        )
        if hits:
            el = max(hits, key=lambda h: len(_norm(h.text)))
            return el, _norm(el.text)
    if best is not None:
        return best, best_text
    return None, wanted or None


def _linked(el) -> bool:
    parent = el.getparent()
    return (
        el.tag == "a" or el.find(".//a") is not None or (parent is not None and parent.tag == "a")
    )


def _title_above(date_el):
    """No usable <title>: the headline is the short, unlinked text right above the date."""
    for el in _xp(date_el, "preceding::*[position() <= 12]")[::-1]:
        if el.tag in _NOISE_TAGS or el.tag in ("a", "img", "br"):
            continue
        text = _text(el)
        if 5 <= len(text) <= 80 and not _DATE_RE.search(text) and not _linked(el):
            return el, text
    return None, None


# --- date / source line ----------------------------------------------------------------


def _near_title(title_el, body, after: int = 80, before: int = 12) -> list[list]:
    """Elements a reader sees around the headline, nearest first: inside it (PHPCMS puts
    the date line in the <h1>) and below it, then just above it."""
    if title_el is None:
        return [_xp(body, "(.//*)[position() <= 400]"), []]
    below = list(title_el.iterdescendants()) + _xp(title_el, f"following::*[position() <= {after}]")
    return [below, _xp(title_el, f"preceding::*[position() <= {before}]")[::-1]]


def _date_line(title_el, body):
    """The first short element near the headline that shows a date.

    Below the first paragraph of prose, a date only counts with a label (发布日期：...):
    teaser lists and comments under the text show dates too.
    """
    for part in _near_title(title_el, body):
        found = _date_in(part)
        if found[0] is not None:
            return found
    return None, None


def _date_in(elements: list):
    seen_prose = False
    for el in elements:
        own = el.text or ""
        if len(own) >= 50 and len(_SENTENCE_PUNCT_RE.findall(own)) >= 2:
            seen_prose = True
            continue
        if el.tag in _HEADINGS or el.tag in ("ul", "ol", "table", "tbody"):
            continue
        text = _text(el)
        if not text or len(text) > 160:
            continue
        m = _DATE_RE.search(text)
        # The date opens the line or follows a short label (来源/作者/发布时间 ...);
        # a date in a sentence ("2019年2月27日下午，...。") is body text, not the date line.
        if not m or m.start() > 40 or len(_SENTENCE_PUNCT_RE.findall(text)) >= 2 or "星期" in text:
            continue
        links = _xp(el, ".//a")
        if len(links) >= 4 or any(len(_text(a)) >= 12 for a in links):
            continue  # a headline link with its date: a teaser, not the date line
        if seen_prose and not _DATE_LABEL_RE.search(text[: m.start() + 1]):
            continue
        return el, _line(el)
    return None, None


_SCRIPT_DATE_RE = re.compile(
    r"(?:publish_?time|pub_?time|pub_?date|publish_?date|date_?published|ptime|create_?time)"
    r"[^\"'\n]{0,30}?[\"'](\d{4}-\d{1,2}-\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?)[\"']",
    re.I,
)
_EPOCH_RE = re.compile(r"\bvar\s+ct\s*=\s*[\"'](\d{10})[\"']")  # WeChat articles
_TZ_SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _script_date(doc) -> str | None:
    """A date only a script knows (WeChat fills the date line from ``var ct``)."""
    found = None
    for blob in _xp(doc, "//script[not(@src)]/text()"):
        m = _EPOCH_RE.search(blob)
        if m:
            stamp = dt.datetime.fromtimestamp(int(m.group(1)), _TZ_SHANGHAI)
            return stamp.strftime("%Y-%m-%d %H:%M:%S")
        for m in _SCRIPT_DATE_RE.finditer(blob):
            value = m.group(1)
            if found is None or (":" in value and ":" not in found):
                found = value
    return found


def _meta_date(doc, metas) -> str | None:
    value = _meta(
        metas,
        "article:published_time",
        "og:release_date",
        "datePublished",
        "pubdate",
        "publishdate",
        "PubDate",
        "publish_date",
        "publishtime",
        "PublishTime",
        "firstpublishedtime",
        "og:article:published_time",
    )
    if value:
        return value
    times = _xp(doc, "//time/@datetime")
    if times and _norm(times[0]):
        return _norm(times[0])
    for blob in _xp(doc, "//script[@type='application/ld+json']/text()"):
        m = re.search(r'"datePublished"\s*:\s*"([^"]+)"', blob)
        if m:
            return m.group(1)
    return _script_date(doc)


def _machine_date(date_el, date_text: str, meta_date: str | None) -> str:
    """ "今天 10:32" only makes sense on the day it was printed: when the line shows a
    relative date, the page's machine-readable date (``<time datetime>``, meta) wins."""
    m = _DATE_RE.search(date_text)
    if m is None or _ABSOLUTE_DATE_RE.match(m.group(0)):
        return date_text
    for value in _xp(date_el, "descendant-or-self::time/@datetime"):
        if _norm(value):
            return _norm(value)
    return meta_date or date_text


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
    value = _SOURCE_END_RE.split(value.strip(), maxsplit=1)[0]
    return (text[m.start() : m.end()] + value) if value else None


def _site(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return ".".join(host.split(".")[-2:])


def _find_source(date_el, date_text, title_el, hits: list, metas, url: str) -> str | None:
    """来源 as a reader finds it, most to least explicit: the label on the date line, a
    link there to another site, a 来源 line near the headline or closing the text, any
    link on the date line, the CMS's meta tag."""
    if date_text:
        found = _source_from(date_text)
        if found:
            return found
    links = []
    if date_el is not None:
        for a in date_el.iter("a"):
            text = _text(a)
            if 2 <= len(text) <= 20 and not _DATE_RE.search(text):
                links.append((a, text))
    here = _site(url)
    for a, text in links:
        href = (a.get("href") or "").strip()
        if href.startswith(("http://", "https://", "//")) and _site(urljoin(url, href)) != here:
            return text
    if title_el is not None:
        for el in chain.from_iterable(_near_title(title_el, None, 40, 12)):
            text = _text(el)
            if text and len(text) <= 80 and _SOURCE_RE.search(text):
                found = _source_from(_line(el))
                if found:
                    return found
    for node in hits:
        text = _norm(node)
        if len(text) <= 40 and _SOURCE_LINE_RE.match(text):
            found = _source_from(text)
            if found:
                return found
    if links:
        return links[0][1]
    return _meta(metas, "source", "ContentSource", "article:source", "og:article:source")


# --- labels: 责任编辑 / 关健词 ------------------------------------------------------------


def _label_line(node, label_re, maxlen: int):
    """Climb from ``node`` to the widest element that is still just the labelled line."""
    el = node
    text = _text(el)
    while True:
        parent = el.getparent()
        if parent is None or parent.tag in ("body", "html"):
            break
        ptext = _text(parent)
        own = label_re.match(ptext)
        if len(ptext) > maxlen or not own or _NEXT_LABEL_RE.search(ptext, own.end()):
            break
        el, text = parent, ptext
    return el, text


def _labelled(hits: list, label_re, contains: tuple[str, ...], maxlen: int, inline_re=None):
    """The line a label opens (责任编辑：代平), or, with ``inline_re``, the labelled
    tail of a line that starts with something else (本文来源：X 责任编辑：Y)."""
    inline = None
    for node in hits:
        if not any(c in node for c in contains):
            continue
        el = node.getparent()
        if node.is_tail:
            el = el.getparent()
            if el is None:
                continue
        if label_re.match(_text(el)):
            return _label_line(el, label_re, maxlen)
        if label_re.match(node.strip()):
            # The label opens a text run in the middle of a wider element.
            return (None if node.is_tail else el), _norm(node)
        if inline is None and inline_re is not None:
            text = _norm(node)
            m = inline_re.search(text)
            if m and len(text) - m.start() <= maxlen:
                inline = (el, text[m.start() :])
    return inline or (None, None)


# What may follow an editor or keywords on the same line: another label, a widget, a notice.
_NEXT_LABEL_RE = re.compile(
    r"\s*(?:(?:责任编辑|责编|编辑|关健词|关键词|关键字|来源|作者|校对|审核|审校|监制|签发|"
    r"版权声明|声明)\s*[:：]|[【\[]|(?:打印|关闭|纠错|分享到?|返回)(?:本页|此页|窗口|顶部)?(?=\s|$))"
)


def _cut_at_next_label(text: str, label_re: re.Pattern) -> str:
    """ "关健词： 责任编辑：代平" on one line: keep only the first labelled part."""
    own = label_re.match(text)
    m = _NEXT_LABEL_RE.search(text, own.end() if own else 0)
    return text[: m.start()].rstrip(" （(【[") if m else text


# --- breadcrumb / section ----------------------------------------------------------------


def _crumb_section(links, title: str | None) -> str | None:
    for a in reversed(links):
        text = _text(a)
        if not text or text in _CRUMB_SKIP or (title and text == title and len(text) > 10):
            continue
        if len(text) > 20 or (text.endswith("网") and len(links) > 1 and a is links[0]):
            continue
        return text
    return None


def _crumb_from_text(el, title: str | None) -> str | None:
    """Read "当前位置：首页 > 新闻 > 国内新闻 > 正文" as a reader does: the current section
    need not be a link."""
    line = _line(el)
    if len(line) > 120:
        return None
    label = _CRUMB_LABEL_RE.search(line)
    if label and label.start() <= 6:
        line = line[label.end() :]
    items = [i for i in _CRUMB_SPLIT_RE.split(line) if i]
    if len(items) < 2:
        return None
    for pos in range(len(items) - 1, -1, -1):
        item = items[pos]
        if item in _CRUMB_SKIP or len(item) > 20 or (title and item == title):
            continue
        if pos == 0 and item.endswith("网"):
            continue  # the site itself
        return item
    return None


def _find_section(metas, hits: list, title_el, title: str | None) -> str | None:
    # 1. an explicit "当前位置" label.
    for node in hits:
        if "位置" not in node or len(node.strip()) >= 20 or not _CRUMB_LABEL_RE.search(node):
            continue
        el = node.getparent()
        if node.is_tail:
            el = el.getparent()
        for _ in range(3):
            links = _xp(el, ".//a[normalize-space()]")
            if links:
                section = _crumb_from_text(el, title) or _crumb_section(links, title)
                if section:
                    return section
                break
            if el.getparent() is None:
                break
            el = el.getparent()
    # 2. a chain of 2-8 links separated by > » › / → before the headline.
    scope = _xp(title_el, "preceding::a[position() <= 120]") if title_el is not None else []
    parents_seen = set()
    for a in reversed(scope):
        parent = a.getparent()
        if parent in parents_seen:
            continue
        parents_seen.add(parent)
        links = parent.findall("a")
        if len(links) < 2 or len(links) > 8:
            continue
        seps = [(x.tail or "") for x in links[:-1]]
        if all(s.strip() and _CRUMB_SEP_RE.match(s) for s in seps):
            section = _crumb_from_text(parent, title) or _crumb_section(links, title)
        else:  # separators in their own elements: <a>首页</a><span>&gt;</span><a>..</a>
            section = _crumb_from_text(parent, title)
        if section:
            return section
    # 3. a lone link right before the headline, outside the menu (the seed shows its
    #    breadcrumb as a one-entry list "国内新闻" under the menu).
    if title_el is not None:
        for a in reversed(_xp(title_el, "preceding::a[position() <= 6]")):
            group, in_menu = a, False
            for _ in range(3):
                parent = group.getparent()
                if parent is None or parent.tag in ("body", "html"):
                    break
                if len(_xp(parent, ".//a")) > 4:
                    in_menu = group is a or group.tag == "li"
                    break
                group = parent
            if in_menu:
                break
            links = _xp(group, "descendant-or-self::a[normalize-space()]")
            if not links:
                continue
            if len(links) > 1:
                break  # a link bar, not a breadcrumb (those were read above)
            section = _crumb_section(links, title)
            if section and 2 <= len(section) <= 10:
                return section
            break
    return _meta(metas, "article:section", "og:article:section", "section")


# --- body --------------------------------------------------------------------------------


_COMMENT_HEAD_RE = re.compile(
    r"^[\[【(（]?\s*(?:网友评论|网友点评|用户评论|热门评论|最新评论|全部评论|精彩评论|评论区|"
    r"我要评论|发表评论|评论|跟贴|跟帖|留言)"
)


_DOC_INDEX = etree.XPath("count(preceding::*) + count(ancestor::*)")


def _position_factor(el, title_el, top: float, title_line: set) -> float:
    """Prose far below the headline (comments, teasers) or above it (sidebars) counts less."""
    if title_el is None or el in title_line:
        return 1.0
    here = _DOC_INDEX(el)
    if here > top:
        return 1.0 / (1.0 + max(0, here - top - 10) / 40.0)
    return 1.0 / (1.0 + (top - here) / 15.0)


def _is_teaser_list(el, prose_blocks: int) -> bool:
    """Teaser lists (headline link + summary + date per entry) are punctuated prose too;
    an article body has neither a headline link nor a bare date per paragraph."""
    headlines = dates = 0
    for node in el.iter():
        if node.tag == "a":
            headlines += len(_text(node)) >= 8
        elif node.text and len(node.text) <= 30 and _DATE_ONLY_RE.match(node.text.strip()):
            dates += 1
    return (headlines >= 3 and 2 * headlines >= prose_blocks) or (
        dates >= 3 and 2 * dates >= prose_blocks
    )


def _is_comments(el) -> bool:
    """A block under a 评论 heading: readers' prose, not the article's."""
    first = next((c for c in el.iterchildren() if isinstance(c.tag, str)), None)
    prev = el.getprevious()
    while prev is not None and not isinstance(prev.tag, str):
        prev = prev.getprevious()
    for head in (first, prev):
        if head is not None:
            text = _text(head)
            if len(text) <= 20 and _COMMENT_HEAD_RE.match(text):
                return True
    return False


def _best_container(body, texts: list, title_el=None) -> list:
    """The block holding the article text, scored like readability.

    Every block of prose scores 1 + its Chinese punctuation + up to 3 for length; the score
    goes to the block, its parent and (halved) its grandparent, so the container that holds
    the most punctuated prose wins. Link-heavy blocks (menus, lists) score nothing, and
    prose far from the headline or under a 评论 heading is discounted.
    """
    lens: dict = {}
    links: dict = {}
    runs: dict = {}  # block -> its text runs, kept to count punctuation of prose blocks only
    owners: dict = {}  # owner element -> (block, inside a link)
    for node in texts:
        owner = node.getparent()
        if node.is_tail:
            owner = owner.getparent()
        known = owners.get(owner)
        if known is None:
            block, in_link = owner, False
            while block is not None and block.tag in _INLINE:
                in_link = in_link or block.tag == "a"
                block = block.getparent()
            if block is not None and not in_link:
                parent = block.getparent()
                in_link = parent is not None and parent.tag == "a"  # <a><h4>title</h4></a>
            known = owners[owner] = (block, in_link)
        block, in_link = known
        if block is None:
            continue
        n = len(node.strip())
        lens[block] = lens.get(block, 0) + n
        if in_link:
            links[block] = links.get(block, 0) + n
        else:
            runs.setdefault(block, []).append(node)
    scores: dict = {}
    blocks: dict = {}  # element -> number of prose blocks that scored for it
    for block, n in lens.items():
        link = links.get(block, 0)
        prose = n - link
        if prose < 20 or link > 0.5 * n:
            continue  # a menu or a link list
        own = "".join(runs[block])
        if own.count("|") >= 3:
            continue  # a footer or link bar
        score = 1.0 + len(_PUNCT_RE.findall(own)) + min(prose / 100.0, 3.0)
        scores[block] = scores.get(block, 0.0) + score
        blocks[block] = blocks.get(block, 0) + 1
        parent = block.getparent()
        if parent is not None:
            # Slightly less than the block itself: a <td> full of <br>-separated text must
            # beat its <tr>, which also holds the sidebar cells.
            scores[parent] = scores.get(parent, 0.0) + 0.9 * score
            blocks[parent] = blocks.get(parent, 0) + 1
            grand = parent.getparent()
            if grand is not None:
                scores[grand] = scores.get(grand, 0.0) + score / 2
                blocks[grand] = blocks.get(grand, 0) + 1
    if not scores:
        return []
    top = 0.0
    title_line: set = set()
    if title_el is not None:
        top = _DOC_INDEX(title_el)
        title_line = set(title_el.iterancestors())
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)[:8]
    best, best_score = None, -1.0
    for el, score in ranked:
        if score <= best_score:
            break  # ranked by score, and the final score never exceeds it
        final = score * (1.0 - _link_density(el)) * _position_factor(el, title_el, top, title_line)
        if _is_comments(el) or _is_teaser_list(el, blocks.get(el, 0)):
            final *= 0.2
        if final > best_score:
            best, best_score = el, final
    return _with_siblings(best, scores, title_el)


def _link_density(el) -> float:
    total = len(_WS_RE.sub("", _STRING(el)))
    link = sum(len(_WS_RE.sub("", t)) for t in _xp(el, ".//a//text()"))
    return link / total if total else 1.0


def _is_figure(el) -> bool:
    """A box with a real picture (no icon) and at most a caption's worth of text."""
    imgs = [el] if el.tag == "img" else el.findall(".//img")
    if not any((url := _img_url(img, "")) and _img_ok(img, url) for img in imgs):
        return False
    text = _text(el)
    return len(text) <= 80 and not _DATE_RE.search(text)


def _with_siblings(best, scores: dict, title_el) -> list:
    """The best block plus sibling blocks of the same article (text split by a video,
    an ad or a page-break div), as readability does; stops at 推荐阅读/评论 headings."""
    threshold = max(8.0, 0.3 * scores.get(best, 0.0))
    nodes = [best]
    for forward in (True, False):
        pending: list = []
        sibs = best.itersiblings() if forward else best.itersiblings(preceding=True)
        for sib in sibs:
            if not isinstance(sib.tag, str):
                continue
            if not forward and (
                title_el is not None and (sib is title_el or title_el in sib.iterdescendants())
            ):
                break
            score = scores.get(sib, 0.0)
            head = _norm("".join(sib.itertext())[:40])
            if _is_stop(head) or _COMMENT_HEAD_RE.match(head):
                break
            if not forward and not pending and _is_figure(sib):
                nodes.insert(0, sib)  # the lead picture sits in its own box above the text
                continue
            if score >= threshold and _link_density(sib) < 0.3 and not _is_comments(sib):
                if forward:
                    nodes.extend(pending)
                    nodes.append(sib)
                else:
                    nodes[:0] = [sib, *reversed(pending)]
                pending = []
            else:
                pending.append(sib)
                if len(pending) > 3:
                    break
    return nodes


# fmt: off
_BLOCK_BREAK = frozenset(
    (
        "p", "div", "td", "th", "tr", "table", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3",
        "h4", "h5", "h6", "blockquote", "section", "article", "header", "footer", "aside", "nav",
        "center", "pre", "figure", "figcaption", "address", "main", "caption", "hr", "form",
    )
)
# fmt: on


class _Walker:
    """Flatten a container into reader lines: text runs split at blocks and <br>."""

    def __init__(self, skip: set):
        self.skip = skip
        self.items: list = []  # ("t", text, link_len, block) | ("i", img_el, block)
        self.buf: list[str] = []
        self.link_len = 0
        self.blocks: list = []

    def flush(self) -> None:
        if self.buf:
            text = _norm("".join(self.buf))
            if text:
                block = self.blocks[-1] if self.blocks else None
                self.items.append(("t", text, self.link_len, block))
            self.buf = []
            self.link_len = 0

    def walk(self, el, in_link: bool = False) -> None:
        tag = el.tag
        if not isinstance(tag, str):
            return
        if el in self.skip:
            self.flush()
            return
        is_block = tag in _BLOCK_BREAK
        if tag == "br":
            self.flush()
            return
        if tag == "img":
            self.flush()
            self.items.append(("i", el, self.blocks[-1] if self.blocks else None))
            return
        if is_block:
            self.flush()
            self.blocks.append(el)
        link = in_link or tag == "a"
        if el.text:
            self.buf.append(el.text)
            if link:
                self.link_len += len(el.text.strip())
        for child in el:
            self.walk(child, link)
            if child.tail:
                self.buf.append(child.tail)
                if link:
                    self.link_len += len(child.tail.strip())
        if is_block:
            self.flush()
            self.blocks.pop()


def _centered(el) -> bool:
    for _ in range(2):
        if el is None:
            return False
        if el.tag == "center" or (el.get("align") or "").lower() == "center":
            return True
        if "center" in (el.get("style") or "").replace(" ", ""):
            return True
        el = el.getparent()
    return False


def _headline_like(block, text: str) -> bool:
    """A centered bold line or 《title》 under a picture opens a section; it is no caption."""
    if text.startswith("《") or block is None:
        return text.startswith("《")
    children = [c for c in block if isinstance(c.tag, str)]
    return (
        len(children) == 1
        and children[0].tag in ("strong", "b")
        and not (block.text or "").strip()
        and not (children[0].tail or "").strip()
    )


def _img_url(img, base: str) -> str | None:
    for attr in ("data-original", "data-src", "data-lazy-src", "data-url", "file", "src"):
        value = (img.get(attr) or "").strip()
        if value and not value.startswith("data:"):
            if attr == "src" and _BAD_IMG_RE.search(value.rsplit("/", 1)[-1]):
                return None
            return urljoin(base, value)
    return None


def _img_ok(img, url: str) -> bool:
    for attr in ("width", "height"):
        value = (img.get(attr) or "").strip().rstrip("px")
        if value.isdigit() and int(value) < 60:
            return False
    return not _BAD_IMG_RE.search(url)


def _body(containers: list, skip: set, title: str | None, base: str):
    walker = _Walker(skip)
    for container in containers:
        walker.walk(container)
        walker.flush()
    items = walker.items
    paragraphs: list[str] = []
    images: list[dict] = []
    link_lines = 0
    last_img: tuple | None = None  # (image dict, block of the image)
    for kind, *rest in items:
        if kind == "i":
            img, block = rest
            url = _img_url(img, base)
            if url and _img_ok(img, url) and all(url != i["url"] for i in images):
                entry = {"url": url, "caption": None}
                images.append(entry)
                last_img = (entry, block)
            continue
        text, link_len, block = rest
        prev_img, last_img = last_img, None
        if _is_stop(text):
            if paragraphs:
                break
            continue
        if prev_img is not None and prev_img[0]["caption"] is None and len(text) <= 80:
            entry, img_block = prev_img
            if (
                (block is not None and block.tag == "figcaption")
                or (block is not None and block is img_block)
                or _CAPTION_RE.search(text)
                or (_centered(block) and not _headline_like(block, text))
            ):
                entry["caption"] = text
                continue
        if link_len >= 0.5 * len(text):
            link_lines += len(text) >= 6
            continue
        if title and text == title:
            continue
        if len(text) < 40 and _JUNK_RE.match(text):
            continue
        paragraphs.append(text)
    return paragraphs, images, link_lines


# --- related (推荐阅读) -------------------------------------------------------------------


_MORE_LABELS = frozenset(("更多", "更多>>", "更多>", "more", "More", "MORE", ">>", "更多»"))


def _link_urls(anchors, base: str, urls: list[str]) -> None:
    for a in anchors:
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "mailto:", "#")):
            continue
        if _text(a) in _MORE_LABELS:
            continue
        url = urldefrag(urljoin(base, href))[0]
        if url not in urls:
            urls.append(url)


def _related_heading(hits: list):
    """The 推荐阅读 heading: its element, and whether its links sit inside it."""
    link_heading = None
    for node in hits:
        if "推荐" not in node and "相关" not in node and "延伸阅读" not in node:
            continue
        label = node.strip()
        if len(label) > 12 or not _RELATED_RE.match(label):
            continue
        el = node.getparent()
        if node.is_tail:
            el = el.getparent()
        if el.tag == "a":
            link_heading = link_heading if link_heading is not None else el
            continue
        if len(_text(el)) <= 20:
            return el, False
        if 0 < len(_xp(el, ".//a[@href]")) <= 60:
            return el, True  # "推荐阅读：<a>..</a><a>..</a>" on one line
    return link_heading, False


def _is_next_heading(sib, anchors: list) -> bool:
    """Another box starts (热门排行 ...): a heading tag or a short label without links."""
    if sib.tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
        return True
    if anchors:
        return False
    text = _text(sib)
    return 2 <= len(text) <= 12 and not any(c.isdigit() for c in text)


def _related(hits: list, base: str) -> list[str]:
    """Links under the 推荐阅读 heading, up to the next box."""
    heading, inline = _related_heading(hits)
    urls: list[str] = []
    if heading is None:
        return urls
    if inline:
        _link_urls(_xp(heading, ".//a[@href]"), base, urls)
        return urls
    node = heading.getparent() if heading.tag == "a" else heading
    for _ in range(4):
        done = False
        for sib in node.itersiblings():
            if not isinstance(sib.tag, str):
                continue
            anchors = [sib] if sib.tag == "a" else _xp(sib, ".//a[@href]")
            if urls and _is_next_heading(sib, anchors):
                done = True
                break
            if len(anchors) > 60:
                done = True
                break
            _link_urls(anchors, base, urls)
        if urls or done:
            break
        node = node.getparent()
        if node is None or node.tag in ("body", "html"):
            break
    return urls


# --- entry point -------------------------------------------------------------------------


def _is_list_like(paragraphs: list[str], link_lines: int) -> bool:
    """Lists show a date per entry or a headline link per summary."""
    dates = sum(1 for p in paragraphs if len(p) <= 25 and _DATE_ONLY_RE.match(p))
    return dates >= 3 or (link_lines >= 5 and 2 * link_lines >= len(paragraphs))


_SENTENCE_END = tuple("。！？!?”」）)…")


def _prose_len(paragraphs: list[str]) -> int:
    """Characters in paragraphs that read as sentences (footers and captions do not)."""
    return sum(
        len(p)
        for p in paragraphs
        if len(p) >= 15 and (p.endswith(_SENTENCE_END) or p.count("，") + p.count(",") >= 2)
    )


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
    for href in _xp(doc, "//base/@href"):
        base = urljoin(url, href.strip())
        break
    metas = _metas(doc)
    canonical = _xp(doc, "//link[@rel='canonical']/@href") or [_meta(metas, "og:url") or ""]
    if canonical[0].strip():
        art.canonical_url = urldefrag(urljoin(base, canonical[0].strip()))[0]
    meta_date = _meta_date(doc, metas)
    _drop_noise(doc)
    body = doc.find("body")
    if body is None:
        body = doc
    texts = _xp(body, ".//text()[normalize-space()]")
    # The few text runs that may hold a label (责任编辑, 关健词, 推荐阅读, 当前位置 ...).
    hits = [t for t in texts if _LABEL_HINT_RE.search(t)]
    title_el, art.title = _find_title(doc, body, metas)
    date_el, art.date_text = _date_line(title_el, body)
    if title_el is None and date_el is not None:
        title_el, above = _title_above(date_el)
        art.title = above or art.title
    art.source_text = _find_source(date_el, art.date_text, title_el, hits, metas, url)
    if date_el is None:
        art.date_text = meta_date
    else:
        art.date_text = _machine_date(date_el, art.date_text, meta_date)
    # 责任编辑 is the editor of record; a bare 编辑 only when no 责任编辑 is shown.
    editor_el, editor = _labelled(
        hits, _CHIEF_EDITOR_RE, ("责任编辑", "责编"), 40, _EDITOR_INLINE_RE
    )
    if not editor:
        editor_el, editor = _labelled(hits, _EDITOR_RE, ("编辑",), 40)
    if editor:
        line = _line(editor_el) if editor_el is not None else ""
        if _EDITOR_RE.match(line):
            editor = line
        art.editor_text = _cut_at_next_label(editor, _EDITOR_RE)
    kw_el, keywords = _labelled(
        hits, _KEYWORDS_RE, ("关健词", "关键词", "关键字", "标签", "Tag"), 120
    )
    if keywords:
        if kw_el is not None:
            keywords = _line(kw_el)  # keyword links often sit side by side without spaces
        art.keywords_text = _cut_at_next_label(keywords, _KEYWORDS_RE)
    art.section = _find_section(metas, hits, title_el, art.title)
    art.related = _related(hits, base)

    containers = _best_container(body, texts, title_el)
    if containers:
        # Never skip a labelled line that turned out to wrap the body itself.
        inside = set(containers[0].iterancestors()).union(containers)
        skip = {e for e in (title_el, date_el, editor_el, kw_el) if e is not None} - inside
        art.paragraphs, art.images, link_lines = _body(containers, skip, art.title, base)
    else:
        link_lines = 0
    prose = _prose_len(art.paragraphs)
    # A headline that is a link (a logo, a list entry) only counts with a date line.
    weak_title = title_el is None or bool(_xp(title_el, "ancestor-or-self::a or .//a"))
    art.is_article = bool(
        art.title
        and not _is_list_like(art.paragraphs, link_lines)
        and (prose >= 200 or (date_el is not None and prose >= 40))
        and (date_el is not None or not weak_title)
    )
    return art
