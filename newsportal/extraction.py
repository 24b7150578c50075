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
- Hidden elements (``display:none``) are dropped unless they hold a lot of prose: some
  pages hide the article until a script reveals it; a hidden tab of links is dropped.
- The section comes from what reads as a breadcrumb (a 当前位置 label, a short chain of
  links before the headline, a short list starting at 首页); failing that, from the link
  that closes its group and points to the page's own folder (/china/ for
  /china/2024-06-05/1.html), never from a menu entry in the middle of the menu.
- An outlet printed without a label beside the date ("新京报 2024-06-05 17:21") is
  recognised by how outlet names end (…报, …网, …社, …新闻, …客户端).
- A page is no article when its densest text is one of several boxes shaped alike, each
  with a headline link (search results, summary lists), or when the nearest headline
  above its date line is a link (a section's lead story).
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
_SOURCE_LINE_RE = re.compile(
    r"^[\[【(（]?\s*(?:本文来源|文章来源|信息来源|新闻来源|来源于?|稿源)\s*[:：]"
)
_DATE_LABEL_RE = re.compile(r"(?:发布|更新|发表|时间|日期)")
_ABSOLUTE_DATE_RE = re.compile(rf"{_D}{{4}}")
# Labels that end the source part of a date/来源 line.
_AFTER_SOURCE_RE = re.compile(
    r"\s(?=\S*(?:浏览|阅读|点击|作者|责任编辑|编辑|发布|时间|日期|字号|字体|评论|分享|打印|"
    r"人参与|次)\S*)|[|｜【\[]|\s{2,}"
)
# Credits printed without colons: "编辑 张彤", "编辑 刘梦婕 校对 李立军".
_CREDIT_WORDS = "校对|审核|审校|监制|签发|终审|二审|三审|责编|作者|记者|摄影"
_BARE_NAME = rf"\s+(?=[^\s:：]{{2,8}}(?:\s+(?:{_CREDIT_WORDS})\s*[^\s:：]{{2,8}})*\s*[\]】)）]?$)"
# "责任编辑：代平", and the colon-less "编辑 张彤" when the line is only credits.
_EDITOR_RE = re.compile(rf"^[\[【(（]?\s*(?:责任编辑|责编|编辑)(?:\s*[:：]|{_BARE_NAME})")
_CHIEF_EDITOR_RE = re.compile(rf"^[\[【(（]?\s*(?:责任编辑|责编)(?:\s*[:：]|{_BARE_NAME})")
_EDITOR_INLINE_RE = re.compile(r"(?:责任编辑|责编)\s*[:：]")
# A bare 编辑 inside a credits line ("（审核：张强 编辑：刘洋）", "作者｜李明 编辑｜王芳"):
# new media print "｜" where others print a colon.
_BARE_EDITOR_INLINE_RE = re.compile(r"(?:^|(?<=[\s（(【\[]))编辑\s*[:：｜|]")
_LABEL_BAR_RE = re.compile(r"^([\[【(（]?\s*(?:责任编辑|责编|编辑))\s*[｜|]\s*")
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
_STOP_NOTICE_RE = re.compile(
    r"^[\[【(（]?\s*(?:免责声明|版权声明|特别声明|平台声明|广告声明|风险提示|本文来源)"
)


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
    r"^[【\[(（]?\s*(?:(?:字[号体]|阅读[数量]?|点击[数量]?|浏览次数|来源|作者|广告|推广)\s*[:：]|"
    r"(?:打印本页|关闭窗口|返回顶部|返回首页|返回列表|分享到|打印|收藏|分享|扫一扫|返回|关闭|举报|"
    r"原文链接)(?:$|[\s】\]）)|:：])|[图文]\s*/|[大中小]\s+[大中小]\s+[大中小]|"
    r"(?:广告|推广|AD|赞助)$)"
)
# A pager inside the text box ("共3页 1 2 3 下一页"): links and page words only.
_PAGER_RE = re.compile(r"^(?:[共第]\s*\d+\s*页|上一页|下一页|首页|尾页|末页|\d+|[<>«»]+|\s)+$")


