"""Scrapy settings for newsportal.

Every value a deployment may need to change reads an environment variable first, so a laptop,
a CI job and a scrapyd host configure the same code without editing it. scrapyd's per-job
``setting=K=V`` arrives at command-line priority and overrides all of these.
"""

import os


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    return float(value) if value else default


def env_bool(name: str, default: bool | None) -> bool | None:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    return value in {"1", "true", "yes", "on"}


BOT_NAME = "newsportal"
SPIDER_MODULES = ["newsportal.spiders"]
NEWSPIDER_MODULE = "newsportal.spiders"

# --- Politeness: a small regional portal must never feel us. -----------------------------------
USER_AGENT = env_str(
    "NEWSPORTAL_USER_AGENT",
    "newsportal/0.1 (news archive crawler; +https://github.com/newsportal/newsportal)",
)
ROBOTSTXT_OBEY = env_bool("NEWSPORTAL_ROBOTSTXT_OBEY", True)
CONCURRENT_REQUESTS = env_int("NEWSPORTAL_CONCURRENT_REQUESTS", 16)
CONCURRENT_REQUESTS_PER_DOMAIN = env_int("NEWSPORTAL_CONCURRENT_REQUESTS_PER_DOMAIN", 2)
DOWNLOAD_DELAY = env_float("NEWSPORTAL_DOWNLOAD_DELAY", 0.5)
AUTOTHROTTLE_ENABLED = env_bool("NEWSPORTAL_AUTOTHROTTLE", True)
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = env_int("NEWSPORTAL_DOWNLOAD_TIMEOUT", 30)
RETRY_TIMES = env_int("NEWSPORTAL_RETRY_TIMES", 2)
REDIRECT_MAX_TIMES = 5
DUPEFILTER_CLASS = "newsportal.dupefilter.RedirectLoopDupeFilter"  # counts redirect loops

# --- Crawler-trap guards. ----------------------------------------------------------------------
# Depth counts hops from the home page (menu -> list -> pagination -> article -> 推荐阅读 ...);
# raise it for a full back-archive crawl of deep paginations.
DEPTH_LIMIT = env_int("NEWSPORTAL_DEPTH_LIMIT", 30)
DEPTH_STATS_VERBOSE = False
# How many values of one query parameter, the others fixed, the crawl may follow: stops walks
# over calendars (?date=) and counters; 0 turns the guard off.
NEWSPORTAL_MAX_QUERY_VARIANTS = env_int("NEWSPORTAL_MAX_QUERY_VARIANTS", 50)

# --- Pages and charsets. -----------------------------------------------------------------------
# After HttpCompressionMiddleware (590) has unpacked the body, before MetaRefresh (580) reads it:
# fixes pages whose declared charset is missing or wrong (GBK portals).
DOWNLOADER_MIDDLEWARES = {"newsportal.encoding.CharsetMiddleware": 585}
CHARSET_DETECT_ENABLED = env_bool("NEWSPORTAL_CHARSET_DETECT", True)
# Incremental crawls: article pages already stored are not downloaded again (settings below).
SPIDER_MIDDLEWARES = {"newsportal.storage.deltafetch.DeltaFetch": 100}
ITEM_PIPELINES = {
    "newsportal.pipelines.ValidationPipeline": 100,
    "newsportal.pipelines.DedupePipeline": 200,
    "newsportal.storage.mongo.MongoPipeline": 300,  # off without MONGO_URI
}
EXTENSIONS = {"newsportal.ops.statsfile.StatsFile": 900}
# Write the closing stats of each run as JSON here ("%(name)s" = spider name); empty: off.
NEWSPORTAL_STATS_FILE = env_str("NEWSPORTAL_STATS_FILE", "")
ADDONS = {"newsportal.addons.OutputAddon": 0}

# --- Output. -----------------------------------------------------------------------------------
# Without MONGO_URI the articles of a run go to this JSON Lines file (set it empty to disable).
NEWSPORTAL_FEED = env_str("NEWSPORTAL_FEED", "output/%(name)s.jsonl")
FEED_EXPORT_ENCODING = "utf-8"
FEED_EXPORTERS = {
    "jsonlines": "newsportal.exporters.JsonLinesExporter",
    "jsonl": "newsportal.exporters.JsonLinesExporter",
    "json": "newsportal.exporters.JsonExporter",
}

