"""推荐阅读: the links under the related-articles heading, up to the next box."""

from __future__ import annotations

import re
from urllib.parse import urldefrag, urljoin

from newsportal.extraction.dom import _text, _xp
from newsportal.extraction.patterns import _DATE_RE, _RELATED_RE

_MORE_LABELS = frozenset(("更多", "更多>>", "更多>", "more", "More", "MORE", ">>", "更多»"))


def _links(el) -> list:
    """``.//a[@href]``, by lxml's tag filter (no XPath evaluation)."""
    return [a for a in el.iterdescendants("a") if a.get("href") is not None]


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
        if 0 < len(_links(el)) <= 60:
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
            and next(first.iterdescendants("a"), None) is None
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
    if holder.tag == "a" or next(holder.iterancestors("a"), None) is not None:
        return False
    if (
        holder.tag in ("strong", "b")
        and next(holder.getparent().iterdescendants("a"), None) is not None
    ):
        return False  # a bold tag of an entry (<li><b>[国内]</b><a>..</a>), not a heading
    text = first[0].strip()
    return 2 <= len(text) <= 12 and not _DATE_RE.search(text)


def _is_label(text: str) -> bool:
    return 2 <= len(text) <= 12 and not any(c.isdigit() for c in text)


def _image_heading(body):
    """Old templates draw the 推荐阅读 heading as a picture; its alt text is the label."""
    for img in body.iterdescendants("img"):
        if img.get("alt") is None:
            continue
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
        _link_urls(_links(heading), base, urls)
        return urls
    node = heading
    for level in range(4):
        done = False
        for sib in node.itersiblings():
            if not isinstance(sib.tag, str):
                continue
            anchors = [sib] if sib.tag == "a" else _links(sib)
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
