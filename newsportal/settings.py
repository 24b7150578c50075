"""Scrapy settings for newsportal: the defaults, and nothing but the defaults.

Each documented name below (``NEWSPORTAL_*``, ``MONGO_*``, ``DELTAFETCH_*``) can be given three
ways, later ones winning: as an environment variable of the same name, with ``scrapy crawl -s
NAME=VALUE``, or per scrapyd job with ``setting=NAME=VALUE``. The add-on
:class:`newsportal.addons.SettingsAddon` does that: it reads the environment at project priority
(below the command line, so every job can override it), reads ``NAME_FILE`` for secrets, turns
``NEWSPORTAL_DOWNLOAD_DELAY`` and the other aliases into Scrapy's own settings, and warns about a
misspelt name. A new setting is declared here, with its default, or it is reported as unknown.
"""

import os


def env_str(name: str, default: str) -> str:
    """For a setting that must be read at import (prefer a plain default: the add-on reads the
    environment for every NEWSPORTAL_*/MONGO_*/DELTAFETCH_* name declared here)."""
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
# Our own `crawl` (exit status from the closing checks) and `parse` (no monitoring) commands.
COMMANDS_MODULE = "newsportal.ops.commands"
ADDONS = {
    "newsportal.addons.SettingsAddon": 0,  # env, NAME_FILE, types, aliases, misspellings
    "newsportal.addons.OutputAddon": 10,  # MongoDB or the JSON Lines feed
}

# --- Politeness: a small regional portal must never feel us. -----------------------------------
# Each NEWSPORTAL_X below is mapped onto Scrapy's own setting by the add-on (ALIASES there).
NEWSPORTAL_USER_AGENT = (
    "newsportal/0.1 (news archive crawler; +https://github.com/newsportal/newsportal)"
)
NEWSPORTAL_ROBOTSTXT_OBEY = True
NEWSPORTAL_CONCURRENT_REQUESTS = 16
NEWSPORTAL_CONCURRENT_REQUESTS_PER_DOMAIN = 2
NEWSPORTAL_DOWNLOAD_DELAY = 0.5
NEWSPORTAL_AUTOTHROTTLE = True
NEWSPORTAL_DOWNLOAD_TIMEOUT = 30
NEWSPORTAL_RETRY_TIMES = 2
USER_AGENT = NEWSPORTAL_USER_AGENT
ROBOTSTXT_OBEY = NEWSPORTAL_ROBOTSTXT_OBEY
CONCURRENT_REQUESTS = NEWSPORTAL_CONCURRENT_REQUESTS
CONCURRENT_REQUESTS_PER_DOMAIN = NEWSPORTAL_CONCURRENT_REQUESTS_PER_DOMAIN
DOWNLOAD_DELAY = NEWSPORTAL_DOWNLOAD_DELAY
AUTOTHROTTLE_ENABLED = NEWSPORTAL_AUTOTHROTTLE
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = NEWSPORTAL_DOWNLOAD_TIMEOUT
RETRY_TIMES = NEWSPORTAL_RETRY_TIMES
# The spider logs each failed page once (WARNING "Page failed"); Scrapy's own give-up line
# would say it a second time, as an ERROR.
RETRY_GIVE_UP_LOG_LEVEL = "DEBUG"
REDIRECT_MAX_TIMES = 5
DUPEFILTER_CLASS = "newsportal.dupefilter.RedirectLoopDupeFilter"  # counts redirect loops
# Every job log would print the console's password, and nobody needs a shell into a crawl.
TELNETCONSOLE_ENABLED = False
# A proxy for this job's page requests only (http://[user:pass@]host:port); empty: none, or
# the environment's http_proxy. The scheduler's and the webhook's own calls never use it.
NEWSPORTAL_HTTP_PROXY = ""

