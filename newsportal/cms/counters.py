"""Hit counters: addresses whose only effect is a fake page view on someone's site.

The CMS families print them into every article as ``<script src=...>`` (PHPCMS v9
``api.php?op=count&id=&modelid=``, DedeCMS ``plus/count.php?aid=``, EmpireCMS
``e/public/ViewClick/?classid=&id=&addclick=1``) and portals add their own (``count.php``,
``hits.asp``, ``click.jsp``). None of them is ever a page to read, so none is ever requested.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

# File names (without extension) of counter scripts, on a dynamic extension.
_COUNTER_FILE = re.compile(
    r"^(?:count|counter|counts|hits?|click|clicks|addclick|viewclick|dig|digg|pv|uv|visit|"
    r"viewcount|hitcount|clickcount|getclick|gethits|updatehits|addhits|stat)"
    r"\.(?:php|asp|aspx|jsp|do|ashx|cgi)$",
    re.IGNORECASE,
)
# Directories that only hold counters (EmpireCMS e/public/ViewClick/, .../ClickCount/).
_COUNTER_DIR = re.compile(r"/(?:ViewClick|ClickCount|Hits?Count|addclick)(?:/|$)", re.IGNORECASE)
# Query actions of front controllers (PHPCMS api.php?op=count, ?action=hits, ?a=count).
_COUNTER_ACTIONS = frozenset(
    {"count", "hits", "hit", "click", "addclick", "views", "pv", "postviews", "post_views"}
    | {"pvc_view", "update_views", "add_views", "views_count", "viewcount"}
)
_ACTION_PARAMS = frozenset({"op", "action", "act", "a", "ac", "do", "m"})
# Parameters that only counters take (WordPress WP-PostViews: admin-ajax.php?postviews_id=).
_COUNTER_PARAMS = frozenset({"addclick", "addhits", "postviews_id", "views_id"})


def is_hit_counter(url: str) -> bool:
    """Whether requesting ``url`` would only count a page view (table: tests/test_cms_urls.py)."""
    parts = urlsplit(url)
    path = parts.path
    name = path.rsplit("/", 1)[-1]
    if _COUNTER_FILE.match(name) or _COUNTER_DIR.search(path):
        return True
    if parts.query and name.lower().endswith((".php", ".asp", ".aspx", ".jsp", ".do")):
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            if key.lower() in _ACTION_PARAMS and value.lower() in _COUNTER_ACTIONS:
                return True
            if key.lower() in _COUNTER_PARAMS and value not in ("", "0"):
                return True
    return False
