"""Pure normalisers for the text Chinese news portals print.

Everything here is a plain function of its arguments (``parse_date`` also takes the crawl
time explicitly), so loaders, the extract CLI and the tests share one behaviour and the
tables in ``tests/test_processors.py`` pin it down. No Scrapy imports: these must stay cheap
to call per field and usable outside a crawl.

Bad input never raises: it becomes ``""``, ``None`` or ``[]`` so the caller can count a
missing field instead of losing the item.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote_plus, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from w3lib.url import canonicalize_url as _w3lib_canonicalize_url
from w3lib.url import safe_url_string as _w3lib_safe_url_string

__all__ = [
    "TRACKING_PARAMS",
    "TZ",
    "canonicalize_url",
    "clean_editor",
    "clean_source",
    "clean_text",
    "find_date_text",
    "join_paragraphs",
    "parse_date",
    "read_date",
    "request_url",
    "split_keywords",
]

TZ = ZoneInfo("Asia/Shanghai")
# China Standard Time as a fixed offset. The tz database gives Shanghai its local mean time
# (+08:05:43) before 1901: an archive date from 1900 must still read +08:00, as printed.
CST = timezone(timedelta(hours=8), "CST")

# --------------------------------------------------------------------------- text

# Characters a reader cannot see: zero-width space/joiners, direction marks, word joiner and
# invisible operators, BOM, soft hyphen, Mongolian vowel separator, and C0/C1 controls that
# are not whitespace. CMS editors paste these in; they break dedupe and keyword matching.
_INVISIBLE = (
    "\u00ad\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff"
    + "".join(chr(c) for c in range(0x00, 0x09))
    + "".join(chr(c) for c in range(0x0E, 0x1C))
    + "\x7f"
    + "".join(chr(c) for c in range(0x80, 0x85))
    + "".join(chr(c) for c in range(0x86, 0xA0))
)
# One character class, not str.translate: translate looks every character of a Chinese body
# up in a dict (about 20 times slower than this scan), and bodies are cleaned on every page.
_INVISIBLE_RE = re.compile(f"[{re.escape(_INVISIBLE)}]+")


def clean_text(value: str | None) -> str:
    """Make text comparable: invisible characters gone, every run of whitespace one space.

    Punctuation is left alone on purpose (no NFKC): full-width ``：，（）`` are part of the
    article as published, and titles/bodies are compared and stored verbatim.
    """
    if not value:
        return ""
    # Every invisible character is unprintable to str.isprintable(), which checks a text five
    # times faster than the regex scans it: printable text (nearly all of it: whitespace
    # other than the space is unprintable too) has none to remove.
    if not value.isprintable():
        value = _INVISIBLE_RE.sub("", value)
    # str.split() splits on Unicode whitespace (tabs, newlines, nbsp, U+3000, U+2000-U+200A,
    # U+2028/2029, U+202F, U+205F, U+1680, U+0085, FS/GS/RS/US), as re's \s does, and faster.
    return " ".join(value.split())


def join_paragraphs(paragraphs: Iterable[str | None]) -> str:
    """Body text as stored: one cleaned paragraph per line, blank paragraphs dropped."""
    return "\n".join(p for p in map(clean_text, paragraphs) if p)


# --------------------------------------------------------------------------- dates

# Date text is matched after NFKC (only for matching; callers keep the raw text), so
# full-width digits, colons and spaces need no special cases below.
_TIME = (
    r"(?:\s*T\s*|\s*)(?P<H>\d{1,2})\s*(?::|时|点)\s*(?P<M>\d{1,2})(?:\s*分)?"
    r"(?:\s*(?::\s*(?P<S>\d{1,2})(?:\.\d+)?|(?P<S2>\d{1,2})\s*秒))?"
    r"(?:\s*(?P<tz>Z|[+-]\d{2}:?\d{2})(?!\d))?"
)
_ABSOLUTE = re.compile(
    r"(?<!\d)(?P<y>\d{4})\s*"
    r"(?:(?P<sep>[-/.])\s*(?P<m>\d{1,2})\s*(?P=sep)\s*(?P<d>\d{1,2})(?!\d)"
    r"|年\s*(?P<m2>\d{1,2})\s*月\s*(?P<d2>\d{1,2})(?:\s*日|(?!\d))"
    # Split date widgets print the year apart from month/day, each in its own box:
    # "2024 06/05 15:07:22" (Xinhua), "2024 06-05 16:33", "2024 06月05日".
    r"|\s(?P<m3>\d{1,2})(?:[-/.]|\s*月\s*)(?P<d3>\d{1,2})(?:\s*日)?(?!\d))"
    # A weekday may stand between the date and the time: "2024年06月05日 星期三 16:33".
    r"(?:(?:\s*(?:星期|周|礼拜)[一二三四五六日天])?" + _TIME + r")?(?!\d)"
)
_RELATIVE = re.compile(
    r"(?P<now>刚刚|刚才)"
    r"|(?P<n>\d+)\s*(?P<unit>秒钟?|分钟|分|小时|个小时|天|周|星期)\s*前"
    # 今日/昨日 only with a time: alone they are too often part of a name (今日头条).
    r"|(?P<day>今天|昨天|前天|(?:今日|昨日)(?=\s*\d))(?:" + _TIME + r")?"
)
# Month and day without a year (list pages print "6月5日 16:33"): only with 月 and 日, since
# bare "06-05" is too easily a score, a range or part of an id.
_MONTH_DAY = re.compile(r"(?<!\d)(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日(?:" + _TIME + r")?")
# "06-05 16:33" on list and mobile pages: a dash month-day only with a time behind it.
_DASH_MONTH_DAY = re.compile(r"(?<![\d-])(?P<m>\d{2})-(?P<d>\d{2})(?=\s+\d{1,2}:\d{2})" + _TIME)
# "18-03-08 23:16": a two-digit year (DedeCMS ``MyDate('y-m-d H:i')``, old forums), only with
# a time behind it, for the same reason.
_SHORT_YEAR = re.compile(
    r"(?<![\d./-])(?P<y>\d{2})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"
    r"(?=\s+\d{1,2}:\d{2})" + _TIME
)
# A date given as evidence for the year ("2024-06-05", "2024-06", "20240605").
_HINT = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})[-/.]?(?P<m>\d{2})(?:[-/.]?(?P<d>\d{2}))?(?!\d)")

_UNIT_SECONDS = {
    "秒": 1,
    "秒钟": 1,
    "分": 60,
    "分钟": 60,
    "小时": 3600,
    "个小时": 3600,
    "天": 86400,
    "周": 7 * 86400,
    "星期": 7 * 86400,
}
_DAYS_BACK = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2}


def _zoned(when: datetime) -> datetime:
    """``when`` in Shanghai time; before 1901 at the fixed +08:00 (never local mean time)."""
    when = when.astimezone(TZ)
    if when.year < 1902:
        offset = when.utcoffset()
        if offset is not None and offset.total_seconds() % 900:
            return when.astimezone(CST)
    return when


def _local(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0):
    """A wall-clock time as printed on a Chinese page; ValueError for impossible dates."""
    local = datetime(year, month, day, hour, minute, second, tzinfo=TZ)
    if year < 1902:  # the tz database's local mean time ends on 1901-01-01
        offset = local.utcoffset()
        if offset is not None and offset.total_seconds() % 900:
            return local.replace(tzinfo=CST)
    return local


def _local_now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(TZ)
    if now.tzinfo is None:
        return now.replace(tzinfo=TZ)
    return now.astimezone(TZ)


def _time_parts(match: re.Match[str]) -> tuple[int, int, int]:
    if match.group("H") is None:
        return 0, 0, 0
    seconds = match.group("S") or match.group("S2") or 0
    return int(match.group("H")), int(match.group("M")), int(seconds)


def _with_offset(local: datetime, tz: str | None) -> datetime:
    """Attach the printed UTC offset if there is one, then express the moment in TZ."""
    if not tz:
        return local
    if tz == "Z":
        offset = timedelta(0)
    else:
        digits = tz[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        if tz[0] == "-":
            offset = -offset
    naive = local.replace(tzinfo=None)
    return _zoned((naive - offset).replace(tzinfo=ZoneInfo("UTC")))


def _absolute(match: re.Match[str]) -> datetime | None:
    year = int(match.group("y"))
    month = int(match.group("m") or match.group("m2") or match.group("m3"))
    day = int(match.group("d") or match.group("d2") or match.group("d3"))
    if not 1900 <= year <= 2100:
        return None
    try:
        local = _local(year, month, day, *_time_parts(match))
    except ValueError:
        return None
    return _with_offset(local, match.group("tz"))


# Some portals print the time first: "16:33 2024/06/05".
_TIME_FIRST = re.compile(r"(?<!\d)(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")


def _time_before(day: datetime, match: re.Match[str]) -> tuple[datetime, int]:
    """The day with the time printed just before it, and where the whole reading starts."""
    found = _TIME_FIRST.search(match.string, 0, match.start())
    if found:
        hour, minute, second = (int(g) if g else 0 for g in found.groups())
        if hour < 24 and minute < 60 and second < 60:
            return day.replace(hour=hour, minute=minute, second=second), found.start()
    return day, match.start()


def _relative(match: re.Match[str], now: datetime) -> datetime | None:
    if match.group("now"):
        return now
    if match.group("n"):
        return now - timedelta(seconds=int(match.group("n")) * _UNIT_SECONDS[match.group("unit")])
    day = (now - timedelta(days=_DAYS_BACK[match.group("day")])).date()
    try:
        return _local(day.year, day.month, day.day, *_time_parts(match))
    except ValueError:
        return None


def _hinted_years(month: int, day: int, hints: Sequence[str]) -> list[int]:
    """Years that the page's own evidence (meta date, the date in its URL) gives a year-less
    date: a hint naming the same day first, then one naming the same month. A hint that
    names another day (a template's stale default) says nothing about the year."""
    same_day, same_month = [], []
    for hint in hints:
        m = _HINT.search(hint or "")
        if m is None or int(m["m"]) != month:
            continue
        if m["d"] is None:
            same_month.append(int(m["y"]))
        elif int(m["d"]) == day:
            same_day.append(int(m["y"]))
    return same_day + same_month


def _month_day(match: re.Match[str], now: datetime, hints: Sequence[str] = ()) -> datetime | None:
    month, day = int(match.group("m")), int(match.group("d"))
    years = [*_hinted_years(month, day, hints), now.year, now.year - 1]
    for year in years:
        try:
            when = _local(year, month, day, *_time_parts(match))
        except ValueError:
            continue
        # A year-less date more than a day ahead of the crawl is from last year.
        if when <= now + timedelta(days=1):
            return when
    return None


def _short_year(match: re.Match[str], now: datetime, hints: Sequence[str] = ()) -> datetime | None:
    """ "18-03-08 23:16": the century of a hint with the same two digits, else the latest
    one that is not in the future."""
    short, month, day = int(match.group("y")), int(match.group("m")), int(match.group("d"))
    years = [y for y in _hinted_years(month, day, hints) if y % 100 == short]
    years += [2000 + short, 1900 + short]
    for year in years:
        try:
            when = _local(year, month, day, *_time_parts(match))
        except ValueError:
            continue
        if when <= now + timedelta(days=1):
            return when
    return None


def parse_date(
    text: str | None, now: datetime | None = None, hints: Sequence[str] = ()
) -> datetime | None:
    """Read the publication time out of a date line, as an Asia/Shanghai aware datetime.

    The text may be a whole line ("2024-06-05 16:33:17 来源：中国新闻网 浏览次数：") or carry a
    label (发布时间：, 日期:): the first date in it wins, so labels and trailing fields need
    no stripping. Precedence: a full date with a year, else a relative form (刚刚, 3分钟前,
    昨天 16:33, 前天), else a month-day without a year (the year of ``now``, or the previous
    one if that would lie in the future). Relative forms count back from ``now`` (the crawl
    time; a naive ``now`` is taken as Shanghai time); 昨天/前天 without a time mean midnight
    of that day, like any date printed without a time. Impossible dates (2024-13-45) and
    garbage give None rather than an exception, so one bad field never loses the item.

    A date printed without its year ("10-08 12:00", "6月5日") or with two digits of it
    ("18-03-08 23:16") takes the year from ``hints`` (the page's meta date, the date in its
    URL) when a hint names the same day or month, else from ``now``; it is never in the
    future (it rolls back a year). Before 1901 the offset is the fixed +08:00.
    """
    found = _find_date(text, now, hints)
    return found[0] if found else None


def find_date_text(
    text: str | None, now: datetime | None = None, hints: Sequence[str] = ()
) -> str | None:
    """The part of a line that ``parse_date`` reads, as printed ("2024年06月05日 16:33").

    Stored beside the parsed time so a reader can check the parse, without the 来源 and
    浏览次数 that share its line.
    """
    found = _find_date(text, now, hints)
    return found[1] if found else None


def read_date(
    text: str | None, now: datetime | None = None, hints: Sequence[str] = ()
) -> tuple[datetime, str] | None:
    """``parse_date`` and ``find_date_text`` at once: (the time, the part of the line it was
    read from), or None. The loaders store both, and reading a line twice cost a tenth of
    loading a page."""
    return _find_date(text, now, hints)


def _find_date(
    text: str | None, now: datetime | None, hints: Sequence[str] = ()
) -> tuple[datetime, str] | None:
    if not text:
        return None
    cleaned = clean_text(text)
    normalised = unicodedata.normalize("NFKC", cleaned)
    if not normalised:
        return None
    # NFKC maps full-width digits and colons one to one; where it did not, show it normalised.
    shown = cleaned if len(cleaned) == len(normalised) else normalised

    def result(
        when: datetime, match: re.Match[str], start: int | None = None
    ) -> tuple[datetime, str]:
        begin = match.start() if start is None else start
        return when, shown[begin : match.end()].strip()

    for match in _ABSOLUTE.finditer(normalised):
        when = _absolute(match)
        if when is not None:
            start = match.start()
            if match.group("H") is None:
                when, start = _time_before(when, match)
            return result(when, match, start)
    current = _local_now(now)
    for match in _RELATIVE.finditer(normalised):
        when = _relative(match, current)
        if when is not None:
            return result(when, match)
    for match in _SHORT_YEAR.finditer(normalised):
        when = _short_year(match, current, hints)
        if when is not None:
            return result(when, match)
    for match in (*_MONTH_DAY.finditer(normalised), *_DASH_MONTH_DAY.finditer(normalised)):
        when = _month_day(match, current, hints)
        if when is not None:
            return result(when, match)
    return None


# --------------------------------------------------------------------------- labelled fields

_COLON = r"\s*[:：]"
# Labels that end a value when they follow it on the same line.
_TRAILING_LABELS = (
    "浏览次数|浏览量|浏览|点击数|点击量|点击率|点击|阅读数|阅读量|阅读|人气|"
    "责任编辑|责编|编辑|作者|记者|通讯员|摄影|字号|发布时间|发布日期|更新时间|时间|日期|"
    "来源|稿源|出处|评论"
)
# A trailing label with a colon ends the value wherever it is; without a colon, only when a
# space separates it (so a name like 阅读天下 survives unless it is split off).
_TRAILING_WITH_COLON = re.compile(rf"(?:{_TRAILING_LABELS}){_COLON}")
_TRAILING_AFTER_SPACE = re.compile(
    rf"\s(?:(?:{_TRAILING_LABELS})(?!\S)|【|\[|打印|关闭|分享|收藏|\d{{4}}\s*[-/.年])"
)
_SIZE_WIDGET = re.compile(r"[【\[]?\s*字号\s*[:：]?.*$|[【\[]\s*大\s*中\s*小\s*[】\]]")

# Brackets that may wrap a whole name. 《》 are included: the field holds the outlet's name
# only, and 《人民日报》 and 人民日报 must count as one source. Inner brackets
# (《人民日报》海外版) are left alone because they do not wrap the whole value.
_WRAPPERS = {
    "【": "】",
    "「": "」",
    "『": "』",
    "《": "》",
    "[": "]",
    "(": ")",
    "（": "）",
    "〔": "〕",
}
_EDGE_JUNK = " |｜/-—–·•,，;；。.、:："


def _strip_wrappers(value: str) -> str:
    value = value.strip(_EDGE_JUNK)
    while len(value) >= 2 and _WRAPPERS.get(value[0]) == value[-1]:
        inner = value[1:-1]
        # Only if the opening bracket really pairs with the last character: 【a】【b】 stays.
        if value[0] in inner or value[-1] in inner:
            break
        value = inner.strip(_EDGE_JUNK)
    return value


def _cut_trailing(value: str) -> str:
    ends = [len(value)]
    for pattern in (_TRAILING_WITH_COLON, _TRAILING_AFTER_SPACE, _SIZE_WIDGET):
        match = pattern.search(value)
        if match:
            ends.append(match.start())
    return value[: min(ends)]


# An unlabelled date line ("2024-06-05 16:33:17 中国新闻网") starts with the date.
_LEADING_DATE = re.compile(
    r"^(?:(?:发布)?(?:时间|日期)\s*[:：]\s*)?[0-9０-９]{4}\s*[-/.年－／．]\S*"
    r"(?:\s+[0-9０-９]{1,2}\s*[:：时点][0-9０-９:：分秒]*)?"
)
_SOURCE_WORDS = ("文章来源", "新闻来源", "信息来源", "来源于", "来源", "稿源", "出处", "来自")
# 图片来源 credits a photo, not the article; 来自 counts only with a colon ("来自北京" is a place).
_SOURCE_LABEL = re.compile(rf"(?<!图片)(?<!图)(?:{'|'.join(_SOURCE_WORDS)})(?:{_COLON}|\s*[｜|])")


def clean_source(text: str | None) -> str | None:
    """The outlet's name only, from a 来源 label, a whole date/来源 line or a bare link text.

    Whatever follows the name on the same line (浏览次数：, 作者：, 编辑：, 【字号 大 中 小】)
    is cut off; brackets wrapping the whole name, 《》 included, are dropped so one outlet
    has one spelling. An empty label ("来源：") is None.
    """
    value = clean_text(text)
    if not value:
        return None
    label = _SOURCE_LABEL.search(value)
    value = value[label.end() :] if label else _LEADING_DATE.sub("", value)
    value = _strip_wrappers(_cut_trailing(value.strip()).strip())
    return value if value and value not in _SOURCE_WORDS and value not in _NO_SOURCE else None


# What a CMS prints in the 来源 slot when the editor left it empty (DedeCMS: 未知): no outlet.
_NO_SOURCE = frozenset({"未知", "不详", "暂无", "无", "佚名", "unknown", "Unknown", "-", "--"})


_EDITOR_WORDS = ("责任编辑", "责编", "编辑", "编审")
# With a colon (or a bar: "责编｜远洋") anywhere; without one only at the start ("编辑 张彤").
_EDITOR_LABEL = re.compile(
    rf"(?:{'|'.join(_EDITOR_WORDS)})\s*[:：｜|]|^[(（\[【]?(?:{'|'.join(_EDITOR_WORDS)})\s+(?=\S)"
)
# What follows the name on the same line: another label, or page widgets (【打印】, 分享到).
_EDITOR_TRAILING = re.compile(
    rf"(?:来源|稿源|作者|记者|校对|审核|审校|监制|签发|发布时间|时间|日期|浏览次数|点击){_COLON}"
    r"|\s*(?:[【|｜]|\[(?!.*\]$)|\](?=.)|分享到|版权声明|打印|关闭窗口|返回顶部)"
)


def clean_editor(text: str | None) -> str | None:
    """The 责任编辑's name(s), e.g. "(责任编辑：代平)" -> "代平"; several names keep their
    separator ("张三 李四"). Unlabelled text is taken as the name itself."""
    value = clean_text(text)
    if not value:
        return None
    label = _EDITOR_LABEL.search(value)
    if label:
        value = value[label.end() :]
    trailing = _EDITOR_TRAILING.search(value)
    if trailing:
        value = value[: trailing.start()]
    value = _strip_wrappers(value.strip().rstrip(")）]】〕").lstrip("(（[【〔"))
    return value if value and value not in _EDITOR_WORDS else None


_KEYWORD_LABEL = re.compile(
    rf"^(?:文章|本文)?(?:关健词|关键词|关键字|标签|tags?|(?:相关)?热词(?:搜索)?)(?:{_COLON}|\s+|$)\s*",
    re.IGNORECASE,
)
_KEYWORD_END = re.compile(rf"(?:责任编辑|编辑|来源|作者){_COLON}")
_KEYWORD_SEPARATORS = re.compile(r"[\s,，;；、|｜]+")


def split_keywords(text: str | None) -> list[str]:
    """Keywords as a list, label removed (九龙网 spells it 关健词), duplicates dropped in
    page order. A bare label ("关健词：") is an empty list, not [""]."""
    value = clean_text(text)
    value = _KEYWORD_LABEL.sub("", value, count=1)
    end = _KEYWORD_END.search(value)
    if end:
        value = value[: end.start()]
    seen: dict[str, None] = {}
    for word in _KEYWORD_SEPARATORS.split(value):
        if word:
            seen.setdefault(word, None)
    return list(seen)


# --------------------------------------------------------------------------- URLs

# Query parameters that identify a visit, a share or a session rather than a document;
# matched case-insensitively, plus every ``utm_*``. Kept deliberately short: dropping a
# parameter that selects content would merge different articles.
TRACKING_PARAMS = frozenset(
    {
        "spm",
        "from",
        "fromid",
        "share_token",
        "share_source",
        "share_medium",
        "sharesource",
        "fbclid",
        "gclid",
        "msclkid",
        "yclid",
        "sid",
        "sessionid",
        "jsessionid",
        "phpsessid",
        "aspsessionid",
        "isappinstalled",
        "scene",
        "clicktime",
        "enterid",
        "wfr",
    }
)
TRACKING_PREFIXES = ("utm_",)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_PATH_SESSION = re.compile(r";(?:jsessionid|phpsessid|sid)=[^/?#;]*", re.IGNORECASE)


def _is_tracking(name: str) -> bool:
    name = name.lower()
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def _without_noise(url: str) -> str | None:
    """Scheme and host lower-cased, default port, fragment, ``;jsessionid=`` path parameters
    and tracking parameters dropped, the other parameters in the page's own order; None for
    something that is not an absolute URL."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host
    if parts.port is not None and parts.port != _DEFAULT_PORTS.get(scheme):
        netloc = f"{host}:{parts.port}"
    if parts.username or parts.password:
        userinfo = parts.username or ""
        if parts.password:
            userinfo += f":{parts.password}"
        netloc = f"{userinfo}@{netloc}"
    # Filter on the raw pairs: decoding would mangle GBK percent-escapes (%D6%D0).
    query = "&".join(
        pair
        for pair in parts.query.split("&")
        if pair and not _is_tracking(unquote_plus(pair.split("=", 1)[0]))
    )
    path = _PATH_SESSION.sub("", parts.path)
    return urlunsplit((scheme, netloc, path, query, ""))


# A URL already in canonical form, as most article links are: http(s), a lower-case host of
# letters, digits and single inner hyphens (no port, no user, no IDNA "xn--" label), a path of
# unreserved characters with no empty segment and none that starts with a dot (so no "." or
# ".." to resolve), and no query or fragment. canonicalize_url returns it unchanged.
_CANONICAL_RE = re.compile(
    r"https?://[a-z0-9]+(?:[.-][a-z0-9]+)*(?:(?:/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)+/?|/)"
)


def canonicalize_url(url: str) -> str:
    """One spelling per document, so dedupe and deltafetch see one URL per article.

    Scheme and host lower-cased, default port, fragment, ``;jsessionid=`` path parameters
    and tracking parameters (``TRACKING_PARAMS``, ``utm_*``) dropped, remaining parameters
    sorted and percent-encoded (w3lib). Path case is kept: servers may be case-sensitive.
    Something that is not a URL comes back stripped, never as an exception.
    """
    url = (url or "").strip()
    if _CANONICAL_RE.fullmatch(url):
        return url  # nothing to drop, sort, encode or resolve: the same URL, five times faster
    try:
        rebuilt = _without_noise(url)
        if rebuilt is None:
            return url
        return _w3lib_canonicalize_url(rebuilt, keep_fragments=False)
    except ValueError:
        return url


def request_url(url: str) -> str:
    """The URL to request: cleaned like :func:`canonicalize_url`, but the query parameters
    stay in the page's order.

    robots.txt rules are prefixes of the URL as requested (``Disallow: /index.php?m=search``):
    a re-ordered query (``?a=init&c=index&m=search``) would slip past them. Dedupe still
    compares sorted fingerprints, so the order costs no duplicate download.
    """
    url = (url or "").strip()
    try:
        rebuilt = _without_noise(url)
        if rebuilt is None:
            return url
        return _w3lib_safe_url_string(rebuilt)
    except ValueError:
        return url
