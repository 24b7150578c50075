"""The headline: the heading that repeats the page ``<title>``, else the short unlinked line
right above the date."""

from __future__ import annotations

import re

from newsportal.extraction.dom import _meta, _norm, _string, _text, _xp
from newsportal.extraction.patterns import (
    _DATE_RE,
    _HEADINGS,
    _IMG_TAGS,
    _INLINE,
    _NOISE_TAGS,
    _SITE_SEP_RE,
)

# A headline wrapped in the source ("<h1>保山：咖啡产业<br>\n上线运行</h1>") reads as one
# line with no space: CSS drops a line break between two East Asian characters.
_WIDE = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"
_WIDE_BREAK_RE = re.compile(rf"(?<=[{_WIDE}])[ \t\r]*\n\s*(?=[{_WIDE}])")


def _heading_text(el) -> str:
    text = _string(el)
    if len(el) and _DATE_RE.search(text):
        head = _before_date_line(el)
        if head:
            text = head
    return _norm(_WIDE_BREAK_RE.sub("", text) if "\n" in text else text)


def _before_date_line(el) -> str | None:
    """The headline when the template prints the date line inside the heading (PHPCMS v9:
    ``<h1>标题<br /><span>2024-06-05 16:33:17 来源：…</span></h1>``): the text before the
    line break, or before a closing box, that holds a date. A date inside the headline's
    own words (<h1>国务院<em>2024年6月5日</em>召开常务会议</h1>) is left alone: it is
    neither after a break nor the heading's last box."""
    parts = [el.text or ""]
    children = [c for c in el if isinstance(c.tag, str)]
    for i, child in enumerate(children):
        head = "".join(parts).strip()
        if child.tag == "br":
            rest = (child.tail or "") + "".join(
                _string(c) + (c.tail or "") for c in children[i + 1 :]
            )
            if len(head) >= 4 and _DATE_RE.search(rest):
                return head
        elif len(head) >= 4 and _DATE_RE.search(_string(child)):
            after = (child.tail or "") + "".join(
                _string(c) + (c.tail or "") for c in children[i + 1 :]
            )
            if not _norm(after) or _DATE_RE.match(_norm(_string(child))):
                return head
        parts.append(_string(child) + (child.tail or "") if child.tag != "br" else "\n")
        parts.append("" if child.tag != "br" else (child.tail or ""))
    return None


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


def _find_title(page_title: str, body, metas):
    """The headline element and its text.

    The headline is the heading that repeats the longest piece of ``<title>`` (its text
    as :func:`~newsportal.extraction.dom._page_title` reads it); portal logos are headings
    too, so a heading that is only the site name loses to a longer one.
    """
    og_title = _meta(metas, "og:title", "twitter:title") or _article_title(metas, page_title)
    main = _strip_site_suffix(page_title) if page_title else ""
    best, best_text, best_score = None, "", 0.0
    for el in body.iter(*_HEADINGS, "h4"):
        text = _heading_text(el)
        if not text or len(text) > 150 or text.startswith(("—", "--")):
            continue  # "——我市今年改造老旧小区120个": the subtitle under the headline
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
        if not og_title or best_text in og_title or best_text not in page_title:
            return best, best_text
        # The heading only repeats <title> (a logo <h1> on a page whose <title> is the site
        # name) while the title meta names something else: the line that shows the meta's
        # title is the headline, if there is one.
        shown = _shown_alone(body, og_title)
        return shown if shown is not None else (best, best_text)
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


def _shown_alone(body, wanted: str):
    """The unlinked element whose own text is exactly ``wanted``, alone on its line."""
    hits = _xp(
        body,
        ".//*[normalize-space(text())=$t][not(self::a) and not(ancestor::a) and not(self::option)]",
        t=wanted,
    )
    hits = [h for h in hits if not _inside_sentence(h)]
    return (hits[0], wanted) if hits else None


def _article_title(metas, page_title: str) -> str | None:
    """TRS government templates' ``<meta name="ArticleTitle">``: evidence, not truth. A
    template left with its default says the site's name (SiteName, or all of ``<title>``
    on a page whose ``<title>`` was never filled in), which no article is titled."""
    value = _meta(metas, "ArticleTitle")
    if not value:
        return None
    site = _meta(metas, "SiteName")
    if value == site or (page_title and value == page_title and site and site in value):
        return None
    return value


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
        el.tag == "a"
        or next(el.iterdescendants("a"), None) is not None
        or (parent is not None and parent.tag == "a")
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
        links = list(el.iterdescendants("a"))
        if len(links) == 1 and len(_text(links[0])) >= max(8, 0.8 * len(text)):
            return None, None, True
    return None, None, False