def _is_pager(text: str) -> bool:
    """Page words or a run of page numbers; a lone number may be a table cell."""
    return bool(_PAGER_RE.match(text)) and ("页" in text or len(text.split()) >= 3)


_CAPTION_RE = re.compile(
    r"(?:^(?:视频|音频)[:：]|供图|(?:\s|摄|/)图$|摄$|摄\s*[)）]?$|摄影|图源|图片来源|资料图|图为|图[:：]|视觉中国|新华社发|"
    r"记者\S{0,8}摄|[（(]图[）)]|图片[:：])"
)
# A caption whose picture did not come through (lazy-loaded, script-drawn): a short
# line ending in a photo credit is still a caption, never a paragraph.
_ORPHAN_CAPTION_RE = re.compile(r"(?:供图|(?<!拍)摄|图片来源[:：]\S+|资料图)\s*[)）]?$")
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


# A headline wrapped in the source ("<h1>保山：咖啡产业<br>\n上线运行</h1>") reads as one
# line with no space: CSS drops a line break between two East Asian characters.
_WIDE = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"
_WIDE_BREAK_RE = re.compile(rf"(?<=[{_WIDE}])[ \t\r]*\n\s*(?=[{_WIDE}])")


def _heading_text(el) -> str:
    text = _STRING(el)
    return _norm(_WIDE_BREAK_RE.sub("", text) if "\n" in text else text)


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
    # Hidden popups, sub-menus, QR boxes and link tabs go; a big hidden block of prose
    # stays, because some pages (WeChat, tabbed CMS) hide the article until a script
    # shows it.
    for el in _xp(doc, "//*[@hidden or @style]"):
        if el.get("hidden") is None and not _HIDDEN_STYLE_RE.search(el.get("style")):
            continue
        if el.tag in ("html", "body") or (_HIDDEN_TEXT_LEN(el) >= 200 and _link_density(el) < 0.5):
            continue  # hidden prose: an article a script reveals; hidden links: a tab
        _drop(el)


# The little grey tag a reader sees in the corner of an ad box.
_AD_TAGS = frozenset(("广告", "推广", "赞助", "AD", "Ad", "ad", "Advertisement"))


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
        text = _heading_text(el)
        if not text or len(text) > 150:
            continue
        score = 0.0
        if (og_title and text == og_title) or (main and text == main):
            score = 3.0 * len(text)
        elif page_title and text in page_title:
            score = 2.0 * len(text)
        elif main and main in text:
            score = 2.0 * len(main)
            if len(text) - len(main) <= 6:
                text = main  # a badge in the heading ("<span>原创</span>标题") is no title
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
        hits = [h for h in hits if not _inside_sentence(h)]
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
        if _linked(best) and best_text != main and page_title.endswith(best_text):
            return None, wanted or None  # the logo (<h1><a>九龙网</a></h1>) names the site
        return best, best_text
    return None, wanted or None


def _inside_sentence(el) -> bool:
    """A highlighted word in a sentence (<p>…召开<em>防汛</em>抗旱…</p>) is no headline:
    a headline is alone on its line."""
    if el.tag not in _INLINE:
        return False
    parent = el.getparent()
    return parent is not None and len(_text(parent)) > len(_text(el)) + 4


def _linked(el) -> bool:
    parent = el.getparent()
    return (
        el.tag == "a" or el.find(".//a") is not None or (parent is not None and parent.tag == "a")
    )


