"""The shared request queue: requests are leased, never popped.

scrapy-redis pops a request destructively (ZRANGE + ZREMRANGEBYRANK), so a worker killed with
requests in flight loses them. Here a worker *leases* a request: it moves from the queue to a
lease table with a deadline, and leaves the table only when the worker acknowledges it -- after
the page's new requests are in the queue and its articles are stored. Live workers renew their
leases (heartbeats); any worker moves leases whose deadline has passed back to the queue, so a
dead worker's requests come back after one lease time. Every step is one Lua script, atomic for
any number of workers; deadlines use the Redis server's clock, so the workers' clocks don't matter.

The queue's widest point is the frontier's largest structure, so a queued request costs only its
payload: one Redis list per priority (FIFO within it) holds the serialized requests, ~3 bytes of
list structure each; a request gets an id, a hash entry and a deadline only while it is leased.

Keys under the crawl's namespace ``<ns>:`` (``<score>`` is -priority)

================  =====  ===========================================================
``q:<score>``     list   queued serialized requests of that priority, oldest first
``q``             zset   the scores whose list is not empty (the lowest is leased first)
``held:<score>``  list   requests of priority <= hold priority (held-back off-scheme articles,
``held``          zset   second addresses read at idle): leased only when every ``q`` list is
                         empty and no worker holds a request that may still add more (``busy``)
``p``             hash   leased id -> "<score>|<serialized request>" (puts it back in place)
``l``             zset   leased ids, score = deadline   ``o``  hash  id -> worker holding it
``busy``          set    leased ids that may still produce requests (not settled, not held)
``w``             zset   worker -> last heartbeat       ``seq`` counter of lease ids
``run``           str    the current run's number; gone once the run is drained
``runs``          counter of runs
================  =====  ===========================================================

Lease ids starting with ``h`` are held requests; ``seed:`` and ``keep:`` ids are leases on no
request (a seeding worker, work a worker keeps for its idle moment). The list keys are derived
from ``q`` and ``held`` inside the scripts: the frontier needs a single Redis, not a Cluster.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from typing import Any

import redis
import scrapy_redis.queue
from scrapy import Request

from newsportal.frontier.fingerprints import FingerprintSet, add_function
from newsportal.frontier.serialize import decode_request, encode_request

SEED_PREFIX = "seed:"
KEEP_PREFIX = "keep:"

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
"""

# KEYS: q held p s l o busy. Queue helpers shared by the scripts:
#   enqueue(kind, score, payload, front): kind 1 = q, 2 = held;
#   dequeue(kind) -> score, payload of its oldest request of the lowest score, or nil;
#   count(kind) -> requests queued in it;
#   unlease(id) -> puts a leased request back at the front of its list (1) or drops a lease on
#                  no request (0).
_QUEUE_FN = """
local function enqueue(kind, score, payload, front)
  local list = KEYS[kind] .. ':' .. score
  if front then redis.call('LPUSH', list, payload) else redis.call('RPUSH', list, payload) end
  redis.call('ZADD', KEYS[kind], score, score)
end
local function dequeue(kind)
  local top = redis.call('ZRANGE', KEYS[kind], 0, 0)
  if #top == 0 then return nil end
  local list = KEYS[kind] .. ':' .. top[1]
  local payload = redis.call('LPOP', list)
  if redis.call('LLEN', list) == 0 then redis.call('ZREM', KEYS[kind], top[1]) end
  if not payload then return nil end
  return top[1], payload
end
local function count(kind)
  local n = 0
  for _, score in ipairs(redis.call('ZRANGE', KEYS[kind], 0, -1)) do
    n = n + redis.call('LLEN', KEYS[kind] .. ':' .. score)
  end
  return n
end
local function unlease(id)
  redis.call('ZREM', KEYS[5], id)
  redis.call('HDEL', KEYS[6], id)
  redis.call('SREM', KEYS[7], id)
  local value = redis.call('HGET', KEYS[3], id)
  if not value then return 0 end
  redis.call('HDEL', KEYS[3], id)
  local bar = string.find(value, '|', 1, true)
  local kind = 1
  if string.sub(id, 1, 1) == 'h' then kind = 2 end
  enqueue(kind, string.sub(value, 1, bar - 1), string.sub(value, bar + 1), true)
  return 1
end
local function sweep(limit)
  local moved = 0
  local expired = redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', now, 'LIMIT', 0, limit)
  for _, id in ipairs(expired) do moved = moved + unlease(id) end
  return moved
end
"""