# --- Crawler-trap guards. ----------------------------------------------------------------------
# Depth counts hops from the home page (menu -> list -> pagination -> article -> 推荐阅读 ...);
# raise it for a full back-archive crawl of deep paginations.
NEWSPORTAL_DEPTH_LIMIT = 30
DEPTH_LIMIT = NEWSPORTAL_DEPTH_LIMIT
DEPTH_STATS_VERBOSE = False
# How many values of one query parameter, the others fixed, the crawl may follow: stops walks
# over calendars (?date=) and counters; 0 turns the guard off.
NEWSPORTAL_MAX_QUERY_VARIANTS = 50

# --- Pages and charsets. -----------------------------------------------------------------------
DOWNLOADER_MIDDLEWARES = {
    # After HttpCompressionMiddleware (590) has unpacked the body, before MetaRefresh (580)
    # reads it: fixes pages whose declared charset is missing or wrong (GBK portals).
    "newsportal.encoding.CharsetMiddleware": 585,
    # Before HttpProxyMiddleware (750), which turns meta["proxy"] credentials into a header.
    "newsportal.ops.proxy.JobProxyMiddleware": 740,
}
NEWSPORTAL_CHARSET_DETECT = True
CHARSET_DETECT_ENABLED = NEWSPORTAL_CHARSET_DETECT
# Size caps (bytes), also applied to decompressed bodies: a news page is well under a megabyte,
# and Scrapy's default (1 GiB) let a gzip bomb take a crawl to 4 GB. A page over the cap is
# dropped and counted as newsportal/errors/too_large.
NEWSPORTAL_DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
NEWSPORTAL_DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
DOWNLOAD_MAXSIZE = NEWSPORTAL_DOWNLOAD_MAXSIZE
DOWNLOAD_WARNSIZE = NEWSPORTAL_DOWNLOAD_WARNSIZE
# Longest body stored (characters; cut at a paragraph, counted as newsportal/capped/body).
NEWSPORTAL_MAX_BODY_CHARS = 100_000
# Incremental crawls: article pages already stored are not downloaded again (settings below).
SPIDER_MIDDLEWARES = {"newsportal.storage.deltafetch.DeltaFetch": 100}
ITEM_PIPELINES = {
    "newsportal.pipelines.ValidationPipeline": 100,
    "newsportal.pipelines.DedupePipeline": 200,
    "newsportal.storage.mongo.MongoPipeline": 300,  # off without MONGO_URI
}
EXTENSIONS = {
    "newsportal.ops.statsfile.StatsFile": 900,
    # The periodic progress line, with the articles skipped as already stored.
    "scrapy.extensions.logstats.LogStats": None,
    "newsportal.ops.logstats.ProgressLogStats": 0,
}
# Write the closing stats of each run as JSON here ("%(name)s" = spider name); empty: off.
NEWSPORTAL_STATS_FILE = ""

# --- Output. -----------------------------------------------------------------------------------
# Without MONGO_URI the articles of a run go to this JSON Lines file (set it empty to disable).
NEWSPORTAL_FEED = "output/%(name)s.jsonl"
FEED_EXPORT_ENCODING = "utf-8"
FEED_EXPORTERS = {
    "jsonlines": "newsportal.exporters.JsonLinesExporter",
    "jsonl": "newsportal.exporters.JsonLinesExporter",
    "json": "newsportal.exporters.JsonExporter",
}

# Where state that outlives a job lives (incremental-crawl store, spool, monitor baseline).
# Made absolute by the add-on, so scrapyd jobs, whose working directory changes, share it.
NEWSPORTAL_DATA_DIR = os.path.join(os.path.expanduser("~"), ".local", "share", "newsportal")

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
# What one response yields (an article, a few new links) goes through the spider middlewares and
# the pipelines this many outputs at a time. Scrapy's 100 starts 100 asyncio tasks per response,
# nearly all of them with nothing to do: ~1 ms of CPU per page for nothing.
CONCURRENT_ITEMS = 16
NEWSPORTAL_LOG_LEVEL = "INFO"
LOG_LEVEL = NEWSPORTAL_LOG_LEVEL

