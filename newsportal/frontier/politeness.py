"""Politeness shared by every worker of a crawl: N workers on one portal never hit it N times
harder than one.

Scrapy enforces ``CONCURRENT_REQUESTS_PER_DOMAIN`` and ``DOWNLOAD_DELAY`` inside one process
only. With the shared frontier (``NEWSPORTAL_REDIS_URL``) the HTTP download handler below makes
the same two limits hold across all workers, through Redis, per download slot (the host, as in
Scrapy):

- **concurrency**: right before a request goes out, the worker takes a token from the host's
  semaphore, a sorted set of ``token -> expiry``; at most ``CONCURRENT_REQUESTS_PER_DOMAIN``
  tokens may be live. The token is given back when the response or the failure is in. A token
  expires after ``NEWSPORTAL_POLITENESS_LEASE`` seconds unless its worker renews it (it does,
  every third of that, while the request runs), so a worker killed with ``kill -9`` holds no
  slot longer than one lease.
- **delay**: the host's next allowed start time; a worker taking a token when the delay is set
  pushes it ``DOWNLOAD_DELAY`` seconds on. Times are read from Redis's clock (``TIME`` inside the
  script), so workers on machines with skewed clocks still agree.

Both checks and the take are one Lua script, so two workers can never both take the last slot.
The keys are per host, not per crawl (``newsportal:polite:<host>:*``): two different crawls of
one portal sharing a Redis database also share its politeness. Within a worker, one request per
host at a time asks Redis (the others wait their turn locally), so a crowded host costs one
Redis call per poll interval per worker, not one per waiting request.

If Redis cannot be reached the request goes out under the worker's own Scrapy limits, counted
in ``newsportal/politeness/redis_errors`` with one warning: the frontier itself stops the crawl
cleanly when Redis is gone, and a page must not be lost for politeness' sake. AutoThrottle,
when on, still adjusts each worker's own delay from the latencies it sees; the shared delay is
the floor for the whole crawl.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections import defaultdict

from redis import asyncio as aioredis
from redis.exceptions import RedisError
from scrapy import Request, Spider, signals
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.reactor import is_asyncio_reactor_installed

from newsportal.frontier.connection import redact_redis_url

logger = logging.getLogger(__name__)

KEY_PREFIX = "newsportal:polite"
STAT_PREFIX = "newsportal/politeness"

# KEYS[1] the host's token set (token -> expiry ms), KEYS[2] the host's next allowed start (ms).
# ARGV: token, concurrency limit (0: none), delay ms, lease ms.
# Returns {1, now_ms, tokens held} when taken, {0, ms to wait (-1: until a slot frees), held}.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit, delay, lease = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local held = redis.call('ZCARD', KEYS[1])
if limit > 0 and held >= limit then
  return {0, -1, held}
end
if delay > 0 then
  local nxt = tonumber(redis.call('GET', KEYS[2]) or '0')
  if now < nxt then
    return {0, nxt - now, held}
  end
  redis.call('SET', KEYS[2], now + delay, 'PX', delay + 60000)
end
redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
redis.call('PEXPIRE', KEYS[1], lease * 2)
return {1, now, held + 1}
"""

# KEYS[1] the host's token set; ARGV: lease ms, tokens... Pushes the expiry of the tokens still
# there (an already expired one is not brought back: its slot may be someone else's now).
_RENEW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[1])
for i = 2, #ARGV do
  redis.call('ZADD', KEYS[1], 'XX', now + lease, ARGV[i])
