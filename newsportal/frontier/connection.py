"""The Redis client of the shared frontier, and the names its keys live under.

One client per worker, built from ``NEWSPORTAL_REDIS_URL`` (``redis://[:password@]host:port/db``,
``rediss://`` for TLS, ``unix:///path?db=N``): the ``/db`` in the URL is honoured as redis-py
reads it. Short socket timeouts: a frontier that does not answer in seconds is treated as lost
(the worker stops cleanly, see :mod:`newsportal.frontier.scheduler`) rather than hanging a crawl.
"""

from __future__ import annotations

import hashlib
import logging
import re
from typing import Any

import redis
import scrapy_redis.connection
from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

_USERINFO = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/?#@]*)@")


class FrontierUnavailable(SystemExit):
    """Redis cannot be reached when the crawl starts.

    A ``SystemExit`` (exit code 1), like :class:`newsportal.storage.mongo.StorageUnavailable`:
    any other exception raised while Scrapy builds its components becomes several tracebacks;
    this ends ``scrapy crawl`` at once with our single ERROR line.
    """

    def __init__(self, message: str) -> None:
        super().__init__(1)
        self.message = message

    def __str__(self) -> str:
        return self.message


def redact_redis_url(url: str) -> str:
    """The URL with any password replaced by ``***`` (also a ``?password=`` query value)."""
    match = _USERINFO.match(url)
    if match:
        userinfo = match["userinfo"]
        user = userinfo.split(":", 1)[0] if ":" in userinfo else ""
        redacted = f"{user}:***" if ":" in userinfo or userinfo else userinfo
        url = f"{match['scheme']}{redacted}@{url[match.end() :]}"
    return re.sub(r"(?i)([?&]password=)[^&#]*", r"\1***", url)


def redis_from_settings(settings: BaseSettings) -> redis.Redis:
    """A client for ``NEWSPORTAL_REDIS_URL``, checked with a PING.

    Raises :class:`FrontierUnavailable` (after logging one ERROR line, password redacted) when
    the server does not answer or the URL is malformed.
    """
    url = settings.get("NEWSPORTAL_REDIS_URL") or ""
    timeout = settings.getfloat("NEWSPORTAL_REDIS_TIMEOUT", 5.0)
    try:
        # scrapy-redis's connection helper: REDIS_PARAMS (e.g. TLS certificates) still apply.
        params = {
            "socket_timeout": timeout,
            "socket_connect_timeout": timeout,
            "health_check_interval": 30,
            "client_name": "newsportal",
            **settings.getdict("REDIS_PARAMS"),
        }
        client = scrapy_redis.connection.get_redis(url=url, **params)
        client.ping()
    except (redis.RedisError, ValueError, OSError) as exc:
        message = (
            f"Redis is unreachable at {redact_redis_url(url)} ({_cause(exc)}). "
            "Stopping the crawl: the shared frontier is not available."
        )
        logger.error(message)
        raise FrontierUnavailable(message) from None
    return client


def _cause(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    text = re.sub(r"(?i)password\S*", "password ***", text)
    return f"{type(exc).__name__}: {text}"[:200] if text else type(exc).__name__


def frontier_namespace(spider: Any, settings: BaseSettings) -> str:
    """Where one crawl's keys live: ``<prefix>:<spider>:<site>:<8 hex of its domains>``.

    The spider name and the portal (its ``site`` and ``allowed_domains``, as the ``portal``
    spider gets them from ``-a url=...``) name the crawl, so two crawls sharing one Redis
    database never see each other's requests; workers of one crawl always agree on it.
    """
    prefix = settings.get("NEWSPORTAL_FRONTIER_PREFIX") or "newsportal"
    site = str(getattr(spider, "site", "") or spider.name)
    domains = ",".join(sorted(str(d).lower() for d in getattr(spider, "allowed_domains", []) or []))
    digest = hashlib.sha1(domains.encode("utf-8")).hexdigest()[:8]
    return f"{prefix}:{spider.name}:{site}:{digest}"


def crawler_redis(crawler: Any) -> redis.Redis:
    """The worker's one Redis client, created (and PINGed) by the first component that asks.

    The spider middleware asks first, while Scrapy builds the crawl, so "Redis down at start"
    stops the crawl before the spider opens, like an unreachable MongoDB does.
    """
    client = getattr(crawler, "_newsportal_redis", None)
    if client is None:
        client = redis_from_settings(crawler.settings)
        crawler._newsportal_redis = client
    return client
