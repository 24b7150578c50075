"""Compact sets of URL fingerprints in Redis: about 9 bytes per URL instead of about 100.

scrapy-redis keeps a SHA1 hex string per request in one Redis set: 40 characters plus a hash
table entry, ~100 bytes per URL, so 10 M URLs take ~1 GB. Here a URL is a 52-bit fingerprint
stored as an *integer* member of a small Redis set: Redis encodes a set of integers of up to
``set-max-intset-entries`` (512 by default) members as an intset, a sorted array of 8-byte
integers. The members are spread over buckets ``<prefix><n>`` by linear hashing (Litwin): when
the average load passes :data:`LOAD` members per bucket, the next bucket in turn is split in
two, so buckets never outgrow the intset encoding however large the crawl, and a small crawl
uses a handful of keys, not a fixed table of thousands. All of it runs in Lua scripts, atomic
for any number of workers; Lua numbers are doubles, exact for integers below 2^53, hence 52 bits.

Measured by ``bench/bench_frontier_memory.py`` (MEMORY USAGE of every key / URLs): about 9-10
bytes per URL from a few thousand URLs up; SHA1 hex in one set, as scrapy-redis does: ~100.

Trade-off (why not a Bloom filter, ~1.2 bytes per URL at 1 %): a false positive silently skips
a page, and a Bloom filter is sized up front -- too small and its error rate climbs, too large
and a small crawl pays for it. A fingerprint set is exact but for 52-bit collisions: the chance
that a given new URL is wrongly taken as seen is n / 2^52, 2e-9 with n = 10 M URLs (about one
wrongly skipped page per 400 crawls of 10 M URLs), and it grows with the crawl, never fixed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

import redis

FP_BITS = 52
# Average members per bucket before the next split. Linear hashing leaves the buckets not yet
# split this round at up to twice the average; 180 keeps them (plus 5 sigma) under 512.
LOAD = 180
_CHUNK = 1000  # members per Lua call (unpack() in Redis's Lua has a limit near 8000)

_BUCKET_FN = """
local function bucket(h, level, split)
  local n = 2 ^ level
  local b = h % n
  if b < split then b = h % (2 * n) end
  return string.format('%d', b)
end
"""

_BUCKET = (
    _BUCKET_FN
    + """
local level = tonumber(redis.call('HGET', KEYS[1], 'level') or '0')
local split = tonumber(redis.call('HGET', KEYS[1], 'split') or '0')
"""
)


# Lua helpers on any set, named by its meta key and bucket prefix: fp_add_to(meta, prefix, load,
# members) -> {1 if new, else 0, ...} and fp_has(meta, prefix, member) -> 1 or 0. A structure
# made of several sets (the in-run dedupe) checks and claims in one script with them.
SET_FUNCTIONS = (
    _BUCKET_FN
    + """
