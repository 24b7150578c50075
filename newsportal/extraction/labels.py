"""The labelled lines that close an article: 责任编辑 (the editor) and 关健词 (keywords)."""

from __future__ import annotations

import re

from newsportal.extraction.dom import _line, _norm, _text
from newsportal.extraction.patterns import (
    _BARE_EDITOR_INLINE_RE,
    _CHIEF_EDITOR_RE,
    _CREDIT_WORDS,
    _EDITOR_INLINE_RE,
    _EDITOR_RE,
    _LABEL_BAR_RE,
)


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
        if own is None and len(ptext) <= maxlen and _bare_label(label_re, text):
            # "<span>标签</span><span><a>银杏</a></span>": the label is a box of its own
            ptext = _line(parent)
            own = label_re.match(ptext)
        if len(ptext) > maxlen or not own or _NEXT_LABEL_RE.search(ptext, own.end()):
            break
        el, text = parent, ptext
    return el, text


def _bare_label(label_re, text: str) -> bool:
    """``text`` is a label and nothing more (标签, 关键词：)."""
    m = label_re.match(text)
    return m is not None and m.end() >= len(text.rstrip())


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
