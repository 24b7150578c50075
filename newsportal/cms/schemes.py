"""A portal's article URL scheme, learnt from the pages it links to.

Each family writes article addresses from one rule (PHPCMS ``/{catdir}/{year}-{month}-{day}/
{id}.html``, DedeCMS ``/{typedir}/{Y}{M}{D}/{aid}.html``, TRS ``./{yyyymm}/t{date}_{id}.html``,
WordPress ``/{Y}/{m}/{d}/{slug}/``). The *shape* of an address -- digit runs and section
folders made anonymous -- is the same for every article of one rule and differs from lists
and menus. Once enough pages of one shape turned out to be articles, and almost none of it
was anything else, that shape is the portal's scheme: its fast path.
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache
from urllib.parse import parse_qsl, urlsplit

from newsportal.cms.addresses import registrable_domain

_DIGITS = re.compile(r"\d+")
_FILE = re.compile(r"\.\w{2,5}$")

# Articles of one shape before it is believed, and the share of other pages it may have.
MIN_ARTICLES = 3
MAX_OTHER_SHARE = 0.1


@lru_cache(maxsize=65536)
def url_shape(url: str) -> str:
    """``http://news.x.cn/china/2024-06-05/142465.html`` -> ``x.cn/*/#-#-#/#.html``."""
    parts = urlsplit(url)
    segments = parts.path.split("/")
    shaped = []
    for index, segment in enumerate(segments):
        if not segment:
            shaped.append("")
        elif any(c.isdigit() for c in segment):
            shaped.append(_DIGITS.sub("#", segment))
        elif index == len(segments) - 1 and _FILE.search(segment):
            shaped.append(segment.lower())  # index.html, show.php: a literal script or page
        else:
            shaped.append("*")
    shape = registrable_domain(parts.hostname or "") + "/".join(shaped)
    if parts.query:
        params = sorted(parse_qsl(parts.query, keep_blank_values=True))
        shape += "?" + "&".join(
            f"{k}={'#' if v.isdigit() else (v if len(v) <= 16 else '*')}" for k, v in params
        )
    return shape


class SchemeLearner:
    """Tallies what pages of each shape turned out to be; says which shapes are articles."""

    def __init__(self) -> None:
        self._tally: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0])
        self.schemes: set[str] = set()

    def observe(self, url: str, is_article: bool) -> str | None:
        """Record one parsed page; returns the shape when it has just become a scheme."""
        shape = url_shape(url)
        tally = self._tally[shape]
        tally[0 if is_article else 1] += 1
        articles, others = tally
        proven = articles >= MIN_ARTICLES and others <= MAX_OTHER_SHARE * (articles + others)
        if proven and shape not in self.schemes:
            self.schemes.add(shape)
            return shape
        if not proven and shape in self.schemes:
            self.schemes.discard(shape)  # a shape that lists share too is no scheme
        return None

    def matches(self, url: str) -> bool:
        return bool(self.schemes) and url_shape(url) in self.schemes