def _title_above(date_el):
    """No usable <title>: the headline is the short, unlinked text right above the date.

    Returns (element, text, teaser): ``teaser`` is True when the nearest headline above
    the date is a link to another page, so the date belongs to a list entry.
    """
    for el in _xp(date_el, "preceding::*[position() <= 12]")[::-1]:
        if el.tag in _NOISE_TAGS or el.tag in ("a", "br", *_IMG_TAGS):
            continue
        text = _text(el)
        if not 5 <= len(text) <= 80 or _DATE_RE.search(text):
            continue
        if not _linked(el):
            return el, text, False
        links = el.findall(".//a")
        if len(links) == 1 and len(_text(links[0])) >= max(8, 0.8 * len(text)):
            return None, None, True
    return None, None, False


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
        if not m or m.start() > 40 or len(_SENTENCE_PUNCT_RE.findall(text)) >= 2:
            continue
        if "星期" in text and not (_TIME_RE.search(text) or _SOURCE_RE.search(text)):
            continue  # "今天是2026年11月29日 星期日": the top bar's calendar
        links = _xp(el, ".//a")
        if len(links) >= 4 or any(len(_text(a)) >= 12 for a in links):
            continue  # a headline link with its date: a teaser, not the date line
        if seen_prose and not _DATE_LABEL_RE.search(text[: m.start() + 1]):
            continue
        return _whole_date_line(el, text)
    return None, None


_TIME_RE = re.compile(rf"{_D}{{1,2}}\s*[:：时]\s*{_D}{{2}}")


def _whole_date_line(el, text: str):
    """A date split into boxes (<span>2024年06月05日</span> <span>星期三</span>
    <span>09:12</span>) is one line to a reader: read it whole, or the time is lost."""
    node = el
    for _ in range(2):
        if _TIME_RE.search(text):
            break
        parent = node.getparent()
        if parent is None or parent.tag in ("body", "html"):
            break
        ptext = _text(parent)
        if len(ptext) > 160 or len(_SENTENCE_PUNCT_RE.findall(ptext)) >= 2:
            break
        if _TIME_RE.search(ptext) and len(_xp(parent, ".//a")) < 4:
            return parent, _line(parent)
        node, text = parent, ptext
    return el, _line(el)


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
    if m is None:
        return date_text
    if _ABSOLUTE_DATE_RE.match(m.group(0)):
        return _finer_machine_date(date_el, date_text)
    for value in _xp(date_el, "descendant-or-self::time/@datetime"):
        if _norm(value):
            return _norm(value)
    return meta_date or date_text


_DIGITS_RE = re.compile(r"[0-9０-９]+")
# A date down to the minute, no seconds: 2024-06-05 16:33, 2024年06月05日 16:33.
_MINUTE_RE = re.compile(
    rf"{_D}{{4}}\D{{1,3}}{_D}{{1,2}}\D{{1,3}}{_D}{{1,2}}\D{{1,3}}{_D}{{1,2}}\s*[:：]\s*{_D}{{2}}"
    rf"(?!\s*[:：]\s*{_D})"
)
_ISO_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})")


def _finer_machine_date(date_el, date_text: str) -> str:
    """``<time datetime="2024-06-05T16:33:17+08:00">2024年06月05日 16:33</time>``: the
    reader sees the minute, the attribute keeps the second. When both name the same
    minute, the attribute is the same date, only finer: its seconds are added."""
    values = _xp(date_el, "descendant-or-self::time/@datetime")
    if not values:
        return date_text
    value = _norm(values[0])
    iso = _ISO_RE.match(value)
    if iso is None or iso.group(6) == "00":
        return date_text
    m = _DATE_RE.search(date_text)
    minute = _MINUTE_RE.match(date_text, m.start()) if m else None
    if minute is None:
        return date_text  # seconds already shown, or no time: what is printed wins
    shown = [int(d.translate(_FULLWIDTH_DIGITS)) for d in _DIGITS_RE.findall(minute.group(0))]
    if shown != [int(g) for g in iso.groups()[:5]]:
        return date_text  # another instant (updated, or a different time zone)
    # The printed line, made as fine as the attribute: still what a reader sees, plus seconds.
    return f"{date_text[: minute.end()]}:{iso.group(6)}{date_text[minute.end() :]}"


_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
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