# --- Monitoring at spider close (newsportal.ops.monitors; docs/deploy.md). ---------------------
# A failed check logs an ERROR naming it, sets the stat newsportal/monitor/failed (and
# .../failed/<check>), POSTs JSON to NEWSPORTAL_MONITOR_WEBHOOK when set, and makes `scrapy
# crawl` exit with status 1. The previous run's article count is kept in
# NEWSPORTAL_DATA_DIR/monitor/<spider>.json.
NEWSPORTAL_MONITOR_ENABLED = True
SPIDERMON_ENABLED = NEWSPORTAL_MONITOR_ENABLED
EXTENSIONS = {**EXTENSIONS, "spidermon.contrib.scrapy.extensions.Spidermon": 500}
SPIDERMON_SPIDER_CLOSE_MONITORS = ("newsportal.ops.monitors.SpiderCloseMonitorSuite",)
# A secret (its URL holds the token): give it as NEWSPORTAL_MONITOR_WEBHOOK_FILE on a scrapyd host.
NEWSPORTAL_MONITOR_WEBHOOK = ""
NEWSPORTAL_MONITOR_WEBHOOK_TIMEOUT = 10.0
# Where the previous run's count is kept; empty: NEWSPORTAL_DATA_DIR/monitor.
NEWSPORTAL_MONITOR_STATE_DIR = ""
# Articles seen (stored new + skipped as already stored) must be >= this share of the last run's.
NEWSPORTAL_MONITOR_MIN_SEEN_RATIO = 0.5
# Minimum share of extracted articles having each field; a JSON object merged over these.
NEWSPORTAL_MONITOR_FIELD_COVERAGE = (
    '{"title": 1.0, "body": 1.0, "published_at": 0.99, "source": 0.9}'
)
# ERROR log lines and spider exceptions allowed in a run.
NEWSPORTAL_MONITOR_MAX_ERRORS = 0
NEWSPORTAL_MONITOR_MAX_SPIDER_EXCEPTIONS = 0
# Share of pages wanted (downloaded + skipped as stored) that may end in a download exception;
# the same share for failed pages (404, 500, timeouts after retries).
NEWSPORTAL_MONITOR_MAX_DOWNLOAD_ERROR_RATIO = 0.05
# Drops other than these reasons (newsportal/dropped/<reason>) count as lost articles.
NEWSPORTAL_MONITOR_MAX_DROPPED_RATIO = 0.05
NEWSPORTAL_MONITOR_DROPPED_IGNORE = ["duplicate_url", "duplicate_content", "already_stored"]
# Stat counting articles skipped because an earlier run stored them: the first one present.
NEWSPORTAL_MONITOR_SKIPPED_STATS = ["deltafetch/skipped_articles", "deltafetch/skipped"]
# Below this many extracted articles, no 推荐阅读-reached article is expected (incremental runs).
NEWSPORTAL_MONITOR_RELATED_MIN_ARTICLES = 10
# Stats that count articles lost for good (not stored, not spooled): any of them above 0 fails
# the run (check `lost`) and makes `scrapy crawl` exit with status 1.
NEWSPORTAL_MONITOR_LOST_STATS = ["newsportal/mongo/lost", "newsportal/dropped/lost"]
# Finish reasons of a deliberate stop (Ctrl-C, SIGTERM, a cancelled scrapyd job): no checks,
# no alarm, no webhook.
NEWSPORTAL_MONITOR_QUIET_REASONS = ["shutdown", "cancelled"]
# NEWSPORTAL_MONITOR_SCOPE (the stats to judge: a callable "(crawler) -> stats or None", None
# meaning not this worker; empty: this run's own) is set with the shared crawl's settings below.