# Where state that outlives a job lives (incremental-crawl store, spool). Absolute, so scrapyd
# jobs, whose working directory changes, share it.
NEWSPORTAL_DATA_DIR = os.path.abspath(
    env_str(
        "NEWSPORTAL_DATA_DIR",
        os.path.join(os.path.expanduser("~"), ".local", "share", "newsportal"),
    )
)

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
LOG_LEVEL = env_str("NEWSPORTAL_LOG_LEVEL", "INFO")

# --- Monitoring at spider close (newsportal.ops.monitors; docs/deploy.md). ---------------------
# A failed check logs an ERROR naming it, sets the stat newsportal/monitor/failed (and
# .../failed/<check>) and POSTs JSON to NEWSPORTAL_MONITOR_WEBHOOK when set. The previous run's
# article count is kept in NEWSPORTAL_DATA_DIR/monitor/<spider>.json.
SPIDERMON_ENABLED = env_bool("NEWSPORTAL_MONITOR_ENABLED", True)
# Spidermon, whose closing checks judge a shared crawl once, on its last worker out.
EXTENSIONS = {**EXTENSIONS, "newsportal.frontier.stats.CrawlMonitors": 500}
SPIDERMON_SPIDER_CLOSE_MONITORS = ("newsportal.ops.monitors.SpiderCloseMonitorSuite",)
NEWSPORTAL_MONITOR_WEBHOOK = env_str("NEWSPORTAL_MONITOR_WEBHOOK", "")
# Articles seen (stored new + skipped as already stored) must be >= this share of the last run's.
NEWSPORTAL_MONITOR_MIN_SEEN_RATIO = env_float("NEWSPORTAL_MONITOR_MIN_SEEN_RATIO", 0.5)
# Minimum share of extracted articles having each field; a JSON object merged over these.
NEWSPORTAL_MONITOR_FIELD_COVERAGE = env_str(
    "NEWSPORTAL_MONITOR_FIELD_COVERAGE",
    '{"title": 1.0, "body": 1.0, "published_at": 0.99, "source": 0.9}',
)
# ERROR log lines (retry give-ups aside) and spider exceptions allowed in a run.
NEWSPORTAL_MONITOR_MAX_ERRORS = env_int("NEWSPORTAL_MONITOR_MAX_ERRORS", 0)
NEWSPORTAL_MONITOR_MAX_SPIDER_EXCEPTIONS = env_int("NEWSPORTAL_MONITOR_MAX_SPIDER_EXCEPTIONS", 0)
# Share of pages wanted (downloaded + skipped as stored) that may end in a download exception;
# the same share for failed pages (404, 500, timeouts after retries).
NEWSPORTAL_MONITOR_MAX_DOWNLOAD_ERROR_RATIO = env_float(
    "NEWSPORTAL_MONITOR_MAX_DOWNLOAD_ERROR_RATIO", 0.05
)
# Drops other than these reasons (newsportal/dropped/<reason>) count as lost articles.
NEWSPORTAL_MONITOR_MAX_DROPPED_RATIO = env_float("NEWSPORTAL_MONITOR_MAX_DROPPED_RATIO", 0.05)
NEWSPORTAL_MONITOR_DROPPED_IGNORE = ["duplicate_url", "duplicate_content", "already_stored"]
# Stat counting articles skipped because an earlier run stored them: the first one present.
NEWSPORTAL_MONITOR_SKIPPED_STATS = ["deltafetch/skipped_articles", "deltafetch/skipped"]
# Below this many extracted articles, no 推荐阅读-reached article is expected (incremental runs).
NEWSPORTAL_MONITOR_RELATED_MIN_ARTICLES = env_int("NEWSPORTAL_MONITOR_RELATED_MIN_ARTICLES", 10)

