"""Requests to bytes and back, so any worker can run a request another one found.

Scrapy's ``Request.to_dict(spider=...)`` names callbacks by method name; what it cannot hold are
requests *inside* a request -- the ``data:`` request that carries held-back off-scheme articles
(``PortalSpider._release_held``) holds their items as ``cb_kwargs["outputs"]``, and a
multi-page article carries its pages. Those nested requests are turned into dicts too,
recursively. Fields left at their default are dropped (~160 bytes for a link to an article,
against ~500 for scrapy-redis's full pickled dict), and so is the lease id a worker put in
``meta``; a request larger than
:data:`COMPRESS_ABOVE` (a held-back article with its text) is compressed.

The common request -- a link the spider follows: GET, ``callback=parse``, ``errback=on_error``,
a priority, ``meta`` of at most ``via_related``/``outside_sections``/``depth``, no header but
the Referer Scrapy adds -- is most of the queue at a crawl's peak, so it gets a compact form
instead (:func:`compact`): a 7-byte header (kind, callback and errback as codes in
:data:`CALLBACK_NAMES`, priority, which meta keys and their values, depth), the Referer as
the length it shares with the URL and the rest (3 bytes for a list page's link), the URL:
~60-70 bytes. Anything else (``cb_kwargs``, a body, other headers, another method or meta key,
a Request subclass) keeps the pickled form; both decode through the same dict, so a compact
request comes back exactly as the pickled one would.

Pickle, like scrapy-redis, because items (datetimes, Item classes) must come back as they
were; the frontier's Redis is trusted infrastructure: never give untrusted clients write access
to it (see docs/cluster.md).
"""

from __future__ import annotations

import pickle
import struct
import zlib
from typing import Any

from scrapy import Request, Spider
from scrapy.utils.request import request_from_dict

LEASE_META = "frontier_lease"
COMPRESS_ABOVE = 400  # bytes: larger requests (held-back articles with their text) are zlib'd
_DEFAULTS: dict[str, Any] = {
    "method": "GET",
    "headers": {},
    "body": b"",
    "cookies": {},
    "meta": {},
    "encoding": "utf-8",
    "priority": 0,
    "dont_filter": False,
    "flags": [],
    "cb_kwargs": {},
    "callback": None,
    "errback": None,
}


# Callback/errback names of the compact form, by code. Append only: requests queued by an
# older version of this list must still decode.
CALLBACK_NAMES: tuple[str | None, ...] = (None, "parse", "on_error")
_CODES = {name: code for code, name in enumerate(CALLBACK_NAMES)}
# Header of the compact form: callback code, errback code, priority, meta flags, depth.
_HEADER = struct.Struct("<BBhBB")
_VIA_RELATED, _VIA_RELATED_TRUE, _OUTSIDE, _OUTSIDE_TRUE, _DEPTH, _REFERER = 1, 2, 4, 8, 16, 32
# With a Referer: the length of the part it shares with the URL, the length of the rest, the rest.
_REFERER_HEADER = struct.Struct("<BH")
_COMPACT_KEYS = frozenset({"url", "callback", "errback", "priority", "meta", "headers"})


class _RequestDict(dict):
    """A nested request, as a dict (marks what to turn back into a Request)."""


def request_to_dict(request: Request, spider: Spider) -> dict[str, Any]:
    data = request.to_dict(spider=spider)
    meta = dict(data.get("meta") or {})
    meta.pop(LEASE_META, None)
    data["meta"] = meta
    for key in ("meta", "cb_kwargs"):
        data[key] = _pack(data.get(key) or {}, spider)
    return {k: v for k, v in data.items() if k not in _DEFAULTS or v != _DEFAULTS[k]}


