"""Text density: the block (and its sibling blocks) that holds the article text, scored like
readability and GNE."""

from __future__ import annotations

import re

from lxml import etree

from newsportal.extraction.body import _img_ok, _img_url
from newsportal.extraction.dom import _link_density, _norm, _string, _text
from newsportal.extraction.patterns import (
    _DATE_ONLY_RE,
    _DATE_RE,
    _IMG_TAGS,
    _INLINE,
    _PROMO_RE,
    _PUNCT_RE,
    _is_stop,
)

# 网友评论, 读者留言, 热门跟帖, 全部回复（15）...: a heading, so the word ends the line or
# is followed by a count.
_COMMENT_HEAD_RE = re.compile(
    r"^[\[【(（]?\s*(?:\S{0,4}(?:评论|点评|跟贴|跟帖|留言)区?|全部回复|网友回复|说两句)"
    r"(?=$|\s|[（(\[【:：\d])"
)


# A bare time of day in its own box: the stamp of a 快讯/电报 entry.
_CLOCK_RE = re.compile(r"^[0-2]?[0-9][:：][0-5][0-9]$")


def _document_order(el) -> dict:
    """Every element of ``el``'s page by its place in reading order (the root is 0).

    One walk of the tree, done once per page: the headline, the closing line and each
    candidate are then placed by a lookup, where an XPath ``count(preceding::*)`` walked
    the tree again for each of them.
    """
    return {node: i for i, node in enumerate(el.getroottree().getroot().iter(etree.Element))}


def _position_factor(el, title_el, top: float, title_line: set, order: dict) -> float:
    """Prose far below the headline (comments, teasers) or above it (sidebars) counts less."""
    if title_el is None or el in title_line:
        return 1.0
    here = order[el]
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
        elif node.text and len(node.text) <= 30:
            own = node.text.strip()
            dates += bool(_DATE_ONLY_RE.match(own) or _CLOCK_RE.match(own))
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
    own_scores: dict = {}  # prose block -> its own score, not passed up
    blocks: dict = {}  # element -> number of prose blocks that scored for it
    for block, n in lens.items():
        link = links.get(block, 0)
        prose = n - link
        if prose < 20 or link > 0.5 * n:
            continue  # a menu or a link list
        own = "".join(runs[block])
        if own.count("|") >= 3:
            continue  # a footer or link bar
        if prose <= 200 and _PROMO_RE.search(own):
            continue  # a share widget or an app promotion: it asks, it does not report
        score = 1.0 + len(_PUNCT_RE.findall(own)) + min(prose / 100.0, 3.0)
        own_scores[block] = score
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
    order: dict = {}
    if title_el is not None:
        order = _document_order(title_el)
        top = order[title_el]
        title_line = set(title_el.iterancestors())
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)[:8]
    after_end = _after_end(ranked, title_el, top, end_el, order)
    best, best_score = None, -1.0
    for el, score in ranked:
        if score <= best_score:
            break  # ranked by score, and the final score never exceeds it
        final = (
            score
            * (1.0 - _link_density(el))
            * _position_factor(el, title_el, top, title_line, order)
        )
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
    return _with_siblings(best, scores, title_el, own_scores)


def _after_end(ranked: list, title_el, top: float, end_el, order: dict) -> set:
    """Candidates that start below the article's closing line (责任编辑, 关健词), when
    another candidate lies between the headline and that line. A closing line at the
    top (作者｜X 编辑｜Y under the headline) has nothing above it and changes nothing."""
    if end_el is None or title_el is None:
        return set()
    end = order[end_el]
    if end <= top:
        return set()
    where = {el: order[el] for el, _ in ranked}
    if not any(top < here < end for here in where.values()):
        return set()
    return {el for el, here in where.items() if here > end}


def _is_figure(el) -> bool:
    """A box with a real picture (no icon) and at most a caption's worth of text."""
    imgs = [el] if el.tag in _IMG_TAGS else list(el.iter(*_IMG_TAGS))
    if not any((url := _img_url(img, "")) and _img_ok(img, url) for img in imgs):
        return False
    text = _text(el)
    return len(text) <= 80 and not _DATE_RE.search(text)


def _deep_score(el, own_scores: dict) -> float:
    """The prose anywhere inside ``el``: a 图文直播 list nests each entry's text three
    boxes down, too deep for the scores passed up to parent and grandparent."""
    return sum(own_scores.get(node, 0.0) for node in el.iter())


def _with_siblings(best, scores: dict, title_el, own_scores: dict) -> list:
    """The best block plus sibling blocks of the same article (text split by a video,
    an ad or a page-break div), as readability does; stops at 推荐阅读/评论 headings."""
    threshold = max(8.0, 0.3 * scores.get(best, 0.0))
    nodes = [best]
    # The boxes that hold the headline: a preceding sibling among them holds it.
    title_boxes = set(title_el.iterancestors()) if title_el is not None else set()
    for forward in (True, False):
        pending: list = []
        sibs = best.itersiblings() if forward else best.itersiblings(preceding=True)
        for sib in sibs:
            if not isinstance(sib.tag, str):
                continue
            if not forward and (sib is title_el or sib in title_boxes):
                break
            score = scores.get(sib, 0.0) or _deep_score(sib, own_scores)
            head = _norm(_string(sib)[:40])
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