# --- Storage: MongoDB, spool, incremental crawls (newsportal.storage / spool / deltafetch). -----
# Without MONGO_URI the MongoDB pipeline is off and articles go to NEWSPORTAL_FEED.
# A secret when it holds credentials: give it as MONGO_URI_FILE on a scrapyd host.
MONGO_URI = ""
MONGO_DATABASE = "newsportal"
MONGO_COLLECTION = "articles"
MONGO_BATCH_SIZE = 100  # articles per bulk_write
MONGO_MAX_DELAY = 5.0  # seconds an article may wait in a batch
MONGO_TIMEOUT_MS = 3000  # server selection / connect timeout
MONGO_RETRY_TIMES = 3  # retries of a failed batch before spooling
MONGO_RETRY_BACKOFF = 1.0  # seconds, doubled per retry
# Larger documents are refused one by one (counted as newsportal/dropped/document_too_large).
MONGO_MAX_DOCUMENT_BYTES = 16 * 1024 * 1024
# Batches MongoDB could not take wait here (relative: under NEWSPORTAL_DATA_DIR).
NEWSPORTAL_SPOOL_DIR = "spool"
# Incremental runs: article pages already stored are not downloaded again.
# Unset: on with MongoDB (the source of truth the seen-store caches), off with the feed only,
# so a feed-only run always writes every article it finds.
DELTAFETCH_ENABLED = None
DELTAFETCH_DIR = "deltafetch"  # relative: under NEWSPORTAL_DATA_DIR
DELTAFETCH_RESET = False

# --- Shared frontier: one crawl split over many workers through Redis (newsportal.frontier). ---
# redis://[:password@]host:6379/0 switches the crawl to the shared frontier (docs/cluster.md);
# every worker started with the same URL and spider (and portal) joins the same crawl.
# Empty: a single-process crawl, exactly as without it. A secret when it holds a password:
# give it as NEWSPORTAL_REDIS_URL_FILE on a scrapyd host.
NEWSPORTAL_REDIS_URL = ""
NEWSPORTAL_REDIS_TIMEOUT = 5.0  # seconds per command
# Keys are <prefix>:<spider>:<site>:<domains hash>:...; change it to run two separate clusters
# of the same portal in one Redis database.
NEWSPORTAL_FRONTIER_PREFIX = "newsportal"
# Seconds a worker may hold a request without a heartbeat (every third of it) before another
# worker gives it back to the queue: a killed worker's requests return within this time.
NEWSPORTAL_FRONTIER_LEASE = 30.0
# Seconds between an idle worker's looks at the shared queue.
NEWSPORTAL_FRONTIER_POLL = 0.25
# Requests of this priority or lower (held-back off-scheme articles) are leased only when no
# worker holds any other request.
NEWSPORTAL_FRONTIER_HOLD_PRIORITY = -100
# Drop the queue of an unfinished run at start instead of resuming it (the seen-store stays).
NEWSPORTAL_FRONTIER_RESET = False
ADDONS = {**ADDONS, "newsportal.frontier.addon.FrontierAddon": 20}

# --- Shared crawl: global politeness and crawl-wide monitoring (docs/cluster.md). --------------
# With NEWSPORTAL_REDIS_URL, CONCURRENT_REQUESTS_PER_DOMAIN and DOWNLOAD_DELAY hold per host
# across all workers, through Redis (newsportal.frontier.politeness); without the URL the
# handler below is Scrapy's own.
NEWSPORTAL_SHARED_POLITENESS = True
# Seconds a worker's slot on a host outlives the worker (kill -9) before others may take it.
NEWSPORTAL_POLITENESS_LEASE = 30.0
# The stock HTTP/1.1 handler, taking the shared per-host slot right before each request goes out.
DOWNLOAD_HANDLERS = {
    "http": "newsportal.frontier.politeness.SharedPolitenessHandler",
    "https": "newsportal.frontier.politeness.SharedPolitenessHandler",
}
# A shared crawl is judged once: each worker adds its stats to the crawl's sum in Redis at
# close, and the last worker out runs the closing checks on the sum (newsportal.frontier.stats).
EXTENSIONS = {**EXTENSIONS, "newsportal.frontier.stats.SharedCrawlStats": 550}  # off w/o Redis
NEWSPORTAL_MONITOR_SCOPE = "newsportal.frontier.stats.crawl_scope"
# Seconds without a heartbeat after which a worker counts as gone (kill -9) for that verdict.
NEWSPORTAL_CRAWL_WORKER_TIMEOUT = 20.0
# The last worker out writes the whole crawl's summed stats here as JSON ("%(name)s"); empty: off.
NEWSPORTAL_CRAWL_STATS_FILE = ""