end
redis.call('PEXPIRE', KEYS[1], lease * 2)
return #ARGV - 1
"""


def worker_id() -> str:
    """Names a worker in Redis: readable (host and pid) and unique (a random suffix)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class HostLimiter:
    """The Redis side of the limits, for any number of processes; one instance per worker.

    ``limit`` requests in flight and one start every ``delay`` seconds per key (a host); a token
    lives ``lease`` seconds unless :meth:`renew` pushes it on.
    """

    def __init__(
        self,
        client: aioredis.Redis,
        limit: int,
        delay: float,
        lease: float,
        prefix: str = KEY_PREFIX,
    ) -> None:
        self.client = client
        self.limit = max(0, int(limit))
        self.delay_ms = max(0, round(delay * 1000))
        self.lease_ms = max(1000, round(lease * 1000))
        self.prefix = prefix
        self._acquire = client.register_script(_ACQUIRE)
        self._renew = client.register_script(_RENEW)

    def keys(self, host: str) -> tuple[str, str]:
        return f"{self.prefix}:{host}:tokens", f"{self.prefix}:{host}:next"

    async def try_acquire(self, host: str, token: str) -> tuple[bool, float]:
        """Take a slot for ``host`` now if both limits allow: (taken, seconds to wait first;
        0 when only a freed slot can tell)."""
        taken, value, _held = await self._acquire(
            keys=self.keys(host), args=[token, self.limit, self.delay_ms, self.lease_ms]
        )
        if taken:
            return True, 0.0
        return False, max(0, int(value)) / 1000

    async def release(self, host: str, token: str) -> None:
        await self.client.zrem(self.keys(host)[0], token)

    async def renew(self, host: str, tokens: list[str]) -> None:
        if tokens:
            await self._renew(keys=self.keys(host)[:1], args=[self.lease_ms, *tokens])