# KEYS: q held p s l o busy ; ARGV: payload, score, held(0/1)
_PUSH_STEP = """
local kind = 1
if ARGV[3] == '1' then kind = 2 end
enqueue(kind, ARGV[2], ARGV[1], false)
return 1
"""
_PUSH = _QUEUE_FN + _PUSH_STEP

# KEYS: q held p s l o busy df-meta ; ARGV: payload, score, held(0/1), df prefix, df load, fp
# -> 1 queued, 0 seen before. One step: a worker killed between marking a URL seen and queueing
# it would otherwise leave it seen and never queued (its page re-read later finds it "seen").
_PUSH_NEW = (
    _QUEUE_FN
    + add_function("KEYS[8]")
    + """
if fp_add(ARGV[4], tonumber(ARGV[5]), {ARGV[6]})[1] == 0 then return 0 end
"""
    + _PUSH_STEP
)

# KEYS: q held p s l o busy w seq ; ARGV: worker, lease seconds
_LEASE = (
    _NOW
    + _QUEUE_FN
    + """
local moved = sweep(100)
redis.call('ZADD', KEYS[8], now, ARGV[1])
local kind = 1
local score, payload = dequeue(1)
if not score and redis.call('SCARD', KEYS[7]) == 0 then
  kind = 2
  score, payload = dequeue(2)
end
if not score then return {false, false, moved} end
local id = string.format('%012x', redis.call('INCR', KEYS[9]))
if kind == 2 then id = 'h' .. id else id = 'r' .. id end
redis.call('HSET', KEYS[3], id, score .. '|' .. payload)
redis.call('ZADD', KEYS[5], now + tonumber(ARGV[2]), id)
redis.call('HSET', KEYS[6], id, ARGV[1])
if kind == 1 then redis.call('SADD', KEYS[7], id) end
return {id, payload, moved}
"""
)

# KEYS: q held p s l o busy ; ARGV: worker, id, lease seconds -> a lease on no request: the
# worker keeps work for its next idle moment in memory (second addresses),
# so the run is not over and held requests wait. Expired (the worker died): simply dropped.
_KEEP = (
    _NOW
    + """
redis.call('ZADD', KEYS[5], now + tonumber(ARGV[3]), ARGV[2])
redis.call('HSET', KEYS[6], ARGV[2], ARGV[1])
redis.call('SADD', KEYS[7], ARGV[2])
return 1
"""
)

# KEYS: q held p s l o busy ; ARGV: worker, id
_SETTLE = """
if redis.call('HGET', KEYS[6], ARGV[2]) == ARGV[1] then
  return redis.call('SREM', KEYS[7], ARGV[2])
end
return 0
"""

# KEYS: q held p s l o busy ; ARGV: worker, id
_ACK = """
if redis.call('HGET', KEYS[6], ARGV[2]) ~= ARGV[1] then return 0 end
redis.call('ZREM', KEYS[5], ARGV[2])
redis.call('HDEL', KEYS[6], ARGV[2])
redis.call('SREM', KEYS[7], ARGV[2])
redis.call('HDEL', KEYS[3], ARGV[2])
return 1
"""

# KEYS: q held p s l o busy ; ARGV: worker, ids... -> back to the queue now
_RELEASE = (
    _QUEUE_FN
    + """
local n = 0
for i = 2, #ARGV do
  if redis.call('HGET', KEYS[6], ARGV[i]) == ARGV[1] then
    unlease(ARGV[i])
    n = n + 1
  end
end
return n
"""
)

# KEYS: l o w ; ARGV: worker, lease seconds, ids... ; returns ids no longer ours
_RENEW = (
    _NOW
    + """
redis.call('ZADD', KEYS[3], now, ARGV[1])
local lost = {}
for i = 3, #ARGV do
  if redis.call('HGET', KEYS[2], ARGV[i]) == ARGV[1] then
    redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[i])
  else
    lost[#lost + 1] = ARGV[i]
  end
end
return lost
"""
)