# --- Storage: MongoDB, spool, incremental crawls (newsportal.storage / spool / deltafetch). -----
# Without MONGO_URI the MongoDB pipeline is off and articles go to NEWSPORTAL_FEED.
MONGO_URI = env_str("MONGO_URI", "")
MONGO_DATABASE = env_str("MONGO_DATABASE", "newsportal")
MONGO_COLLECTION = env_str("MONGO_COLLECTION", "articles")
MONGO_BATCH_SIZE = env_int("MONGO_BATCH_SIZE", 100)  # articles per bulk_write
MONGO_MAX_DELAY = env_float("MONGO_MAX_DELAY", 5.0)  # seconds an article may wait in a batch
MONGO_TIMEOUT_MS = env_int("MONGO_TIMEOUT_MS", 3000)  # server selection / connect timeout
MONGO_RETRY_TIMES = env_int("MONGO_RETRY_TIMES", 3)  # retries of a failed batch before spooling
MONGO_RETRY_BACKOFF = env_float("MONGO_RETRY_BACKOFF", 1.0)  # seconds, doubled per retry
# Batches MongoDB could not take wait here (relative: under NEWSPORTAL_DATA_DIR).
NEWSPORTAL_SPOOL_DIR = env_str("NEWSPORTAL_SPOOL_DIR", "spool")
# Incremental runs: article pages already stored are not downloaded again.
# Unset: on with MongoDB (the source of truth the seen-store caches), off with the feed only,
# so a feed-only run always writes every article it finds.
DELTAFETCH_ENABLED = env_bool("DELTAFETCH_ENABLED", None)
DELTAFETCH_DIR = env_str("DELTAFETCH_DIR", "deltafetch")  # relative: under NEWSPORTAL_DATA_DIR
DELTAFETCH_RESET = env_bool("DELTAFETCH_RESET", False)

# --- Shared frontier: one crawl split over many workers through Redis (newsportal.frontier). ---
# redis://[:password@]host:6379/0 switches the crawl to the shared frontier (docs/cluster.md);
# every worker started with the same URL and spider (and portal) joins the same crawl.
# Empty: a single-process crawl, exactly as without it.
NEWSPORTAL_REDIS_URL = env_str("NEWSPORTAL_REDIS_URL", "")
NEWSPORTAL_REDIS_TIMEOUT = env_float("NEWSPORTAL_REDIS_TIMEOUT", 5.0)  # seconds per command
# Keys are <prefix>:<spider>:<site>:<domains hash>:...; change it to run two separate clusters
# of the same portal in one Redis database.
NEWSPORTAL_FRONTIER_PREFIX = env_str("NEWSPORTAL_FRONTIER_PREFIX", "newsportal")
# Seconds a worker may hold a request without a heartbeat (every third of it) before another
# worker gives it back to the queue: a killed worker's requests return within this time.
NEWSPORTAL_FRONTIER_LEASE = env_float("NEWSPORTAL_FRONTIER_LEASE", 30.0)
# Seconds between an idle worker's looks at the shared queue.
NEWSPORTAL_FRONTIER_POLL = env_float("NEWSPORTAL_FRONTIER_POLL", 0.25)
# Requests of this priority or lower (held-back off-scheme articles) are leased only when no
# worker holds any other request.
NEWSPORTAL_FRONTIER_HOLD_PRIORITY = env_int("NEWSPORTAL_FRONTIER_HOLD_PRIORITY", -100)
# Drop the queue of an unfinished run at start instead of resuming it (the seen-store stays).
NEWSPORTAL_FRONTIER_RESET = env_bool("NEWSPORTAL_FRONTIER_RESET", False)
ADDONS = {**ADDONS, "newsportal.frontier.addon.FrontierAddon": 10}

# --- Shared crawl: global politeness and crawl-wide monitoring (docs/cluster.md). --------------
# With NEWSPORTAL_REDIS_URL, CONCURRENT_REQUESTS_PER_DOMAIN and DOWNLOAD_DELAY hold per host
# across all workers, through Redis (newsportal.frontier.politeness); without the URL the
# handler below is Scrapy's own.
NEWSPORTAL_SHARED_POLITENESS = env_bool("NEWSPORTAL_SHARED_POLITENESS", True)
# Seconds a worker's slot on a host outlives the worker (kill -9) before others may take it.
NEWSPORTAL_POLITENESS_LEASE = env_float("NEWSPORTAL_POLITENESS_LEASE", 30.0)
# The stock HTTP/1.1 handler, taking the shared per-host slot right before each request goes out.
DOWNLOAD_HANDLERS = {
    "http": "newsportal.frontier.politeness.SharedPolitenessHandler",
    "https": "newsportal.frontier.politeness.SharedPolitenessHandler",
}
# Seconds without a heartbeat after which a worker counts as gone (kill -9) for the crawl-wide
# closing checks, which the last worker out runs on the sum of all workers' stats.
NEWSPORTAL_CRAWL_WORKER_TIMEOUT = env_float("NEWSPORTAL_CRAWL_WORKER_TIMEOUT", 20.0)
# The last worker out writes the whole crawl's summed stats here as JSON ("%(name)s"); empty: off.
NEWSPORTAL_CRAWL_STATS_FILE = env_str("NEWSPORTAL_CRAWL_STATS_FILE", "")