# "来源于 财新网", "来源 新华社": a label without its colon, on the date line only.
_BARE_SOURCE_RE = re.compile(r"(?<![图据])(?:来源于|来源|稿源)\s+(?=\S)")
# What an outlet's name ends with (新京报, 每日经济新闻, 央视网, 新华社, 上游新闻客户端).
_OUTLET_RE = re.compile(
    r"^[\u4e00-\u9fffA-Za-z0-9]{2,12}(?:网|报|社|台|新闻|客户端|周刊|杂志|频道|传媒|中心)$"
)
# Channel names look like outlets ("国内新闻", "本地新闻") but name a section.
_SECTION_NAME_RE = re.compile(
    r"^(?:国内|国际|本地|社会|财经|体育|娱乐|科技|军事|图片|视频|滚动|要闻|综合|地方|时政|教育)新闻$"
)
_TOKEN_SPLIT_RE = re.compile(r"[\s|｜·•/]+")


def _unlabelled_source(date_text: str) -> str | None:
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
        if _OUTLET_RE.match(token) and not _SECTION_NAME_RE.match(token):
            return token
    return None


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
        if found:
            return found
    links = []
    if date_el is not None:
        for a in date_el.iter("a"):
            text = _text(a)
            if 2 <= len(text) <= 20 and not _DATE_RE.search(text) and not _after_label(a):
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
    for line in _date_neighbours(date_el, date_text):
        found = _unlabelled_source(line)
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
        parent = el.getparent()
        if len(node.strip()) <= 6 and parent is not None and label_re.match(_text(parent)):
            return _label_line(parent, label_re, maxlen)  # <span>责任编辑</span>：<span>代平
        own = label_re.match(node.strip())
        if own:
            # The label opens a text run in the middle of a wider element.
            text = _norm(node)
            if own.end() >= len(node.strip()):
                text = _value_after_label(el, text)
            return (None if node.is_tail else el), text
        if inline is None and inline_re is not None:
            text = _norm(node)
            m = inline_re.search(text)
            if m and len(text) - m.start() <= maxlen:
                value = text[m.start() :]
                if not inline_re.fullmatch(value):
                    inline = (el, value)
                elif len(_line(el)) <= 2 * maxlen:
                    inline = (el, _value_after_label(el, value))
    return inline or (None, None)


def _value_after_label(el, label: str) -> str:
    """A label alone in its text run ("责编：<span>远洋</span>"): its value is what the
    reader sees next on the same line."""
    line = _line(el)
    at = line.find(label)
    return line[at:] if at >= 0 else label


def _find_editor(hits: list):
    """责任编辑 is the editor of record; a bare 编辑 only when no 责任编辑 is shown
    ("编辑：杨丽 责任编辑：段明" gives 段明)."""
    for label_re, words, inline_re in (
        (_CHIEF_EDITOR_RE, ("责任编辑", "责编"), _EDITOR_INLINE_RE),
        (_EDITOR_RE, ("编辑",), _BARE_EDITOR_INLINE_RE),
    ):
        el, text = _labelled(hits, label_re, words, 40, inline_re)
        if not text:
            continue
        line = _line(el) if el is not None else ""
        if label_re.match(line):
            text = line  # minified pages split label and name into boxes
        else:
            el = None  # a credits line ("作者｜李明 编辑｜王芳") may still be body text
        text = _LABEL_BAR_RE.sub(r"\1：", text)
        return el, _cut_at_next_label(text, label_re)
    return None, None


