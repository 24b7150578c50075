"""What every CMS family replica shares: the article model, generation, the build and truth.json.

A family module (phpcms.py, dedecms.py, ...) knows its URLs and renders its default templates;
this module decides, deterministically from the seed, which articles exist, which of them span
several pages, which are linked under a dynamic address too, which are reachable only through
a related block, and writes pages, robots.txt, ``_meta.json`` and the ground truth.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from html import escape, unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

from protego import Protego

from tests.replica import content as C
from tests.replica import site as S
from tests.replica.server import query_file

TZ = timezone(timedelta(hours=8))
PER_PAGE = 6  # small list pages: every section paginates with a few dozen articles
# (displayed source, source as the item carries it, off-site link or None)
SOURCES = [
    ("本网", "本网", None),
    ("新华网", "新华网", "http://www.xinhuanet.com/"),
    ("人民网", "人民网", "http://www.people.com.cn/"),
    ("云南日报", "云南日报", None),
    ("县融媒体中心", "县融媒体中心", None),
    ("市政府办公室", "市政府办公室", None),
    ("中国新闻网", "中国新闻网", None),
]
SUMMARIES = [
    "{place}围绕{topic}出台系列举措，推动各项工作落地见效。",
    "近日，{place}召开会议，对{topic}工作作出安排部署。",
    "记者从{place}获悉，{topic}取得阶段性成效。",
]
RELATED_HEADINGS = ("推荐阅读", "相关阅读", "延伸阅读", "相关新闻", "相关文章")


@dataclass
class Cat:
    """A section (栏目): its id, folder, breadcrumb name and host."""

    catid: int
    slug: str  # folder (catdir / typedir / classpath)
    name: str  # breadcrumb label: the item's `section`
    group: str  # topic group of content.TOPICS
    host: str
    parent: str = ""  # parent label shown in the breadcrumb, if any
    scheme: str = ""  # a family's per-section URL variant (e.g. PHPCMS pseudo-static)


@dataclass
class Art:
    id: int
    cat: Cat
    dt: datetime
    title: str
    summary: str
    source_display: str
    source: str | None
    source_link: str | None
    author: str
    editor: str | None
    keywords: list[str]
    pages: list[list[str]]  # paragraphs of each page, in order
    images: list[list[tuple[str, str | None]]]  # images of each page, in order
    heading: str = "推荐阅读"
    related: list[tuple[Art, str]] = field(default_factory=list)  # (target, href as linked)
    only_via_related: bool = False
    dynamic: list[str] = field(default_factory=list)  # other addresses it is linked under
    meta_source: str = ""  # TRS: what <meta name=ContentSource> says

    @property
    def paragraphs(self) -> list[str]:
        return [p for page in self.pages for p in page]

    @property
    def all_images(self) -> list[tuple[str, str | None]]:
        return [i for page in self.images for i in page]


@dataclass
class Family:
    """One CMS family's replica: URLs, markup, robots. Subclasses fill in the templates."""

    name: str  # family id (phpcms, dedecms, ...)
    site: str  # the portal name passed as ``-a site=`` and expected in items
    home: str  # the URL given to ``scrapy crawl portal -a url=``
    domains: tuple[str, ...]  # registrable domains of the portal
    cats: list[Cat]
    robots: str
    seconds: bool = True  # the article template prints seconds
    gbk_hosts: tuple[str, ...] = ()
    gbk_content_type: str = "text/html"  # the header of GBK hosts (charset only in <meta>)
    multipage_scheme: str = ""  # how the truth describes page 2 (README/tests)
    counter_patterns: tuple[str, ...] = ()  # regexes of hit-counter URLs
    headings: tuple[str, ...] = RELATED_HEADINGS
    dynamic_share: float = 0.15

    # URLs -------------------------------------------------------------------------------
    def article_url(self, a: Art, page: int = 1) -> str:
        raise NotImplementedError

    def list_url(self, c: Cat, page: int = 1) -> str:
        raise NotImplementedError

    def dynamic_urls(self, a: Art) -> list[str]:
        """The other addresses the CMS serves this article under (linked on some pages)."""
        return []

    def list_copies(self, c: Cat, page: int) -> list[str]:
        """Other URLs the CMS writes the same list page to (DedeCMS: ``list_1_1.html``)."""
        return []

    def finish(self, arts: list[Art]) -> None:
        """Adjust generated articles to what the family's templates can show (hook)."""

    def error_url(self, c: Cat, aid: int) -> str:
        return self.article_url(_stub(c, aid))

    # markup -----------------------------------------------------------------------------
    def render_article(self, a: Art, page: int, ctx: Ctx) -> str:
        raise NotImplementedError

    def render_list(self, c: Cat, page: int, npages: int, entries: list[Art], ctx: Ctx) -> str:
        raise NotImplementedError

    def render_home(self, ctx: Ctx) -> str:
        raise NotImplementedError

    def extra_pages(self, ctx: Ctx) -> dict[str, str]:
        """Other pages the family serves (tag pages, about pages): {url: html}."""
        return {}

    def shown_date(self, a: Art) -> str:
        return f"{a.dt:%Y-%m-%d %H:%M:%S}" if self.seconds else f"{a.dt:%Y-%m-%d %H:%M}"


