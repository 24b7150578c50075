"""Secrets out of messages: URLs as logs, stats files and webhooks may show them.

A URL's credentials (``user:pass@``), and for a webhook its path and query too (where services
put the token: ``/hooks/T0/B1/XYZ``), never appear in a log line or an error text.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/?#@\s]*)@")


def redact_url(url: str, keep_path: bool = True) -> str:
    """``scheme://user:***@host:port/path`` (password hidden); with ``keep_path=False`` also
    ``/***`` in place of the path and query (webhook URLs carry their token there)."""
    text = _USERINFO.sub(
        lambda m: (
            f"{m['scheme']}{m['userinfo'].split(':', 1)[0]}:***@"
            if ":" in m["userinfo"]
            else f"{m['scheme']}***@"
        ),
        url,
    )
    if keep_path:
        return text
    parts = urlsplit(text)
    if not parts.scheme or not parts.netloc:
        return "***"
    tail = "/***" if (parts.path not in ("", "/") or parts.query) else ""
    return f"{parts.scheme}://{parts.netloc}{tail}"


def secrets_of(url: str) -> set[str]:
    """The parts of a URL that must not be printed: password, path, query (decoded forms too)."""
    parts = urlsplit(url)
    found = {parts.password or "", parts.path if parts.path not in ("", "/") else "", parts.query}
    found |= {unquote(value) for value in found}
    return {value for value in found if len(value) >= 3}


def scrub(text: str, url: str, keep_path: bool = False) -> str:
    """``text`` (an exception message, say) with ``url`` and each of its secrets replaced."""
    text = text.replace(url, redact_url(url, keep_path=keep_path))
    for secret in sorted(secrets_of(url), key=len, reverse=True):
        if keep_path and secret in (urlsplit(url).path, urlsplit(url).query):
            continue
        text = text.replace(secret, "***")
    return _USERINFO.sub(lambda m: f"{m['scheme']}***@", text)
