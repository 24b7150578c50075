"""One article, several addresses: which id an address carries and which address to keep.

PHPCMS, DedeCMS and EmpireCMS serve each article at a static address
(``/baoshan/2024-06-05/142435.html``) and at dynamic ones
(``index.php?m=content&c=index&a=show&catid=11&id=142435``, ``plus/view.php?aid=142435``,
``e/action/ShowInfo.php?classid=2&id=142435``). A fingerprint of the content cannot join them
across runs (two runs may see different addresses first), so the id the address carries is
the article's identity within its site, and the static address is the one kept.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlsplit

import tldextract

# The bundled Public Suffix List snapshot: no network at run time.
_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

# Query parameters that carry an article id on the dynamic addresses of the CMS families.
_ID_PARAMS = ("id", "aid", "articleid", "contentid", "docid")
# Pseudo-static dynamic forms: PHPCMS show-{catid}-{id}-{page}.html.
_PSEUDO_STATIC = re.compile(r"/show-\d+-(\d+)-\d+\.html?$")
# The id of a static article address: the last run of digits of the file name
# (142435.html, 142435_2.html for its second page, t20240605_142435.html).
_STATIC_ID = re.compile(r"(\d{2,})(?:_\d{1,3})?\.s?html?$")


@lru_cache(maxsize=4096)
def registrable_domain(host: str) -> str:
    """``www.ylzf.gov.cn`` -> ``ylzf.gov.cn``, never a public suffix such as ``gov.cn``."""
    host = host.lower().rstrip(".")
    extracted = _EXTRACT(host)
    return extracted.top_domain_under_public_suffix or host


def article_key(url: str) -> str | None:
    """The article's identity within its site: ``registrable domain#id``, or None.

    The same for every address of one article (static, pseudo-static, dynamic), so the
    pipelines can keep one of them; None when the address carries no id.
    """
    parts = urlsplit(url)
    domain = registrable_domain(parts.hostname or "")
    if parts.query:
        params = dict(parse_qsl(parts.query))
        names = _ID_PARAMS
        if parts.path in ("", "/", "/index.php"):
            names += ("p",)  # WordPress shortlinks: /?p=1234 (elsewhere ?p= is a page number)
        for name in names:
            value = params.get(name, "")
            if value.isdigit():
                return f"{domain}#{int(value)}"
    match = _PSEUDO_STATIC.search(parts.path) or _STATIC_ID.search(parts.path)
    return f"{domain}#{int(match.group(1))}" if match else None


def address_rank(url: str) -> int:
    """How much an address is preferred as the one kept: 0 static, 1 pseudo-static, 2 dynamic."""
    parts = urlsplit(url)
    if parts.query or parts.path.endswith((".php", ".asp", ".aspx", ".jsp")):
        return 2
    if _PSEUDO_STATIC.search(parts.path):
        return 1
    return 0


def site_label(host: str) -> str:
    """A portal's default name: its registrable domain's own label (``www.ylzf.gov.cn`` ->
    ``ylzf``, ``news.jiulongw.cn`` -> ``jiulongw``)."""
    host = host.lower().rstrip(".")
    return _EXTRACT(host).domain or host


# The families' own second addresses of an article, by script and query (PHPCMS
# index.php?m=content&c=index&a=show&id=, DedeCMS plus/view.php?aid=, EmpireCMS
# e/action/ShowInfo.php?classid=&id=, WordPress /?p=) and PHPCMS's pseudo-static show- form.
_DYNAMIC_FORMS = (
    ("/index.php", {"m": "content", "a": "show"}, "id"),
    ("/plus/view.php", {}, "aid"),
    ("/e/action/ShowInfo.php", {}, "id"),
    ("/", {}, "p"),
    ("/index.php", {}, "p"),
)


def is_cms_second_address(url: str) -> bool:
    """Whether ``url`` is one of the CMS families' dynamic or pseudo-static article addresses,
    which always have a static twin with the same id (``article_key``) when the portal
    publishes static pages."""
    parts = urlsplit(url)
    if not parts.query:
        return bool(_PSEUDO_STATIC.search(parts.path))
    params = dict(parse_qsl(parts.query))
    for path, fixed, id_param in _DYNAMIC_FORMS:
        if (parts.path.endswith(path) if path != "/" else parts.path in ("", "/")) and (
            all(params.get(k) == v for k, v in fixed.items()) and params.get(id_param, "").isdigit()
        ):
            return True
    return False


_PSEUDO_STATIC_PAGE = re.compile(r"/(?:list|show)-(\d+)-\d+(?:-\d+)?\.html?$")


def pseudo_static_catid(url: str) -> str | None:
    """The category of a PHPCMS pseudo-static list (``list-7-2.html``) or article
    (``show-7-1234-1.html``) address. An article linked from its own category's list is
    that section's article, not a second address of a static one."""
    match = _PSEUDO_STATIC_PAGE.search(urlsplit(url).path)
    return match.group(1) if match else None
