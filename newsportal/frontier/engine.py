"""The two places where the frontier needs the engine, kept in one small adapter.

Scrapy has no signal for "the engine is done with this request": its page was scraped, every
request the callback yielded is scheduled and every item went through the pipelines (or a
downloader middleware replaced it with a redirect or a retry). That moment is when a lease may
be settled, so we observe the engine slot's ``remove_request``, which the engine calls exactly
then, for every request, whatever the outcome. And a worker whose frontier is empty only for
the moment (other workers still hold requests) must ask again soon: the engine itself retries
only every 5 s, so we schedule its ``nextcall`` ourselves. Both are attributes of the engine's
private slot (Scrapy 2.19); :class:`EngineHooks` fails at open with a clear message if a future
Scrapy changes them; tests/test_frontier_cluster.py exercises both in real crawls.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scrapy import Request


class EngineHooks:
    def __init__(self, engine: Any, on_request_done: Callable[[Request], None]) -> None:
        slot = getattr(engine, "_slot", None)
        remove = getattr(slot, "remove_request", None)
        nextcall = getattr(slot, "nextcall", None)
        if remove is None or nextcall is None:
            raise RuntimeError(
                "newsportal.frontier needs Scrapy's engine slot (remove_request, nextcall); "
                "this Scrapy version changed it: pin the Scrapy version of requirements.txt"
            )

        def remove_request(request: Request) -> None:
            remove(request)
            on_request_done(request)

        slot.remove_request = remove_request
        self._nextcall = nextcall

    def wake(self) -> None:
        """Let the engine ask the scheduler for requests now."""
        self._nextcall.schedule()