@dataclass
class Ctx:
    """What the renderers may link: every article, the hot list, errors, the family."""

    family: Family
    arts: list[Art]
    by_cat: dict[int, list[Art]]  # listed articles per section, newest first
    hot: list[Art]  # the "点击排行" box: linked under their dynamic addresses where they have one
    errors: list[tuple[str, str]]  # (url, kind) linked from the first section's list

    def hot_href(self, a: Art) -> str:
        return a.dynamic[0] if a.dynamic else self.family.article_url(a)


def _stub(c: Cat, aid: int) -> Art:
    dt = datetime(2025, 1, 10, 9, 0, tzinfo=TZ)
    return Art(aid, c, dt, "", "", "", None, None, "", None, [], [[]], [[]])


# ------------------------------------------------------------------------------ generation


def _article(rng: random.Random, fam: Family, aid: int, cat: Cat, used: set[str]) -> Art:
    dt = S._random_dt(rng)
    if not fam.seconds:
        dt = dt.replace(second=0)
    topic = rng.choice(C.TOPICS[cat.group])
    place = rng.choice(C.PLACES)
    for _ in range(20):
        title = S._fill(rng, rng.choice(C.TITLES), topic, rng.choice(C.PLACES), dt)
        if title not in used:
            break
    else:
        title = f"{title}（{aid}）"
    used.add(title)
    display, source, link = rng.choice(SOURCES)
    paragraphs = S._paragraphs(rng, cat.group, dt)
    npages = 1
    if len(paragraphs) >= 4 and rng.random() < 0.2:
        npages = rng.choice([2, 2, 3]) if len(paragraphs) >= 6 else 2
    size = -(-len(paragraphs) // npages)
    pages = [paragraphs[i : i + size] for i in range(0, len(paragraphs), size)]
    images: list[list[tuple[str, str | None]]] = [[] for _ in pages]
    for n in range(rng.choice([0, 1, 1, 2])):
        what = f"{rng.choice(C.PLACES)}{rng.choice(C.TOPICS[cat.group])}"
        caption = f"{what}现场。{rng.choice(C.PEOPLE)} 摄" if rng.random() < 0.7 else None
        url = f"http://{cat.host}/uploadfile/{dt:%Y/%m%d}/{dt:%Y%m%d%H%M%S}{aid % 1000:03d}{n}.jpg"
        images[min(n, len(pages) - 1)].append((url, caption))
    return Art(
        id=aid,
        cat=cat,
        dt=dt,
        title=title,
        summary=S._fill(rng, rng.choice(SUMMARIES), topic, place, dt),
        source_display=display,
        source=source,
        source_link=link,
        author=rng.choice(C.PEOPLE),
        editor=rng.choice(C.EDITORS) if rng.random() < 0.9 else None,
        keywords=rng.sample(C.KEYWORDS, rng.choice([0, 1, 2, 3])),
        pages=pages,
        images=images,
        heading=rng.choice(fam.headings),
    )


def generate(fam: Family, articles: int, seed: int) -> list[Art]:
    rng = random.Random(f"{fam.name}-{seed}")
    used: set[str] = set()
    ids = sorted(rng.sample(range(1000, 9000), articles))
    arts = []
    for n, aid in enumerate(ids):
        cat = fam.cats[n] if n < len(fam.cats) else rng.choice(fam.cats)
        arts.append(_article(rng, fam, aid, cat, used))
    # Every family has at least two multi-page articles and two single-page ones.
    multi = [a for a in arts if len(a.pages) > 1]
    for a in arts:
        if len(multi) >= 2:
            break
        if len(a.pages) == 1 and len(a.pages[0]) >= 4:
            a.pages = [a.pages[0][:2], a.pages[0][2:]]
            a.images = [a.images[0], []]
            multi.append(a)
    rest = arts[len(fam.cats) :]  # the first article of each section stays listed
    for a in rng.sample(rest, max(3, len(rest) // 20)):
        a.only_via_related = True
    listed = [a for a in arts if not a.only_via_related]
    by_cat: dict[int, list[Art]] = {}
    for a in arts:
        by_cat.setdefault(a.cat.catid, []).append(a)
    for a in arts:
        pool = [t for t in by_cat[a.cat.catid] if t is not a] or [t for t in arts if t is not a]
        targets = rng.sample(pool, min(len(pool), rng.randint(3, 5)))
        a.related = [(t, _tracked(rng, fam.article_url(t))) for t in targets]
    for a in arts:
        if a.only_via_related and not any(t is a for p in listed for t, _ in p.related):
            parent = rng.choice(listed)
            parent.related.insert(rng.randint(0, len(parent.related)), (a, fam.article_url(a)))
    # Single-page articles only: a dynamic address's pager links differ by family.
    single = [a for a in listed if len(a.pages) == 1]
    for a in rng.sample(single, max(3, int(len(single) * fam.dynamic_share))):
        a.dynamic = fam.dynamic_urls(a)
    fam.finish(arts)
    return arts


def _tracked(rng: random.Random, url: str) -> str:
    r = rng.random()
    if r < 0.05:
        return url + "?utm_source=related"
    if r < 0.08:
        return url + "#comment"
    return url


# ---------------------------------------------------------------------------------- markup


def text_paragraphs(a: Art, page: int, indent: str = "") -> str:
    """Paragraphs of one page with its images, as an editor's <p> markup."""
    out = []
    imgs = list(a.images[page - 1])
    for i, p in enumerate(a.pages[page - 1]):
        if i in (0, 2) and imgs:
            url, cap = imgs.pop(0)
            path = urlsplit(url).path
            out.append(f'<p style="text-align: center;"><img alt="" src="{path}" /></p>')
            if cap:
                out.append(f'<p style="text-align: center;">{escape(cap)}</p>')
        out.append(f"<p>{indent}{escape(p)}</p>")
    return "\n".join(out)


def local(url: str, host: str) -> str:
    """Site-relative form of a link to the page's own host, as most CMSs write them."""
    prefix = f"http://{host}"
    return url[len(prefix) :] if url.startswith(prefix + "/") else url


# ----------------------------------------------------------------------------------- build


def _write(root: Path, url: str, html: str, gbk: bool) -> None:
    data = html.encode("gbk", "xmlcharrefreplace") if gbk else html.encode("utf-8")
    S._write(query_file(root, url), data)


def build(
    fam: Family, root: Path, *, articles: int = 60, seed: int = 5, aliases_first: bool = False
) -> dict[str, Any]:
    """Write family `fam` under `root` and return its truth (also written to truth.json).

    ``aliases_first``: the portal as it was before its static pages existed: every link to an
    article that has a dynamic address points there instead (same articles, same truth), so a
    first run sees only the dynamic address and a rerun on the normal build sees the static one.
    """
    root = Path(root)
    arts = generate(fam, articles, seed)
    relink = _relinker(fam, arts) if aliases_first else (lambda html: html)
    listed = sorted(
        (a for a in arts if not a.only_via_related), key=lambda a: (a.dt, a.id), reverse=True
    )
    by_cat: dict[int, list[Art]] = {c.catid: [] for c in fam.cats}
    for a in listed:
        by_cat[a.cat.catid].append(a)
    hot = [a for a in listed if a.dynamic] + [a for a in listed if not a.dynamic][:3]
    first = fam.cats[0]
    errors = [(fam.error_url(first, 9901), "404"), (fam.error_url(first, 9902), "500")]
    ctx = Ctx(fam, arts, by_cat, hot, errors)

    links: set[str] = set()

    def write(url: str, html: str) -> None:
        html = relink(html)
        _write(root, url, html, urlsplit(url).hostname in fam.gbk_hosts)
        links.update(urljoin(url, unescape(h)).split("#")[0] for h in _LINK.findall(html))

    for a in arts:
        for page in range(1, len(a.pages) + 1):
            html = fam.render_article(a, page, ctx)
            write(fam.article_url(a, page), html)
            if page == 1:
                for alias in a.dynamic:
                    write(alias, html)
    list_urls = []
    for c in fam.cats:
        items = by_cat[c.catid]
        npages = max(1, -(-len(items) // PER_PAGE))
        for page in range(1, npages + 1):
            chunk = items[(page - 1) * PER_PAGE : page * PER_PAGE]
            url = fam.list_url(c, page)
            html = fam.render_list(c, page, npages, chunk, ctx)
            for copy in [url, *fam.list_copies(c, page)]:
                write(copy, html)
            list_urls.append(url)
    write(fam.home, fam.render_home(ctx))
    other_urls = []
    for url, html in fam.extra_pages(ctx).items():
        write(url, html)
        other_urls.append(url)

    hosts = sorted({urlsplit(fam.home).hostname} | {c.host for c in fam.cats})
    for host in hosts:
        S._write(root / host / "robots.txt", fam.robots.encode())
        ctype = fam.gbk_content_type if host in fam.gbk_hosts else "text/html; charset=utf-8"
        meta: dict[str, Any] = {"default_content_type": ctype, "paths": {}}
        for url, kind in errors:
            if urlsplit(url).hostname == host and kind == "500":
                meta["paths"][urlsplit(url).path] = {"status": 500}
        S._write(root / host / "_meta.json", json.dumps(meta, indent=1).encode())

    refused = {u for u in links if _refused(fam.robots, u)}
    # A link robots.txt allows must not be a reordering of one it refuses: the tests count any
    # reordering of a refused link as a refused request.
    clash = {same_query(u) for u in refused} & {same_query(u) for u in links - refused}
    assert not clash, f"allowed and refused links differ only in query order: {clash}"
    truth = {
        "family": fam.name,
        "site": fam.site,
        "home": fam.home,
        "domains": list(fam.domains),
        "hosts": hosts,
        "sections": {c.name: fam.list_url(c) for c in fam.cats},
        "articles": [truth_entry(fam, a) for a in sorted(arts, key=lambda x: x.id)],
        "error_urls": {kind: [u for u, k in errors if k == kind] for _, kind in errors},
        "counter_patterns": list(fam.counter_patterns),
        "robots": fam.robots,
        "disallowed_urls": sorted(refused),
        "offsite_urls": sorted(u for u in links if not _on_site(fam, u)),  # the pages' own
        "counter_urls": sorted(u for u in links if _counter(fam, u)),
        "list_urls": list_urls,
        "other_urls": other_urls,
        "multipage_scheme": fam.multipage_scheme,
    }
    S._write(root / "truth.json", json.dumps(truth, ensure_ascii=False, indent=1).encode())
    return truth


def _relinker(fam: Family, arts: list[Art]) -> Callable[[str], str]:
    """A function pointing every link to a static address that has a dynamic twin at the twin."""
    targets: dict[str, str] = {}
    for a in arts:
        if a.dynamic:
            static = fam.article_url(a)
            targets[static] = targets[local(static, a.cat.host)] = a.dynamic[0]
    if not targets:
        return lambda html: html
    alternatives = "|".join(map(re.escape, targets))
    pattern = re.compile(r"""(=["'])(""" + alternatives + r""")(?:[?#][^"']*)?(?=["'])""")
    return lambda html: pattern.sub(lambda m: m.group(1) + targets[m.group(2)], html)


_LINK = re.compile(r"""(?:href|src)=["']([^"'#][^"']*)["']""", re.IGNORECASE)


def same_query(url: str) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """An address up to the order of its query parameters."""
    parts = urlsplit(url)
    return (parts.netloc, parts.path, tuple(sorted(parse_qsl(parts.query, keep_blank_values=True))))


def _refused(robots: str, url: str) -> bool:
    if not url.startswith("http"):
        return False
    return not Protego.parse(robots).can_fetch(url, "newsportal")


def _on_site(fam: Family, url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return not url.startswith("http") or any(
        host == d or host.endswith("." + d) for d in fam.domains
    )


def _counter(fam: Family, url: str) -> bool:
    return any(re.search(p, url) for p in fam.counter_patterns)


def truth_entry(fam: Family, a: Art) -> dict[str, Any]:
    return {
        "url": fam.article_url(a),
        "page_urls": [fam.article_url(a, p) for p in range(1, len(a.pages) + 1)],
        "aliases": list(a.dynamic),
        "site": fam.site,
        "section": a.cat.name,
        "title": a.title,
        "published_at": a.dt.isoformat(),
        "published_at_raw": fam.shown_date(a),
        "source": a.source,
        "editor": a.editor,
        "author": a.author,
        "summary": a.summary,
        "keywords": a.keywords,
        "body": "\n".join(a.paragraphs),
        "images": [{"url": u, "caption": c} for u, c in a.all_images],
        "related": [re.split(r"[?#]", href)[0] for _, href in a.related],
        "related_heading": a.heading,
        "only_via_related": a.only_via_related,
        "encoding": "gbk" if a.cat.host in fam.gbk_hosts else "utf-8",
    }


def list_entries(ctx: Ctx, c: Cat, page: int, chunk: list[Art]) -> list[tuple[str, str, datetime]]:
    """(href, title, date) of one list page; the first section's first page links the errors."""
    fam = ctx.family
    out = [(fam.article_url(a), a.title, a.dt) for a in chunk]
    if c is fam.cats[0] and page == 1:
        for n, (url, kind) in enumerate(ctx.errors):
            out.insert(min(1 + n, len(out)), (url, f"{c.name}快讯（{kind}）", out[0][2]))
    return out