# What may follow an editor or keywords on the same line: another label, a widget, a notice.
_NEXT_LABEL_RE = re.compile(
    r"\s*(?:(?:责任编辑|责编|编辑|关健词|关键词|关键字|来源|作者|校对|审核|审校|监制|签发|选稿|"
    r"评论|点击|浏览|阅读|版权声明|声明)\s*[:：]|[【\[]|"
    r"(?:打印|关闭|纠错|分享到?|返回)(?:本页|此页|窗口|顶部)?(?=\s|$))"
    rf"|\s+(?:{_CREDIT_WORDS})\s+(?=\S)"
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


def _crumb_list(lst, title: str | None, url: str) -> str | None:
    """A breadcrumb drawn as a short list whose separators are CSS (<ol><li>首页</li>
    <li>新闻</li><li>国内新闻</li></ol>). It starts at the home page or the site; what
    tells it from a short menu is either its mark (schema.org BreadcrumbList, an ARIA
    label) or its last link being a folder of the page's own URL."""
    if lst is None or lst.tag not in ("ol", "ul") or len(lst) > 12:
        return None
    if any(li.tag != "li" for li in lst):
        return None
    # Separators may be items of their own (<li aria-hidden="true">/</li>).
    items = [li for li in lst if not _CRUMB_SEP_RE.match(_text(li))]
    if not 2 <= len(items) <= 6:
        return None
    first = _text(items[0])
    if first not in _CRUMB_SKIP and not first.endswith("网"):
        return None
    links = [li.find(".//a") for li in items]
    if any(link is None for link in links[:-1]):
        return None
    holder = lst.getparent()
    marks = [*lst.attrib.values(), *(holder.attrib.values() if holder is not None else ())]
    marked = "crumb" in " ".join(marks).lower()
    last = links[-1] if links[-1] is not None else links[-2]
    folder = urljoin(url, (last.get("href") or "").strip())
    if not marked and not (folder.endswith("/") and url.startswith(folder) and folder != url):
        return None
    if urlsplit(folder).path in ("", "/") and not marked:
        return None
    texts = [_text(li) for li in items]
    for text in reversed(texts[1:]):
        if text and text not in _CRUMB_SKIP and len(text) <= 20 and text != title:
            return text
    return None


def _find_section(metas, hits: list, title_el, title: str | None, url: str) -> str | None:
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
        if parent.tag == "li" and parent.getparent() not in parents_seen:
            parents_seen.add(parent.getparent())
            section = _crumb_list(parent.getparent(), title, url)
            if section:
                return section
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
    # 4. the link to this page's own folder (/china/ for /china/2024-06-05/1.html).
    if title_el is not None:
        section = _folder_link(_xp(title_el, "preceding::a[position() <= 200]"), url)
        if section:
            return section
    return _meta(metas, "article:section", "og:article:section", "section")


def _folder_link(anchors, url: str) -> str | None:
    """The section a page sits in, when no breadcrumb says it: the link above the
    headline to the deepest folder of the page's own URL that closes its group (a
    "you are here" entry at the end of the menu, a crumb whose separators are
    pictures). A menu entry in the middle of the menu is only a way elsewhere."""
    best, depth = None, 1
    page = urldefrag(url)[0]
    for a in anchors:
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "#")):
            continue
        folder = urljoin(url, href).split("?", 1)[0]
        if not folder.endswith("/") or not page.startswith(folder) or folder == page:
            continue
        path = urlsplit(folder).path
        text = _text(a)
        deeper = path.count("/") > depth and 2 <= len(text) <= 10
        if deeper and text not in _CRUMB_SKIP and _closes_group(a):
            best, depth = text, path.count("/")
    return best


def _closes_group(a) -> bool:
    item = a.getparent() if a.getparent() is not None and a.getparent().tag == "li" else a
    group = item.getparent()
    if group is None:
        return False
    if item is a:
        return group.findall("a")[-1] is a
    return [c for c in group if isinstance(c.tag, str)][-1] is item


# --- body --------------------------------------------------------------------------------


