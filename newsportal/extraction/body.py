"""The article text read as a reader reads it: paragraphs in order, pictures with their
captions, stopping where the article ends."""

from __future__ import annotations

from urllib.parse import urljoin

from newsportal.extraction.dom import _norm, _text
from newsportal.extraction.patterns import (
    _CAPTION_RE,
    _IMG_TAGS,
    _JUNK_RE,
    _ORPHAN_CAPTION_RE,
    _RELATED_RE,
    _SENTENCE_END,
    _SENTENCE_PUNCT_RE,
    _bad_img,
    _is_pager,
    _is_stop,
)

# The little grey tag a reader sees in the corner of an ad box.
_AD_TAGS = frozenset(("广告", "推广", "赞助", "AD", "Ad", "ad", "Advertisement"))

# fmt: off
_BLOCK_BREAK = frozenset(
    (
        "p", "div", "td", "th", "tr", "table", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3",
        "h4", "h5", "h6", "blockquote", "section", "article", "header", "footer", "aside", "nav",
        "center", "pre", "figure", "figcaption", "address", "main", "caption", "hr", "form",
    )
)
# fmt: on

# Players as AMP/MIP pages write them, too.
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
            if attr == "src" and _bad_img(value.rsplit("/", 1)[-1]):
                return None
            return urljoin(base, value)
    return None


def _img_ok(img, url: str) -> bool:
    for attr in ("width", "height"):
        value = (img.get(attr) or "").strip().rstrip("px")
        if value.isdigit() and int(value) < 60:
            return False
    return not _bad_img(url)


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
