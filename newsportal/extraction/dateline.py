"""The date line near the headline and the date it shows; the machine-readable date (meta,
``<time>``, a script) when no date is visible or the line shows a relative one."""

from __future__ import annotations

import datetime as dt
import re
from itertools import chain

from lxml import etree

from newsportal.extraction.dom import (
    _attr_values,
    _line,
    _meta,
    _norm,
    _script_texts,
    _text,
    _xp,
)
from newsportal.extraction.patterns import (
    _ABSOLUTE_DATE_RE,
    _D,
    _DATE_LABEL_RE,
    _DATE_RE,
    _HEADINGS,
    _POSTED_RE,
    _SENTENCE_PUNCT_RE,
    _SOURCE_RE,
    _YEARLESS_DATE_RE,
)


def _following(el, limit: int):
    """``following::*[position() <= limit]``: the elements after ``el`` in document order,
    outside it, produced one at a time (an XPath would build all of them first)."""
    count = 0
    node = el
    while node is not None:
        for sibling in node.itersiblings(etree.Element):
            for follower in sibling.iter(etree.Element):
                yield follower
                count += 1
                if count >= limit:
                    return
        node = node.getparent()


def _below_title(title_el, body, after: int = 80):
    """Elements a reader sees at and below the headline, nearest first: inside it (PHPCMS
    puts the date line in the <h1>) and below it; the top of the body without a headline.

    Produced as read: the date line is nearly always the first element below the headline,
    so the other 79 are seldom needed."""
    if title_el is None:
        return iter(_xp(body, "(.//*)[position() <= 400]"))
    return chain(title_el.iterdescendants(), _following(title_el, after))


def _above_title(title_el, before: int = 12) -> list:
    """Elements just above the headline, nearest first. Looked up only when what is below
    it did not answer."""
    if title_el is None:
        return []
    return _xp(title_el, f"preceding::*[position() <= {before}]")[::-1]


def _around_title(title_el, after: int, before: int):
    """The elements below the headline, then those just above it, read as reached."""
    yield from _below_title(title_el, None, after)
    yield from _above_title(title_el, before)


def _date_line(title_el, body, site_names: tuple[str, ...] = ()):
    """The first short element near the headline that shows a date.

    Below the first paragraph of prose, a date only counts with a label (发布日期：...):
    teaser lists and comments under the text show dates too.
    """
    found, late = _date_in(_below_title(title_el, body))
    if found[0] is not None and not late:
        return found
    # Found only below the text (a reply's 发表于, a teaser's 发布时间): a date right above
    # the headline (a forum post's 发表于 line) is the article's own, unless it is the
    # header row's "丽江新闻网 2024年06月06日" (today's date beside the site's name).
    earlier, _ = _date_in(_above_title(title_el))
    if earlier[0] is not None and not _is_header_row(earlier[1], site_names):
        return earlier
    return found if found[0] is not None else (None, None)


def _is_header_row(line: str | None, site_names: tuple[str, ...]) -> bool:
    """A date line that names the site itself, or sits among 登录/注册/天气 links, is the
    page's header bar, not the article's date line."""
    if not line:
        return False
    m = _DATE_RE.search(line)
    rest = line[: m.start()] + " " + line[m.end() :] if m else line
    if _HEADER_WORDS_RE.search(rest):
        return True
    return any(name and name in rest for name in site_names)


_HEADER_WORDS_RE = re.compile(r"登录|注册|设为首页|加入收藏|天气|欢迎|今天是")
# Lines that carry a member's dates, not the article's (a forum's 注册：2003-5-20).
_MEMBER_DATE_RE = re.compile(r"(?:注册|加入|登录|入园|园龄|生日)(?:时间|日期)?\s*[:：]")
# The lead/summary box under a headline is prose, but the date line may follow it.
_SUMMARY_RE = re.compile(
    r"^\s*[\[【(（]?\s*(?:摘要|导读|核心提示|内容提要|提要|编者按|导语)\s*[\]】)）]?\s*[:：]?"
)
_DIGITS_NEAR_RE = re.compile(r"[0-9０-９]{2}")


def _prose_len(run: str) -> int:
    """The length of a run of text that reads as prose (20 characters and a clause mark)."""
    n = len(run.strip())
    return n if n >= 20 and _SENTENCE_PUNCT_RE.search(run) else 0


def _date_in(elements):
    seen_prose = False
    prose = 0  # short paragraphs add up: a notice's clauses are often under 50 characters
    tail = ""  # the text after the previous element: <br>-separated text sits in tails
    prev = None  # that element: its tail is text of its parent's
    summary: set = set()  # a 摘要/导读 box: prose, but the date line may still follow it
    for el in elements:
        own = el.text or ""
        if el not in summary and _opens_summary(el, own):
            summary.update(el.iter())
        # The tail's owner is only looked up once there is a summary box to be inside.
        if tail and not (summary and prev.getparent() in summary):
            prose += _prose_len(tail)
        if own and el not in summary:
            prose += _prose_len(own)
        tail, prev = el.tail or "", el
        seen_prose = seen_prose or prose >= 80
        if len(own) >= 50 and len(_SENTENCE_PUNCT_RE.findall(own)) >= 2:
            seen_prose = seen_prose or el not in summary
            continue
        if el.tag in _HEADINGS or el.tag in ("ul", "ol", "table", "tbody"):
            continue
        text = _text(el)
        if not text or len(text) > 160:
            continue
        m = _DATE_RE.search(text)
        if m is None and len(el) and len(text) <= 40 and _DIGITS_NEAR_RE.search(text):
            # A minified date widget (<span>2024</span><span>06-05</span><span>16:33</span>)
            # runs its boxes together; read it as a reader sees it, box by box.
            text = _line(el)
            m = _DATE_RE.search(text)
        # The date opens the line or follows a short label (来源/作者/发布时间 ...);
        # a date in a sentence ("2019年2月27日下午，...。") is body text, not the date line.
        if not m or m.start() > 40 or len(_SENTENCE_PUNCT_RE.findall(text)) >= 2:
            continue
        if _EDIT_NOTE_RE.search(text) or _MEMBER_DATE_RE.search(text[: m.start()]):
            continue  # "本帖最后由 X 于 2024-6-5 10:25 编辑", "注册：2003-5-20": not when posted
        if "星期" in text and not (_TIME_RE.search(text) or _SOURCE_RE.search(text)):
            continue  # "今天是2026年11月29日 星期日": the top bar's calendar
        links = list(el.iterdescendants("a"))
        if len(links) >= 4 or any(len(_text(a)) >= 12 for a in links):
            continue  # a headline link with its date: a teaser, not the date line
        if len(text) <= 25 and _in_list_entry(el):
            continue  # <li><a>headline</a><span>2024-06-01</span></li>: a list entry's date
        posted = _POSTED_RE.search(text[: m.start()])
        if posted and _REPLY_RE.match(text, m.end()):
            continue  # "本贴由 X 于…在【论坛】回复": a reply's note
        if seen_prose and not (_DATE_LABEL_RE.search(text[: m.start() + 1]) or posted):
            continue
        return _whole_date_line(el, text), seen_prose
    return (None, None), False