# 网友评论, 读者留言, 热门跟帖, 全部回复（15）...: a heading, so the word ends the line or
# is followed by a count.
_COMMENT_HEAD_RE = re.compile(
    r"^[\[【(（]?\s*(?:\S{0,4}(?:评论|点评|跟贴|跟帖|留言)区?|全部回复|网友回复|说两句)"
    r"(?=$|\s|[（(\[【:：\d])"
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


def _best_container(body, texts: list, title_el=None, end_el=None) -> list:
    """The block holding the article text, scored like readability.

    Every block of prose scores 1 + its Chinese punctuation + up to 3 for length; the score
    goes to the block, its parent and (halved) its grandparent, so the container that holds
    the most punctuated prose wins. Link-heavy blocks (menus, lists) score nothing, and
    prose far from the headline, under a 评论 heading or after the line that closes the
    article (``end_el``: 责任编辑, 关健词) is discounted.
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
    after_end = _after_end(ranked, title_el, top, end_el)
    best, best_score = None, -1.0
    for el, score in ranked:
        if score <= best_score:
            break  # ranked by score, and the final score never exceeds it
        final = score * (1.0 - _link_density(el)) * _position_factor(el, title_el, top, title_line)
        if el in after_end:
            final *= 0.1  # comments or teasers below 责任编辑: the article ended above
        if _is_comments(el):
            final *= 0.05  # readers' prose can outweigh a short article
        elif _is_teaser_list(el, blocks.get(el, 0)):
            final *= 0.2
        if final > best_score:
            best, best_score = el, final
    if best.tag == "p" and best.getparent() is not None and best.getparent().tag != "body":
        best = best.getparent()  # a paragraph is never the whole text box
    return _with_siblings(best, scores, title_el)


def _after_end(ranked: list, title_el, top: float, end_el) -> set:
    """Candidates that start below the article's closing line (责任编辑, 关健词), when
    another candidate lies between the headline and that line. A closing line at the
    top (作者｜X 编辑｜Y under the headline) has nothing above it and changes nothing."""
    if end_el is None or title_el is None:
        return set()
    end = _DOC_INDEX(end_el)
    if end <= top:
        return set()
    where = {el: _DOC_INDEX(el) for el, _ in ranked}
    if not any(top < here < end for here in where.values()):
        return set()
    return {el for el, here in where.items() if here > end}


def _link_density(el) -> float:
    total = len(_WS_RE.sub("", _STRING(el)))
    link = sum(len(_WS_RE.sub("", t)) for t in _xp(el, ".//a//text()"))
    return link / total if total else 1.0


def _is_figure(el) -> bool:
    """A box with a real picture (no icon) and at most a caption's worth of text."""
    imgs = [el] if el.tag in _IMG_TAGS else list(el.iter(*_IMG_TAGS))
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


# Pictures and players as AMP/MIP pages write them, too.
_IMG_TAGS = ("img", "amp-img", "mip-img")
_PLAYER_TAGS = frozenset(("video", "audio", "amp-video", "mip-video"))


class _Walker:
    """Flatten a container into reader lines: text runs split at blocks and <br>, and at
    line breaks inside <pre> (text pages converted from PDF or Word)."""

    def __init__(self, skip: set):
        self.skip = skip
        # ("t", text, link_len, block) | ("i", img_el, block) | ("v", player_el, block)
        self.items: list = []
        self.buf: list[str] = []
        self.link_len = 0
        self.blocks: list = []
        self.pre = 0
        self.ads: set = set()  # boxes tagged 广告: however much they read like prose

    def add(self, text: str, link: bool) -> None:
        if self.pre and "\n" in text:
            first, *lines = text.split("\n")
            self.add(first, link)
            for line in lines:
                self.flush()
                self.add(line, link)
            return
        self.buf.append(text)
        if link:
            self.link_len += len(text.strip())

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
        if not len(el) and el.text and el.text.strip() in _AD_TAGS:
            box = el.getparent()
            if box is not None and len(_text(box)) <= 120:
                self.ads.add(box)
        if tag in _IMG_TAGS or tag in _PLAYER_TAGS:
            self.flush()
            kind = "v" if tag in _PLAYER_TAGS else "i"
            self.items.append((kind, el, self.blocks[-1] if self.blocks else None))
            return
        if is_block:
            self.flush()
            self.blocks.append(el)
        self.pre += tag == "pre"
        link = in_link or tag == "a"
        if el.text:
            self.add(el.text, link)
        for child in el:
            self.walk(child, link)
            if child.tail:
                self.add(child.tail, link)
        self.pre -= tag == "pre"
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


def _label_like(text: str) -> bool:
    """Right under a picture, a short line that is no sentence ("新闻发布会现场") labels
    the picture; the text itself opens with a full sentence."""
    return len(text) <= 40 and not text.endswith(_SENTENCE_END) and "，" not in text


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
    last_block = inset = None  # block of the last paragraph; a 相关阅读 box set into the text
    for kind, *rest in items:
        if kind == "v":
            last_img = ({"caption": None}, rest[1])  # a player's caption goes nowhere
            continue
        if kind == "i":
            img, block = rest
            url = _img_url(img, base)
            if url and _img_ok(img, url) and all(url != i["url"] for i in images):
                entry = {"url": url, "caption": None}
                images.append(entry)
                last_img = (entry, block)
            continue
        text, link_len, block = rest
        if block is not None and (block in walker.ads or block.getparent() in walker.ads):
            continue
        prev_img, last_img = last_img, None
        if _is_stop(text):
            if not paragraphs:
                continue
            inset = _inset_box(block, last_block) if _RELATED_RE.match(text) else None
            if inset is None:
                break
            continue
        if inset is not None:
            if not _resumes(text, link_len, block, inset):
                continue
            inset = None
        if prev_img is not None and prev_img[0]["caption"] is None and len(text) <= 80:
            entry, img_block = prev_img
            if (
                (block is not None and block.tag == "figcaption")
                or (block is not None and block is img_block)
                or _CAPTION_RE.search(text)
                or ((_centered(block) or _label_like(text)) and not _headline_like(block, text))
            ):
                entry["caption"] = text
                continue
        if prev_img is None and len(text) <= 50 and _ORPHAN_CAPTION_RE.search(text):
            continue
        if link_len >= 0.5 * len(text):
            link_lines += len(text) >= 6
            continue
        if title and text == title:
            continue
        if len(text) < 40 and (_JUNK_RE.match(text) or _is_pager(text)):
            continue
        paragraphs.append(text)
        last_block = block
    return paragraphs, images, link_lines


def _inset_box(heading_block, last_block):
    """A 相关阅读 heading inside a box that sits among the paragraphs (not one of them)
    marks a box set into the text: the article goes on after it. The box is returned;
    None means the heading closes the text."""
    if heading_block is None or last_block is None or len(_text(heading_block)) > 40:
        return None
    parent = last_block.getparent()
    node = heading_block
    while node is not None and node.getparent() is not parent:
        node = node.getparent()
    return None if node is None or node is heading_block else node


def _resumes(text: str, link_len: int, block, inset) -> bool:
    """Prose again beside the paragraphs, after the box set into the text."""
    return (
        block is not None
        and block is not inset
        and block.getparent() is inset.getparent()
        and len(text) >= 20
        and link_len < 0.5 * len(text)
        and bool(_SENTENCE_PUNCT_RE.search(text))
    )


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
        el = node.getparent()
        if node.is_tail:
            el = el.getparent()
        if len(label) > 12:
            continue
        if not _RELATED_RE.match(label):
            el = _styled_label(el, _RELATED_RE)
            if el is None:
                continue
        if el.tag == "a":
            link_heading = link_heading if link_heading is not None else el
            continue
        if len(_text(el)) <= 20:
            return el, False
        if 0 < len(_xp(el, ".//a[@href]")) <= 60:
            return el, True  # "推荐阅读：<a>..</a><a>..</a>" on one line
    return link_heading, False


def _styled_label(el, label_re: re.Pattern):
    """A heading styled in parts (<h2><span>推荐</span>阅读</h2>) reads as one label."""
    for _ in range(2):
        if el is None or el.tag in ("body", "html"):
            return None
        text = _text(el)
        if len(text) > 12:
            return None
        if label_re.match(text):
            return el
        el = el.getparent()
    return None


def _is_next_heading(sib, anchors: list) -> bool:
    """Another box starts (热门排行 ...): a heading tag or a short label without links,
    alone or opening a box of its own."""
    if sib.tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
        return True
    if anchors:
        first = next((c for c in sib if isinstance(c.tag, str)), None)
        return (
            first is not None
            and not (sib.text or "").strip()
            and first.find(".//a") is None
            and first.tag != "a"
            and _is_label(_text(first))
        )
    return _is_label(_text(sib))


_BOX_HEADING_TAGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6", "dt", "strong", "b", "th"))


def _opens_box(el) -> bool:
    """A box of links under a heading of its own (<dl><dt><strong>热点排行</strong></dt>...,
    <aside><h3>24小时热榜</h3><ol>...): its first text is a short unlinked heading."""
    first = _xp(el, "descendant-or-self::text()[normalize-space()][1]")
    if not first:
        return False
    holder = first[0].getparent()
    if first[0].is_tail or holder.tag not in _BOX_HEADING_TAGS:
        return False
    if _xp(holder, "ancestor-or-self::a"):
        return False
    if holder.tag in ("strong", "b") and holder.getparent().find(".//a") is not None:
        return False  # a bold tag of an entry (<li><b>[国内]</b><a>..</a>), not a heading
    text = first[0].strip()
    return 2 <= len(text) <= 12 and not _DATE_RE.search(text)


def _is_label(text: str) -> bool:
    return 2 <= len(text) <= 12 and not any(c.isdigit() for c in text)


def _image_heading(body):
    """Old templates draw the 推荐阅读 heading as a picture; its alt text is the label."""
    for img in _xp(body, ".//img[@alt]"):
        alt = img.get("alt").strip()
        if len(alt) <= 12 and _RELATED_RE.match(alt):
            return img
    return None


def _related(hits: list, base: str, body) -> list[str]:
    """Links under the 推荐阅读 heading, up to the next box."""
    heading, inline = _related_heading(hits)
    if heading is None:
        heading = _image_heading(body)
    urls: list[str] = []
    if heading is None:
        return urls
    if inline:
        _link_urls(_xp(heading, ".//a[@href]"), base, urls)
        return urls
    node = heading
    for level in range(4):
        done = False
        for sib in node.itersiblings():
            if not isinstance(sib.tag, str):
                continue
            anchors = [sib] if sib.tag == "a" else _xp(sib, ".//a[@href]")
            if urls and _is_next_heading(sib, anchors):
                done = True
                break
            if level and anchors and _opens_box(sib):
                done = True  # the 推荐阅读 box was empty; what follows is another box
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
        title_el, above, teaser = _title_above(date_el)
        art.title = above or art.title
        if teaser:
            date_el = art.date_text = None
    art.source_text = _find_source(date_el, art.date_text, title_el, hits, metas, url)
    if date_el is None:
        art.date_text = meta_date
    else:
        art.date_text = _machine_date(date_el, art.date_text, meta_date)
    editor_el, art.editor_text = _find_editor(hits)
    kw_el, keywords = _labelled(
        hits, _KEYWORDS_RE, ("关健词", "关键词", "关键字", "标签", "Tag"), 120
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
    prose = _prose_len(art.paragraphs)
    # A headline that is a link (a logo, a list entry) only counts with a date line.
    weak_title = title_el is None or bool(_xp(title_el, "ancestor-or-self::a or .//a"))
    # A short piece (快讯, a photo story) counts under a real headline and its date line.
    short_ok = (
        date_el is not None
        and not weak_title
        and len(art.title or "") >= 8
        and (prose >= 15 or bool(art.images))
    )
    art.is_article = bool(
        art.title
        and not list_entry
        and not _is_list_like(art.paragraphs, link_lines)
        and (prose >= 200 or (date_el is not None and prose >= 40) or short_ok)
        and (date_el is not None or not weak_title)
    )
    return art
