"""The shared frontier: one crawl split over many worker processes through Redis.

Off unless ``NEWSPORTAL_REDIS_URL`` is set; then :class:`newsportal.frontier.addon.FrontierAddon`
swaps in the components below, and a single-machine crawl stays exactly as it was without it.

Built on scrapy-redis's layout (one module per replaced Scrapy component, plugged in by
settings) but not on its classes, whose defects the issue lists: its queue pops destructively
(``queue.py`` leases instead), its dupefilter persists forever and blocks list pages on a rerun
(``fingerprints.py``/``scheduler.py``: one dupefilter per *run*, dropped when the run is
drained), it stores SHA1 hex strings (~100 bytes per URL; ours ~9), pickles whole request dicts,
closes on an idle timeout (``scheduler.py``: a run ends when no worker holds a request), and its
spiders only define ``start_requests()``, which Scrapy 2.16+ never calls (our spiders keep their
``async def start()``; the scheduler decides which worker seeds).

connection.py   the Redis client from NEWSPORTAL_REDIS_URL, redaction, the key namespace
fingerprints.py compact URL sets (52-bit fingerprints in intsets, linear hashing)
queue.py        the leased request queue (Lua): lease, settle, ack, renew, release, drained
serialize.py    requests to bytes and back, items and nested requests included
scheduler.py    FrontierScheduler: enqueue/lease, heartbeats, seeding, termination
leases.py       LeaseTracker spider middleware: ack a lease only once its items are stored
dedupe.py       the in-run dedupe in Redis (SharedDedupePipeline)
seen.py         the seen-store of stored articles in Redis (RedisDeltaFetch)
addon.py        FrontierAddon: switches all of the above on
"""
