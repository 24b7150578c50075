"""Requests to bytes and back, so any worker can run a request another one found.

Scrapy's ``Request.to_dict(spider=...)`` names callbacks by method name; what it cannot hold are
requests *inside* a request -- the held-back off-scheme article (``PortalSpider._deferred``)
carries its item and its links as ``cb_kwargs["outputs"]``, and a multi-page article carries
its pages. Those nested requests are turned into dicts too, recursively. Fields left at their
default are dropped (a request is ~150 bytes in the queue instead of ~500 for scrapy-redis's
full pickled dict), and so is the lease id a worker put in ``meta``; a request larger than
:data:`COMPRESS_ABOVE` (a held-back article with its text) is compressed.

Pickle, like scrapy-redis, because items (datetimes, Item classes) must come back as they
were; the frontier's Redis is trusted infrastructure: never give untrusted clients write access
to it (see docs/cluster.md).
"""

from __future__ import annotations

import pickle
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


def encode_request(request: Request, spider: Spider) -> bytes:
    data = pickle.dumps(request_to_dict(request, spider), protocol=pickle.HIGHEST_PROTOCOL)
    if len(data) > COMPRESS_ABOVE:  # a held-back article carries its whole text
        return b"z" + zlib.compress(data, 6)
    return b"p" + data


def decode_request(payload: bytes, spider: Spider) -> Request:
    kind, data = payload[:1], payload[1:]
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
