"""The section a page sits in: its breadcrumb (当前位置, a chain of links, a short list),
else the link to the page's own folder, else a meta tag."""

from __future__ import annotations

from urllib.parse import urldefrag, urljoin, urlsplit

from newsportal.extraction.dom import _line, _meta, _text, _xp
from newsportal.extraction.patterns import (
    _CRUMB_LABEL_RE,
    _CRUMB_SEP_RE,
    _CRUMB_SKIP,
    _CRUMB_SPLIT_RE,
)


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
    links = [next(li.iterdescendants("a"), None) for li in items]
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
        links = list(parent.iterchildren("a"))
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
                if len(list(parent.iterdescendants("a"))) > 4:
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
        return list(group.iterchildren("a"))[-1] is a
    return [c for c in group if isinstance(c.tag, str)][-1] is item
