"""Item pipelines: validation, then in-run dedupe. Storage lives in :mod:`newsportal.storage`.

Each drop is a ``DropItem`` with a short reason, counted under ``newsportal/dropped/<reason>``:
a drop is visible in the closing stats, never a silent loss. A dropped item never reaches
storage, so its page is never marked seen and the next run fetches it again.
"""

from __future__ import annotations

import hashlib
import logging
import re
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from newsportal.cms.addresses import address_rank, article_key
from newsportal.frontier.fingerprints import fingerprint
from newsportal.signals import article_alias

logger = logging.getLogger(__name__)

REQUIRED_FIELDS = ("url", "title", "body")

# What a reader sees on a page that stands where an article should be but is not one: a login
# wall, a "system busy" or "not found" notice. Only short pages count: a real article may well
# mention 登录 or 系统繁忙 in its text.
SOFT_ERROR_MAX_CHARS = 400
_LOGIN_WALL = re.compile(
    r"(用户|会员|账号|帐号|扫码|手机号|短信)登[录陆]|请(先)?登[录陆]|登[录陆]后(才能|方可|可|查看|阅读|继续)"
    r"|忘记密码|(?i:sign in to|log in to|login required)"
)
_ERROR_PAGE = re.compile(
    r"系统繁忙|服务器繁忙|网络繁忙|请稍后(再)?(重)?试|访问(过于)?频繁|访问受限|无权(限)?访问"
    r"|页面(不存在|未找到|找不到)|(文章|信息|内容|稿件)(不存在|已(被)?删除|已下线)"
    r"|您(所)?访问的页面|(?i:404 not found|page not found|service unavailable)"
    r"|安全验证|请输入验证码"
)


def soft_error_kind(title: str | None, body: str | None) -> str | None:
    """``login_wall`` or ``error_page`` when a short page is a notice, not an article; else None.

    Pure: the title and body text as extracted.
    """
    title, body = title or "", body or ""
    if len(body) > SOFT_ERROR_MAX_CHARS:
        return None
    text = f"{title}\n{body}"
    if _LOGIN_WALL.search(text):
        return "login_wall"
    if _ERROR_PAGE.search(text):
        return "error_page"
    return None


def cap_body(body: str, limit: int) -> str:
    """The body cut to at most ``limit`` characters, at the last paragraph that fits."""
    if limit <= 0 or len(body) <= limit:
        return body
    cut = body.rfind("\n", 0, limit + 1)
    return body[: cut if cut > 0 else limit]


def content_fingerprint(adapter: ItemAdapter) -> str:
    """Identity of an article's content: the same story under two URLs has the same one."""
    published = adapter.get("published_at")
    parts = (
        adapter.get("title") or "",
        published.isoformat() if published else "",
        adapter.get("body") or "",
    )
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()


def _title(adapter: ItemAdapter) -> str:
    return " ".join(str(adapter.get("title") or "").split())


def dedupe_keys(adapter: ItemAdapter) -> tuple[int | None, int]:
    """The article's identity (the id its address carries and its title; None when the address
    carries none) and its content, as numbers of 50 and 52 bits.

    The shared in-run dedupe claims these in Redis instead of the URLs (8 bytes each, not ~100),
    and storage keeps them on the document (``dedupe_keys``): a duplicate one worker drops
    becomes an alias of the document another worker stored, found by these numbers.
    """
    key = article_key(adapter["url"])
    # 50 bits: the shared dedupe adds the address rank above them (see frontier/dedupe.py).
    identity = fingerprint(f"{key}\x00{_title(adapter)}") >> 2 if key else None
    return identity, fingerprint(content_fingerprint(adapter))


class _StatsPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> _StatsPipeline:
        return cls(crawler)

    def drop(self, reason: str, message: str) -> DropItem:
        self.stats.inc_value(f"newsportal/dropped/{reason}")
        return DropItem(message)


class ValidationPipeline(_StatsPipeline):
    """Only articles go on: complete ones, never a login wall or an error notice, never huge.

    ``NEWSPORTAL_MAX_BODY_CHARS`` caps the stored body (cut at a paragraph, counted as
    ``newsportal/capped/body``): a page of tens of megabytes must not become one article.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.max_body = crawler.settings.getint("NEWSPORTAL_MAX_BODY_CHARS", 100_000)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        # First: a login wall usually has a title and no body, and is no "article missing
        # its body" but a page standing where the article should be.
        kind = soft_error_kind(adapter.get("title"), adapter.get("body"))
        if kind:
            raise self.drop(kind, f"not an article ({kind}): {adapter.get('url')}")
        for field in REQUIRED_FIELDS:
            if not adapter.get(field):
                raise self.drop(f"missing_{field}", f"missing {field}: {adapter.get('url')}")
        body = adapter["body"]
        capped = cap_body(body, self.max_body)
        if capped is not body:
            adapter["body"] = capped
            self.stats.inc_value("newsportal/capped/body")
            logger.warning(
                "Body of %s cut from %d to %d characters (NEWSPORTAL_MAX_BODY_CHARS)",
                adapter["url"],
                len(body),
                len(capped),
            )
        return item


class DedupePipeline(_StatsPipeline):
    """Keeps one copy of each article met in this run: by canonical URL, by the article id its
    addresses carry, and by content.

    Two addresses carrying the same id (``article_key``) with the same title are one article
    (a static and a dynamic address): the preferred address (``address_rank``) is kept, the
    other becomes an alias; when the better address comes second it is passed on with the first
    as an alias, and storage merges the two. Pages whose own identity differs (another title,
    another id in the URL) are never merged, however alike their content. Across runs
    MongoDB's ``_id`` and ``article_key`` are the source of truth (see
    :mod:`newsportal.storage.mongo`).
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.seen_urls: set[str] = set()
        self.seen_content: dict[str, str] = {}
        self.seen_keys: dict[tuple[str, str], str] = {}

    def _alias(self, url: str | None, alias: str, key: int | None = None) -> None:
        """``alias`` is another address of the article kept at ``url`` (or, unknown URL, of the
        one stored with dedupe key ``key``): storage adds it to that document."""
        self.crawler.signals.send_catch_log(article_alias, url=url, alias=alias, key=key)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        url = adapter["url"]
        if url in self.seen_urls:
            # e.g. a mobile copy whose canonical link names the kept page: keep its address.
            for alias in adapter.get("aliases") or ():
                self._alias(url, alias)
            raise self.drop("duplicate_url", f"duplicate URL: {url}")
        key = article_key(url)
        identity = (key, _title(adapter)) if key else None
        kept = self.seen_keys.get(identity) if identity else None
        if kept is not None:
            self.seen_urls.add(url)
            if address_rank(url) < address_rank(kept):
                # The better address came second: it goes on, storage folds the first into it.
                adapter["aliases"] = [*(adapter.get("aliases") or []), kept]
                self.seen_keys[identity] = url
                self.stats.inc_value("newsportal/articles/readdressed")
                return item
            self._alias(kept, url)
            raise self.drop("duplicate_content", f"same article as {kept}: {url}")
        fingerprint = content_fingerprint(adapter)
        kept = self.seen_content.get(fingerprint)
        if kept is not None and (key is None or article_key(kept) in (None, key)):
            self.seen_urls.add(url)
            self._alias(kept, url)
            raise self.drop("duplicate_content", f"same article as {kept}: {url}")
        self.seen_urls.add(url)
        self.seen_content.setdefault(fingerprint, url)
        if identity:
            self.seen_keys[identity] = url
        return item