# KEYS: q held p s l o busy run runs ; ARGV: worker, lease seconds
# -> {run, 1 if this worker seeds}. A leftover run with nothing queued or leased is over.
_JOIN = (
    _NOW
    + _QUEUE_FN
    + """
sweep(1000)
local run = redis.call('GET', KEYS[8])
if run and (redis.call('ZCARD', KEYS[1]) + redis.call('ZCARD', KEYS[2])
            + redis.call('ZCARD', KEYS[5])) > 0 then
  return {run, 0}
end
run = tostring(redis.call('INCR', KEYS[9]))
redis.call('SET', KEYS[8], run)
local id = 'seed:' .. ARGV[1]
redis.call('ZADD', KEYS[5], now + tonumber(ARGV[2]), id)
redis.call('HSET', KEYS[6], id, ARGV[1])
redis.call('SADD', KEYS[7], id)
return {run, 1}
"""
)

# KEYS: q held p s l o busy run w ; ARGV: run ; -> {queued, held, leased, busy, closed}
_STATUS = (
    _NOW
    + _QUEUE_FN
    + """
sweep(1000)
local q = count(1)
local h = count(2)
local l = redis.call('ZCARD', KEYS[5])
local b = redis.call('SCARD', KEYS[7])
local closed = 0
local run = redis.call('GET', KEYS[8])
if ARGV[1] ~= '' and q + h + l == 0 and run == ARGV[1] then
  redis.call('DEL', KEYS[8])
  closed = 1
end
if ARGV[1] ~= '' and run ~= ARGV[1] then closed = -1 end
-- Workers silent for an hour (killed) leave the register.
redis.call('ZREMRANGEBYSCORE', KEYS[9], '-inf', now - 3600)
return {q, h, l, b, closed, redis.call('ZCARD', KEYS[9])}
"""
)


@dataclass
class Status:
    queued: int
    held: int
    leased: int
    busy: int
    workers: int
    closed_now: bool = False  # this call ended the run
    run_over: bool = False  # the run this worker joined is over (ended by anyone)

    @property
    def drained(self) -> bool:
        return self.queued + self.held + self.leased == 0


class Frontier:
    """The leased queue of one crawl, for one worker (``worker`` names it in the lease table)."""

    def __init__(self, server: redis.Redis, namespace: str, worker: str) -> None:
        self.server = server
        self.ns = namespace
        self.worker = worker
        k = {
            name: f"{namespace}:{name}"
            for name in ["q", "held", "p", "s", "l", "o", "busy", "w", "seq", "run", "runs"]
        }
        self.keys = k
        self._core = [k["q"], k["held"], k["p"], k["s"], k["l"], k["o"], k["busy"]]
        self._push = server.register_script(_PUSH)
        self._push_new = server.register_script(_PUSH_NEW)
        self._lease = server.register_script(_LEASE)
        self._settle = server.register_script(_SETTLE)
        self._keep = server.register_script(_KEEP)
        self._ack = server.register_script(_ACK)
        self._release = server.register_script(_RELEASE)
        self._renew = server.register_script(_RENEW)
        self._join = server.register_script(_JOIN)
        self._status = server.register_script(_STATUS)

    def join(self, lease_seconds: float) -> tuple[str, bool]:
        """The run to work on, and whether this worker must seed it (then it holds the lease
        ``seed:<worker>`` until :meth:`ack` of :meth:`seed_id`: others wait, don't finish)."""
        run, seeds = self._join([*self._core, self.keys["run"], self.keys["runs"]],
                                [self.worker, lease_seconds])  # fmt: skip
        return run.decode(), bool(seeds)

    @property
    def seed_id(self) -> str:
        return SEED_PREFIX + self.worker

    @property
    def keep_id(self) -> str:
        return KEEP_PREFIX + self.worker

    def keep(self, lease_seconds: float) -> None:
        """This worker holds work in memory until it is next idle (:meth:`keep_id` until
        :meth:`ack`): the run is not over and held requests wait meanwhile."""
        self._keep(self._core, [self.worker, self.keep_id, lease_seconds])

    def push(self, payload: bytes, priority: int, held: bool) -> None:
        self._push(self._core, [payload, -priority, int(held)])

    def push_new(
        self, payload: bytes, priority: int, held: bool, seen: FingerprintSet, fp: int
    ) -> bool:
        """Queue the request unless ``fp`` is in ``seen`` (the run's dupefilter), adding it
        there in the same atomic step; False: seen before."""
        return bool(
            self._push_new(
                [*self._core, seen.meta],
                [payload, -priority, int(held), seen.prefix, seen.load, str(fp)],
            )
        )

    def lease(self, lease_seconds: float) -> tuple[str | None, bytes | None, int]:
        """(id, payload, expired leases moved back) of the next request, or (None, None, n).
        The id is the lease's: a request leased again after its lease expired gets a new one."""
        rid, payload, moved = self._lease(
            [*self._core, self.keys["w"], self.keys["seq"]], [self.worker, lease_seconds]
        )
        return (rid.decode() if rid else None), (payload or None), int(moved)

    def settle(self, rid: str) -> None:
        """The request's new requests are all queued: it no longer keeps held ones back."""
        self._settle(self._core, [self.worker, rid])

    def ack(self, rid: str) -> bool:
        """Done with the request (its outputs are handed over); False if the lease was lost."""
        return bool(self._ack(self._core, [self.worker, rid]))

    def release(self, ids: list[str]) -> int:
        """Give leased requests back to the queue now (a clean stop with work unfinished)."""
        return int(self._release(self._core, [self.worker, *ids])) if ids else 0

    def renew(self, ids: list[str], lease_seconds: float) -> list[str]:
        """Heartbeat: extend our leases; returns the ids that are no longer ours."""
        lost = self._renew(
            [self.keys["l"], self.keys["o"], self.keys["w"]], [self.worker, lease_seconds, *ids]
        )
        return [x.decode() for x in lost]

    def status(self, run: str = "") -> Status:
        """The frontier's counters (expired leases swept first). With ``run``: if nothing is
        queued, held or leased, end that run (``closed_now`` on the caller that did)."""
        q, h, lease, b, closed, w = self._status(
            [*self._core, self.keys["run"], self.keys["w"]], [run]
        )
        return Status(q, h, lease, b, w, closed_now=closed == 1, run_over=closed != 0)

    def leave(self) -> None:
        self.server.zrem(self.keys["w"], self.worker)

    def clear(self) -> None:
        """Drop queue and leases (not the seen-store): NEWSPORTAL_FRONTIER_RESET."""
        self.server.delete(*self._lists(), *self._core, self.keys["run"])

    def _lists(self) -> list[str]:
        """The keys of the per-priority lists that hold requests now."""
        return [
            f"{self.keys[kind]}:{score.decode()}"
            for kind in ("q", "held")
            for score in self.server.zrange(self.keys[kind], 0, -1)
        ]

    def structure_keys(self) -> list[str]:
        return [
            *self._core, *self._lists(),
            self.keys["w"], self.keys["seq"], self.keys["run"], self.keys["runs"],
        ]  # fmt: skip


