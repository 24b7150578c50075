"""The parsed page: one lxml parse, removal of what a reader never sees, the ``<meta>`` values,
and the text helpers every other module reads the page through."""

from __future__ import annotations

import threading
from functools import lru_cache

from lxml import etree

from newsportal.extraction.patterns import (
    _CTRL_BYTES,
    _CTRL_RE,
    _HIDDEN_STYLE_RE,
    _NOISE_TAGS,
    _XML_DECL_RE,
)


def _norm(text: str | None) -> str:
    return " ".join(text.split()) if text else ""


def _plain_xpath(path: str) -> etree.XPath:
    """An XPath compiled once, returning plain ``str`` results: the "smart" strings lxml
    builds by default (each keeping a reference to its parent element) cost an object per
    result, and only the text runs that are traced back to their element need them. No
    expression here uses the EXSLT regular expressions lxml registers on every call unless
    told not to (``regexp=False``)."""
    return etree.XPath(path, regexp=False, smart_strings=False)


def _string(el) -> str:
    """All the text inside element ``el``, as XPath's ``string()`` reads it, from libxml2's
    text serialiser: the same characters for half the cost of an XPath evaluation."""
    return etree.tostring(el, method="text", encoding="unicode", with_tail=False)


_LOCAL = threading.local()  # lxml parsers must not be shared between threads


def _parser(encoding: str | None = None) -> etree.HTMLParser:
    """This thread's parser for str input (``encoding`` None) or for bytes in ``encoding``."""
    parsers = getattr(_LOCAL, "parsers", None)
    if parsers is None:
        parsers = _LOCAL.parsers = {}
    parser = parsers.get(encoding)
    if parser is None:
        # huge_tree: libxml2 otherwise stops at 256 levels of nesting and silently drops
        # the rest, so an article nested deeper (table-in-table layouts, broken markup that
        # never closes a tag) would come out with an empty body.
        parser = parsers[encoding] = etree.HTMLParser(
            remove_comments=True,
            remove_pis=True,
            no_network=True,
            huge_tree=True,
            encoding=encoding,
        )
    return parser


@lru_cache(maxsize=256)
def _compiled(path: str) -> etree.XPath:
    return etree.XPath(path, regexp=False)


def _xp(el, path: str, **variables):
    """XPath with the expression compiled once per process, not once per call."""
    return _compiled(path)(el, **variables)


def _text(el) -> str:
    return _norm(_string(el))


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


def _parse(html: str):
    """Parse once; None when there is nothing to parse.

    lxml refuses str input that carries an XML encoding declaration and strings with
    control characters, both common in saved Chinese pages.

    The page goes to libxml2 as UTF-8 bytes with the encoding stated (a ``<meta charset>``
    in the page cannot override it): a str of Chinese text would reach it as UTF-16, which
    libxml2 converts before parsing, a tenth of the parse. Control characters are removed
    from those bytes (``bytes.translate``, several times faster than a regex over the text):
    in UTF-8 each is one byte that no other character's encoding contains. A str that UTF-8
    cannot encode (lone surrogates) is parsed as str, as before: libxml2 then keeps the
    text up to the first of them.
    """
    if not html or not html.strip():
        return None
    html = _XML_DECL_RE.sub("", html, count=1)
    try:
        data = html.encode("utf-8")
    except UnicodeEncodeError:
        data = None
    try:
        if data is not None:
            return etree.fromstring(data.translate(None, _CTRL_BYTES), _parser("utf-8"))
        return etree.fromstring(_CTRL_RE.sub("", html), _parser())
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        try:
            cleaned = _CTRL_RE.sub("", html).encode("utf-8", "replace").decode("utf-8")
            return etree.fromstring(cleaned, _parser())
        except (etree.ParserError, etree.XMLSyntaxError, ValueError):
            return None


_HIDDEN_TEXT_LEN = _plain_xpath("string-length(normalize-space())")


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


# Elements with a hidden or style attribute, in document order. Reached from the attributes
# (libxml2 walks only the attribute lists) rather than by testing every element: the same
# elements, in a third of the time.
_HIDDEN_OR_STYLED = etree.XPath("//@style/.. | //@hidden/..", regexp=False)


def _drop_noise(doc) -> None:
    """Remove what a reader never sees, keeping the tail text that follows it."""
    etree.strip_elements(doc, *_NOISE_TAGS, with_tail=False)
    # Hidden popups, sub-menus, QR boxes and link tabs go; a big hidden block of prose
    # stays, because some pages (WeChat, tabbed CMS) hide the article until a script
    # shows it.
    for el in _HIDDEN_OR_STYLED(doc):
        if el.get("hidden") is None and not _HIDDEN_STYLE_RE.search(el.get("style")):
            continue
        if el.tag in ("html", "body") or (_HIDDEN_TEXT_LEN(el) >= 200 and _link_density(el) < 0.5):
            continue  # hidden prose: an article a script reveals; hidden links: a tab
        _drop(el)


def _attr_values(el, tag: str, attr: str) -> list[str]:
    """``descendant-or-self::tag/@attr``: the ``attr`` of ``el`` and of the elements named
    ``tag`` inside it, in document order. lxml's tag filter walks the tree in C, a fraction
    of the cost of an XPath evaluation over a whole page."""
    return [value for node in el.iter(tag) if (value := node.get(attr)) is not None]


def _script_texts(doc, keep) -> list[str]:
    """``//script[...]/text()`` for the scripts ``keep(script)`` accepts. Read on the page
    as parsed, where a script's text is one text node: its ``.text``."""
    return [script.text for script in doc.iter("script") if script.text and keep(script)]


_TITLE_TEXT = _plain_xpath("//title//text()")


def _page_title(doc) -> str:
    """The text of ``<title>``, read once per page: the headline and the site's own name
    are both found by it."""
    return _norm(" ".join(_TITLE_TEXT(doc)))


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


def _visible_len(text: str) -> int:
    """Characters other than whitespace (str.split() knows the same Unicode whitespace as
    re's \\s, and counts without building a new string per run)."""
    return sum(map(len, text.split()))


_LINK_TEXT = _plain_xpath(".//a//text()")


def _link_density(el) -> float:
    total = _visible_len(_string(el))
    link = _visible_len("".join(_LINK_TEXT(el)))
    return link / total if total else 1.0