local function fp_add_to(meta, prefix, load, members)
  local level = tonumber(redis.call('HGET', meta, 'level') or '0')
  local split = tonumber(redis.call('HGET', meta, 'split') or '0')
  local count = tonumber(redis.call('HGET', meta, 'count') or '0')
  local out = {}
  for _, member in ipairs(members) do
    local h = tonumber(member)
    local added = redis.call('SADD', prefix .. bucket(h, level, split), member)
    out[#out + 1] = added
    if added == 1 then
      count = count + 1
      if count > load * (2 ^ level + split) then
        local n2 = 2 ^ (level + 1)
        local src = prefix .. string.format('%d', split)
        local dst = prefix .. string.format('%d', split + 2 ^ level)
        local moving = {}
        for _, m in ipairs(redis.call('SMEMBERS', src)) do
          if tonumber(m) % n2 ~= split then moving[#moving + 1] = m end
        end
        for j = 1, #moving, 500 do
          local part = {unpack(moving, j, math.min(j + 499, #moving))}
          redis.call('SREM', src, unpack(part))
          redis.call('SADD', dst, unpack(part))
        end
        split = split + 1
        if split == 2 ^ level then level = level + 1; split = 0 end
      end
    end
  end
  redis.call('HSET', meta, 'level', level, 'split', split, 'count', count)
  return out
end
local function fp_has(meta, prefix, member)
  local level = tonumber(redis.call('HGET', meta, 'level') or '0')
  local split = tonumber(redis.call('HGET', meta, 'split') or '0')
  return redis.call('SISMEMBER', prefix .. bucket(tonumber(member), level, split), member)
end
"""
)


def add_function(meta: str) -> str:
    """Lua defining ``fp_add(prefix, load, members) -> {1 if new, else 0, ...}`` on the set
    whose meta hash is the key expression ``meta``, so a script of another structure (the
    queue: add a request's fingerprint and queue it, in one atomic step) can use it too."""
    return (
        SET_FUNCTIONS
        + f"""
local function fp_add(prefix, load, members) return fp_add_to({meta}, prefix, load, members) end
"""
    )


_ADD = (
    add_function("KEYS[1]")
    + """
return fp_add(ARGV[1], tonumber(ARGV[2]), {unpack(ARGV, 3)})
"""
)

_CONTAINS = (
    _BUCKET
    + """
local out = {}
for i = 2, #ARGV do
  local b = bucket(tonumber(ARGV[i]), level, split)
  out[#out + 1] = redis.call('SISMEMBER', ARGV[1] .. b, ARGV[i])
end
return out
"""
)

_CLEAR = """
local level = tonumber(redis.call('HGET', KEYS[1], 'level') or '0')
local split = tonumber(redis.call('HGET', KEYS[1], 'split') or '0')
local buckets = 2 ^ level + split
for b = 0, buckets - 1 do redis.call('UNLINK', ARGV[1] .. string.format('%d', b)) end
redis.call('UNLINK', KEYS[1])
return buckets
"""


def fingerprint(data: str | bytes) -> int:
    """A 52-bit fingerprint of a URL (or of a request fingerprint's bytes)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return int.from_bytes(hashlib.blake2b(raw, digest_size=8).digest(), "big") >> (64 - FP_BITS)


class FingerprintSet:
    """A set of URL fingerprints shared by every worker (see the module docstring).

    Keys: ``<prefix>m`` (a hash: level, split, count) and ``<prefix>0``, ``<prefix>1``, ...
    """

    def __init__(self, server: redis.Redis, prefix: str, load: int = LOAD) -> None:
        self.server = server
        self.prefix = prefix
        self.meta = prefix + "m"
        self.load = load
        self._add = server.register_script(_ADD)
        self._contains = server.register_script(_CONTAINS)
        self._clear = server.register_script(_CLEAR)

    def add(self, fingerprints: Sequence[int]) -> list[bool]:
        """Add fingerprints; for each, whether it was new."""
        out: list[bool] = []
        for start in range(0, len(fingerprints), _CHUNK):
            chunk = [str(fp) for fp in fingerprints[start : start + _CHUNK]]
            out.extend(bool(x) for x in self._add([self.meta], [self.prefix, self.load, *chunk]))
        return out

    def add_one(self, fp: int) -> bool:
        return self.add([fp])[0]

    def contains(self, fingerprints: Sequence[int]) -> list[bool]:
        out: list[bool] = []
        for start in range(0, len(fingerprints), _CHUNK):
            chunk = [str(fp) for fp in fingerprints[start : start + _CHUNK]]
            out.extend(bool(x) for x in self._contains([self.meta], [self.prefix, *chunk]))
        return out

    def __contains__(self, fp: int) -> bool:
        return self.contains([fp])[0]

    def __len__(self) -> int:
        return int(self.server.hget(self.meta, "count") or 0)

    def clear(self) -> None:
        self._clear([self.meta], [self.prefix])

    def keys(self) -> Iterable[str]:
        meta = self.server.hmget(self.meta, "level", "split")
        level, split = int(meta[0] or 0), int(meta[1] or 0)
        if not self.server.exists(self.meta):
            return []
        return [self.meta, *(f"{self.prefix}{b}" for b in range(2**level + split))]

    def memory_usage(self) -> int:
        """Bytes Redis spends on this set: MEMORY USAGE of each of its keys (exact, SAMPLES 0)."""
        return memory_usage(self.server, self.keys())


def memory_usage(server: redis.Redis, keys: Iterable[str]) -> int:
    total = 0
    keys = list(keys)
    for start in range(0, len(keys), 1000):
        pipe = server.pipeline(transaction=False)
        for key in keys[start : start + 1000]:
            pipe.execute_command("MEMORY USAGE", key, "SAMPLES", "0")
        total += sum(int(x or 0) for x in pipe.execute())
    return total