def _in_list_entry(el) -> bool:
    """The date sits in a list item (or its inner box) beside a headline link."""
    node = el.getparent()
    for _ in range(2):
        if node is None:
            return False
        if node.tag in ("li", "dd", "dt", "td"):
            return any(len(_text(a)) >= 12 for a in node.iter("a"))
        node = node.getparent()
    return False


def _opens_summary(el, own: str) -> bool:
    """The box opens with a 摘要/导读 label, in its own text or in a bold label first."""
    if own.strip():
        return bool(_SUMMARY_RE.match(own))
    first = el[0] if len(el) else None
    return (
        first is not None
        and first.tag in ("b", "strong", "span", "em", "label")
        and bool(_SUMMARY_RE.match(first.text or ""))
    )


_REPLY_RE = re.compile(r"[^，。]{0,30}?(?:回复|回帖|跟帖)")


_TIME_RE = re.compile(rf"{_D}{{1,2}}\s*[:：时]\s*{_D}{{2}}")
_EDIT_NOTE_RE = re.compile(rf"最后(?:由|编辑|修改)|{_D}\s*编辑\s*$")


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
        if _TIME_RE.search(ptext) and len(list(parent.iterdescendants("a"))) < 4:
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
    for blob in _script_texts(doc, lambda script: script.get("src") is None):
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
    times = _attr_values(doc, "time", "datetime")
    if times and _norm(times[0]):
        return _norm(times[0])
    for blob in _script_texts(doc, lambda script: script.get("type") == "application/ld+json"):
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
    if not _ABSOLUTE_DATE_RE.match(m.group(0)) and _YEARLESS_DATE_RE.match(m.group(0)):
        # "10-08 12:00": the day and time a reader sees stand; only the year is missing,
        # and the loaders read it from the hints (meta date, URL), checked against the day.
        for value in _attr_values(date_el, "time", "datetime"):
            if _norm(value):
                return _norm(value)
        return date_text
    if _ABSOLUTE_DATE_RE.match(m.group(0)):
        if meta_date and not _TIME_RE.search(date_text[m.start() :]):
            timed = _same_day_with_time(m.group(0), meta_date)
            if timed:
                return timed  # 发布日期：2024-06-05 shown, PubDate "2024-06-05 16:20" in meta
        return _finer_machine_date(date_el, date_text)
    for value in _attr_values(date_el, "time", "datetime"):
        if _norm(value):
            return _norm(value)
    return meta_date or date_text


_DIGITS_RE = re.compile(r"[0-9０-９]+")


def _same_day_with_time(shown: str, meta_date: str) -> str | None:
    """The meta date when it names the day the page shows and adds the time of day."""
    meta = _ISO_DAY_RE.match(meta_date.strip())
    if meta is None:
        return None
    day = [int(d.translate(_FULLWIDTH_DIGITS)) for d in _DIGITS_RE.findall(shown)[:3]]
    meta_day = [int(g) for g in meta.groups()[:3]]
    try:
        # "2023-11-19T20:00:00Z" is 2023-11-20 in China: compare the day a reader saw.
        stamp = dt.datetime.fromisoformat(meta_date.strip().replace("Z", "+00:00"))
        if stamp.tzinfo is not None:
            local = stamp.astimezone(_TZ_SHANGHAI)
            meta_day = [local.year, local.month, local.day]
    except ValueError:
        pass
    if day != meta_day or (int(meta[4]), int(meta[5])) == (0, 0):
        return None
    return meta_date.strip()


# A date down to the minute, no seconds: 2024-06-05 16:33, 2024年06月05日 16:33.
_MINUTE_RE = re.compile(
    rf"{_D}{{4}}\D{{1,3}}{_D}{{1,2}}\D{{1,3}}{_D}{{1,2}}\D{{1,3}}{_D}{{1,2}}\s*[:：]\s*{_D}{{2}}"
    rf"(?!\s*[:：]\s*{_D})"
)
_ISO_DAY_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{2})")
_ISO_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})")


def _finer_machine_date(date_el, date_text: str) -> str:
    """``<time datetime="2024-06-05T16:33:17+08:00">2024年06月05日 16:33</time>``: the
    reader sees the minute, the attribute keeps the second. When both name the same
    minute, the attribute is the same date, only finer: its seconds are added."""
    values = _attr_values(date_el, "time", "datetime")
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