class PolitenessGate:
    """One worker's side of the shared limits: its Redis client, the tokens it holds (renewed
    while their requests run) and the local queue per host. Built by the download handler."""

    def __init__(
        self,
        crawler: Crawler,
        redis_url: str,
        timeout: float,
        limit: int,
        delay: float,
        lease: float,
        poll: float,
    ) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.redis_url = redis_url
        self.timeout = timeout
        self.limit = limit
        self.delay = delay
        self.lease = lease
        self.poll = poll
        self.worker = worker_id()
        self.limiter: HostLimiter | None = None
        self._client: aioredis.Redis | None = None
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._held: defaultdict[str, set[str]] = defaultdict(set)
        self._serial = 0
        self._renewer: asyncio.Task[None] | None = None
        self._warned = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PolitenessGate:
        """Raises NotConfigured when there is nothing to share: no Redis URL, the feature off,
        or neither a per-host limit nor a delay."""
        settings = crawler.settings
        redis_url = settings.get("NEWSPORTAL_REDIS_URL") or ""
        if not redis_url or not settings.getbool("NEWSPORTAL_SHARED_POLITENESS", True):
            raise NotConfigured
        limit = settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
        delay = settings.getfloat("DOWNLOAD_DELAY")
        if limit <= 0 and delay <= 0:
            raise NotConfigured("no per-host limit to share")
        if not is_asyncio_reactor_installed():
            raise NotConfigured("shared politeness needs the asyncio reactor (TWISTED_REACTOR)")
        gate = cls(
            crawler,
            redis_url,
            timeout=settings.getfloat("NEWSPORTAL_REDIS_TIMEOUT", 5.0),
            limit=limit,
            delay=delay,
            lease=settings.getfloat("NEWSPORTAL_POLITENESS_LEASE", 30.0),
            poll=settings.getfloat("NEWSPORTAL_POLITENESS_POLL", 0.05),
        )
        crawler.signals.connect(gate.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(gate.spider_closed, signal=signals.spider_closed)
        return gate

    # --- lifecycle ---------------------------------------------------------------------------

    async def spider_opened(self, spider: Spider) -> None:
        # A spider's own download_delay wins over the setting, as in Scrapy's downloader.
        self.delay = float(getattr(spider, "download_delay", self.delay))
        self._client = aioredis.Redis.from_url(
            self.redis_url,
            socket_timeout=self.timeout,
            socket_connect_timeout=self.timeout,
            client_name="newsportal-politeness",
        )
        self.limiter = HostLimiter(self._client, self.limit, self.delay, self.lease)
        self._renewer = asyncio.ensure_future(self._renew_forever())
        logger.info(
            "Shared politeness on %s: per host at most %s requests in flight and one start "
            "every %.2f s, across all workers",
            redact_redis_url(self.redis_url),
            self.limit or "unlimited",
            self.delay,
        )

    async def spider_closed(self, spider: Spider) -> None:
        if self._renewer is not None:
            self._renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewer
        for host, tokens in list(self._held.items()):
            for token in list(tokens):
                await self.release(host, token)
        if self._client is not None:
            with contextlib.suppress(RedisError, OSError):
                await self._client.aclose()

    async def _renew_forever(self) -> None:
        while True:
            await asyncio.sleep(self.lease / 3)
            for host, tokens in list(self._held.items()):
                try:
                    await self.limiter.renew(host, sorted(tokens))
                except (RedisError, OSError) as exc:
                    self._redis_failed(exc)

    # --- requests ----------------------------------------------------------------------------

    @staticmethod
    def host_of(request: Request) -> str:
        """The download slot, as Scrapy's downloader names it: the host unless the request
        names a slot in ``meta["download_slot"]``."""
        return request.meta.get("download_slot") or urlparse_cached(request).hostname or ""

    async def acquire(self, request: Request) -> tuple[str, str] | None:
        """Waits until the request's host may take one more request from this crawl; the
        (host, token) to give back, or None when Redis failed (the request goes anyway)."""
        if self.limiter is None:
            return None
        host = self.host_of(request)
        self._serial += 1
        token = f"{self.worker}:{self._serial}"
        waited = 0.0
        try:
            async with self._locks[host]:
                while True:
                    taken, wait = await self.limiter.try_acquire(host, token)
                    if taken:
                        break
                    pause = wait if wait > 0 else self.poll
                    await asyncio.sleep(pause)
                    waited += pause
        except (RedisError, OSError) as exc:
            self._redis_failed(exc)
            return None
        self._held[host].add(token)
        if waited:
            self.stats.inc_value(f"{STAT_PREFIX}/waits")
            self.stats.inc_value(f"{STAT_PREFIX}/wait_seconds", round(waited, 3))
        return host, token

    async def release(self, host: str, token: str) -> None:
        held = self._held.get(host)
        if not held or token not in held:
            return  # already given back (at spider close, before a late answer came in)
        held.discard(token)
        if not held:
            del self._held[host]
        try:
            await self.limiter.release(host, token)
        except (RedisError, OSError) as exc:
            self._redis_failed(exc)  # the token expires by itself after one lease

    def _redis_failed(self, exc: BaseException) -> None:
        self.stats.inc_value(f"{STAT_PREFIX}/redis_errors")
        if not self._warned:
            self._warned = True
            logger.warning(
                "Shared politeness: Redis %s unreachable (%s); requests go out under this "
                "worker's own limits only",
                redact_redis_url(self.redis_url),
                exc,
            )


class SharedPolitenessHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 download handler, taking the shared slot right before the request
    goes out and giving it back when the answer (or the failure) is in.

    A handler rather than a downloader middleware: middlewares run before Scrapy's own
    per-worker delay and queue, so a slot taken there would be held, and the shared delay
    counted, while the request still waits in the worker; here the slot covers exactly the
    transfer, and the host sees the spacing the limiter granted. ``DOWNLOAD_TIMEOUT`` starts
    once the slot is taken. Without ``NEWSPORTAL_REDIS_URL`` it is the stock handler.
    """

    lazy = False  # built with the downloader, so it sees spider_opened

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.gate = self.crawler_gate(crawler)

    @staticmethod
    def crawler_gate(crawler: Crawler) -> PolitenessGate | None:
        """The worker's one gate, shared by the http and https handlers."""
        if not hasattr(crawler, "_newsportal_politeness_gate"):
            try:
                gate: PolitenessGate | None = PolitenessGate.from_crawler(crawler)
            except NotConfigured:
                gate = None
            crawler._newsportal_politeness_gate = gate
        return crawler._newsportal_politeness_gate

    async def download_request(self, request: Request) -> Response:
        held = await self.gate.acquire(request) if self.gate else None
        try:
            return await super().download_request(request)
        finally:
            if held:
                await self.gate.release(*held)