class LeasedQueue(scrapy_redis.queue.Base):
    """scrapy-redis's queue interface (``push``, ``pop``, ``__len__``, ``clear`` and the
    ``_encode_request``/``_decode_request`` hooks) over the leased :class:`Frontier`.

    Subclassed rather than used as is: its ``pop`` removes the request for good, and its
    encoding pickles Scrapy's whole request dict and cannot hold the requests nested in a
    held-back article (:mod:`newsportal.frontier.serialize`). ``pop`` here returns the lease id
    with the request; the scheduler settles and acks it.
    """

    def __init__(
        self, server: redis.Redis, spider: Any, frontier: Frontier, lease_seconds: float,
        hold_priority: int,
    ) -> None:  # fmt: skip
        super().__init__(server, spider, frontier.ns, serializer=pickle)
        self.frontier = frontier
        self.lease_seconds = lease_seconds
        self.hold_priority = hold_priority
        self.requeued = 0  # expired leases moved back by the last pop

    def _encode_request(self, request: Request) -> bytes:
        return encode_request(request, self.spider)

    def _decode_request(self, encoded_request: bytes) -> Request:
        return decode_request(encoded_request, self.spider)

    def __len__(self) -> int:
        status = self.frontier.status()
        return status.queued + status.held

    def push(self, request: Request) -> None:
        held = request.priority <= self.hold_priority
        self.frontier.push(self._encode_request(request), request.priority, held)

    def push_new(self, request: Request, seen: FingerprintSet, fp: int) -> bool:
        """Push the request unless its fingerprint ``fp`` is in ``seen``, atomically."""
        held = request.priority <= self.hold_priority
        return self.frontier.push_new(self._encode_request(request), request.priority, held,
                                      seen, fp)  # fmt: skip

    def pop(self, timeout: float = 0) -> tuple[str, bytes] | None:
        """Lease the next request: (lease id, encoded request), or None. Never blocks."""
        rid, payload, self.requeued = self.frontier.lease(self.lease_seconds)
        return None if rid is None or payload is None else (rid, payload)

    def clear(self) -> None:
        self.frontier.clear()
