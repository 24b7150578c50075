"""The shared duplicate filter: one per *run* of a crawl, in Redis.

scrapy-redis keeps its dupefilter for ever (``SCHEDULER_PERSIST``) or drops it at every close:
kept, a rerun finds every list page "seen" and never learns of new articles; dropped, a worker
that stops drops it for all the others. Ours belongs to the run (``<ns>:df:<run>:``): every
worker of the run shares it, and the worker that sees the run drained deletes it, so the next
run fetches home and list pages again; stored articles are skipped by the seen-store instead
(:mod:`newsportal.frontier.seen`). It keeps :class:`newsportal.dupefilter.RedirectLoopDupeFilter`'s
redirect-loop accounting and stores 52-bit fingerprints of Scrapy's request fingerprints in a
:class:`~newsportal.frontier.fingerprints.FingerprintSet` (~9 bytes per URL).
"""

from __future__ import annotations

from typing import Any

from scrapy import Request

from newsportal.dupefilter import RedirectLoopDupeFilter
from newsportal.frontier.fingerprints import FingerprintSet, fingerprint


class RedisDupeFilter(RedirectLoopDupeFilter):
    def __init__(
        self, fingerprints: FingerprintSet, fingerprinter: Any, debug: bool, crawler: Any = None
    ) -> None:
        super().__init__(None, debug, fingerprinter=fingerprinter)
        self.fpset = fingerprints
        self.crawler = crawler  # for the hit-counter and redirect-loop stats

    def fp(self, request: Request) -> int:
        """The request's 52-bit fingerprint, as stored in the set."""
        return fingerprint(self.fingerprinter.fingerprint(request))

    def fingerprint_seen(self, request: Request) -> bool:
        fp = self.fp(request)
        return not self.fpset.add_one(fp)

    def __len__(self) -> int:
        return len(self.fpset)