def compact(data: dict[str, Any]) -> bytes | None:
    """The compact form of a request dict (from :func:`request_to_dict`), or None if the
    request is anything but a plain link the spider follows (then it is pickled)."""
    if not data.keys() <= _COMPACT_KEYS or not isinstance(data.get("url"), str):
        return None
    callback, errback = data.get("callback"), data.get("errback")
    priority = data.get("priority", 0)
    if callback not in _CODES or errback not in _CODES or type(priority) is not int:
        return None
    if not -32768 <= priority <= 32767:
        return None
    meta, flags, depth = data.get("meta", {}), 0, 0
    for key, value in meta.items():
        if key == "via_related" and type(value) is bool:
            flags |= _VIA_RELATED | (_VIA_RELATED_TRUE if value else 0)
        elif key == "outside_sections" and type(value) is bool:
            flags |= _OUTSIDE | (_OUTSIDE_TRUE if value else 0)
        elif key == "depth" and type(value) is int and 0 <= value <= 255:
            flags, depth = flags | _DEPTH, value
        else:
            return None
    try:
        url = data["url"].encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: pickle keeps it
        return None
    referer = b""
    headers = data.get("headers")
    if headers:  # Scrapy's RefererMiddleware sets it on every link: kept, as what it adds
        values = headers.get(b"Referer") if len(headers) == 1 else None
        if not (isinstance(values, list) and len(values) == 1 and type(values[0]) is bytes):
            return None
        value, shared = values[0], 0
        while shared < min(len(value), len(url), 255) and value[shared] == url[shared]:
            shared += 1
        if len(value) - shared > 65535:
            return None
        flags |= _REFERER
        referer = _REFERER_HEADER.pack(shared, len(value) - shared) + value[shared:]
    header = _HEADER.pack(_CODES[callback], _CODES[errback], priority, flags, depth)
    return b"c" + header + referer + url


def _uncompact(data: bytes) -> dict[str, Any]:
    callback, errback, priority, flags, depth = _HEADER.unpack_from(data)
    start, referer = _HEADER.size, None
    if flags & _REFERER:
        shared, rest = _REFERER_HEADER.unpack_from(data, start)
        start += _REFERER_HEADER.size
        referer, start = data[start : start + rest], start + rest
    url = data[start:]
    request: dict[str, Any] = {"url": url.decode("utf-8")}
    if referer is not None:
        request["headers"] = {b"Referer": [url[:shared] + referer]}
    meta: dict[str, Any] = {}
    if flags & _VIA_RELATED:
        meta["via_related"] = bool(flags & _VIA_RELATED_TRUE)
    if flags & _OUTSIDE:
        meta["outside_sections"] = bool(flags & _OUTSIDE_TRUE)
    if flags & _DEPTH:
        meta["depth"] = depth
    for key, value in (
        ("callback", CALLBACK_NAMES[callback]),
        ("errback", CALLBACK_NAMES[errback]),
        ("priority", priority),
        ("meta", meta),
    ):
        if value:
            request[key] = value
    return request


def encode_request(request: Request, spider: Spider) -> bytes:
    data = request_to_dict(request, spider)
    short = compact(data)
    if short is not None:
        return short
    data = pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
    if len(data) > COMPRESS_ABOVE:  # a held-back article carries its whole text
        return b"z" + zlib.compress(data, 6)
    return b"p" + data


def decode_request(payload: bytes, spider: Spider) -> Request:
    kind, data = payload[:1], payload[1:]
    if kind == b"c":
        return _request_from(_uncompact(data), spider)
    if kind == b"z":
        data = zlib.decompress(data)
    elif kind != b"p":
        raise ValueError(f"not a queued request (starts with {kind!r})")
    return _request_from(pickle.loads(data), spider)


def _request_from(data: dict[str, Any], spider: Spider) -> Request:
    data = dict(data)
    for key in ("meta", "cb_kwargs"):
        if key in data:
            data[key] = _unpack(data[key], spider)
    return request_from_dict(data, spider=spider)


def _pack(value: Any, spider: Spider) -> Any:
    if isinstance(value, Request):
        return _RequestDict(request_to_dict(value, spider))
    if isinstance(value, dict) and type(value) is dict:
        return {k: _pack(v, spider) for k, v in value.items()}
    if type(value) in (list, tuple):
        return type(value)(_pack(v, spider) for v in value)
    return value


def _unpack(value: Any, spider: Spider) -> Any:
    if isinstance(value, _RequestDict):
        return _request_from(value, spider)
    if type(value) is dict:
        return {k: _unpack(v, spider) for k, v in value.items()}
    if type(value) in (list, tuple):
        return type(value)(_unpack(v, spider) for v in value)
    return value
