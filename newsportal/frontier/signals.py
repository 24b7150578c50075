"""Signals of the shared frontier (Scrapy-style sentinels)."""

# The shared crawl is over: no request queued, held back or leased by any worker. Sent on every
# worker that sees it, with ``first=True`` on the one worker that closed the run (do once-per-
# crawl work there) and ``status`` (the frontier's counters).
frontier_drained = object()
