"""Generate a deterministic replica of 九龙网 on disk, with its ground truth.

The real markup is unknown, so the replica renders articles in three unrelated markups (a div CMS,
an old GBK table layout, an HTML5 page full of script noise): a crawler that passes here cannot
be tied to one invented layout. Everything comes from ``random.Random(seed)``, so a rebuild is
byte-identical, and ``extra=N`` adds N newer articles without touching the base ones (the
incremental re-crawl case).

Layout: ``root/<host>/<path>`` for pages, ``root/<host>/_meta.json`` for statuses, redirects and
headers the server must fake, ``root/truth.json`` for the expected items.
"""

from __future__ import annotations

import json
import os
import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from html import escape
from pathlib import Path

from tests.replica import content as C

TZ = timezone(timedelta(hours=8))
PER_PAGE = 15
SEED_ID = 142465
NEWS = C.HOSTS["news"]


@dataclass
class Section:
    label: str  # menu label
    host: str
    slug: str
    name: str  # breadcrumb label, the item's `section`
    template: str
    group: str
    weight: int

    @property
    def url(self) -> str:
        return f"http://{self.host}/{self.slug}/"

    def page_url(self, page: int) -> str:
        name = "index.html" if page == 1 else f"index_{page}.html"
        return f"http://{self.host}/{self.slug}/{name}"


SECTIONS = [
    Section(label, C.HOSTS[h], slug, name, tpl, group, w)
    for label, h, slug, name, tpl, group, w in C.MENU
]


@dataclass
class Article:
    id: int
    section: Section
    dt: datetime
    title: str
    source_display: str
    source: str
    source_link: str | None
    editor: str
    kw_label: str
    keywords: list[str]
    paragraphs: list[str]
    images: list[tuple[str, str | None]]
    snippet: str = ""
    related: list[tuple[Article, str]] = field(default_factory=list)  # (target, href as linked)
    only_via_related: bool = False
    aliases: list[str] = field(default_factory=list)
    special: str = ""  # "", "broken", "wrong_charset", "alias_mobile", "alias_path"

    @property
    def template(self) -> str:
        return self.section.template

    @property
    def url(self) -> str:
        return f"http://{self.section.host}/{self.section.slug}/{self.dt:%Y-%m-%d}/{self.id}.html"

    @property
    def date_raw(self) -> str:
        if self.template == "div":
            return f"{self.dt:%Y-%m-%d %H:%M:%S}"
        if self.template == "table":
            return f"{self.dt:%Y年%m月%d日 %H:%M}"
        return f"{self.dt:%Y-%m-%d %H:%M}"

    @property
    def related_date(self) -> str:
        return f"{self.dt:%Y年%m月%d日 %H:%M}"


# --------------------------------------------------------------------------- generation


def _fill(rng: random.Random, pattern: str, topic: str, place: str, dt: datetime) -> str:
    people = rng.sample(C.PEOPLE, 2)
    return pattern.format(
        place=place,
        org=rng.choice(C.ORGS),
        topic=topic,
        person=people[0],
        person2=people[1],
        n=rng.randint(3, 480),
        n2=rng.randint(500, 30000),
        f1=f"{rng.uniform(1, 900):.1f}",
        f2=f"{rng.uniform(1, 40):.2f}",
        m=dt.month,
        d=dt.day,
        year=dt.year,
        date=f"{dt.month}月{dt.day}日",
    )


def _paragraphs(rng: random.Random, group: str, dt: datetime) -> list[str]:
    topic = rng.choice(C.TOPICS[group])
    place = rng.choice(C.PLACES)
    seed_sentences = [
        s + "。"
        for p in C.SEED_PARAGRAPHS[1:]
        for s in p.split("。")
        if len(s) > 20 and s.count("“") == s.count("”")
    ]
    paras = []
    for i in range(rng.randint(3, 7)):
        sentences = []
        for _ in range(rng.randint(1, 3)):
            if rng.random() < 0.08:
                sentences.append(rng.choice(seed_sentences))
            else:
                sentences.append(_fill(rng, rng.choice(C.SENTENCES), topic, place, dt))
        if i == 0:
            sentences.insert(0, _fill(rng, rng.choice(C.DATELINES), topic, place, dt))
        paras.append("".join(sentences))
    return paras


def _snippet(a: Article) -> str:
    text = "  ".join(([a.images[0][1]] if a.images and a.images[0][1] else []) + a.paragraphs)
    return text[:70]


def _new_article(
    rng: random.Random, aid: int, section: Section, dt: datetime, used_titles: set[str]
) -> Article:
    if section.template != "div":
        dt = dt.replace(second=0)
    topic = rng.choice(C.TOPICS[section.group])
    for _ in range(20):
        title = _fill(rng, rng.choice(C.TITLES), topic, rng.choice(C.PLACES), dt)
        if title not in used_titles:
            break
    else:
        title = f"{title}（{aid}）"
    used_titles.add(title)
    display, source, link = rng.choice(C.SOURCES)
    display = display.format(person=rng.choice(C.PEOPLE))
    nimg = rng.choice([0, 0, 1, 1, 2]) if section.label != "图片" else rng.choice([1, 2])
    images = []
    for n in range(nimg):
        what = f"{rng.choice(C.PLACES)}{rng.choice(C.TOPICS[section.group])}"
        caption = f"{what}现场。{rng.choice(C.PEOPLE)} 摄"
        url = f"http://{section.host}/uploads/allimg/{dt:%y%m%d}/{aid}-{n + 1}.jpg"
        images.append((url, caption if rng.random() < 0.7 else None))
    a = Article(
        id=aid,
        section=section,
        dt=dt,
        title=title,
        source_display=display,
        source=source,
        source_link=link,
        editor=rng.choice(C.EDITORS),
        kw_label="关健词" if rng.random() < 0.8 else "关键词",
        keywords=rng.sample(C.KEYWORDS, rng.choice([0, 1, 2, 3])),
        paragraphs=_paragraphs(rng, section.group, dt),
        images=images,
    )
    a.snippet = _snippet(a)
    return a


def _seed_articles() -> list[Article]:
    china = SECTIONS[0]
    seed = Article(
        id=SEED_ID,
        section=china,
        dt=datetime(2024, 6, 5, 16, 33, 17, tzinfo=TZ),
        title=C.SEED_TITLE,
        source_display="中国新闻网",
        source="中国新闻网",
        source_link=None,
        editor="代平",
        kw_label="关健词",
        keywords=[],
        paragraphs=list(C.SEED_PARAGRAPHS),
        images=[(f"http://{NEWS}/uploads/allimg/240605/142465-1.jpg", C.SEED_CAPTION)],
        snippet=C.SEED_SNIPPET,
    )
    rng = random.Random("seed-related")
    out = [seed]
    for i, (hm, title, opening, snippet) in enumerate(C.SEED_RELATED):
        h, m = map(int, hm.split(":"))
        dt = datetime(2024, 6, 5, h, m, rng.randint(0, 59), tzinfo=TZ)
        paras = opening + _paragraphs(rng, "general", dt)[1:3]
        out.append(
            Article(
                id=SEED_ID - 1 - i,
                section=china,
                dt=dt,
                title=title,
                source_display="中国新闻网",
                source="中国新闻网",
                source_link=None,
                editor=rng.choice(C.EDITORS),
                kw_label="关健词",
                keywords=rng.sample(C.KEYWORDS, i % 3),
                paragraphs=paras,
                images=[],
                snippet=snippet,
                only_via_related=i % 2 == 0,
            )
        )
    seed.related = [(a, a.url) for a in out]
    return out


def _random_dt(rng: random.Random) -> datetime:
    start = datetime(2024, 1, 1, tzinfo=TZ)
    span = int((datetime(2026, 11, 1, tzinfo=TZ) - start).total_seconds())
    return start + timedelta(seconds=rng.randrange(span))


def _tracked(rng: random.Random, url: str) -> str:
    r = rng.random()
    if r < 0.06:
        return url + "?utm_source=related&utm_medium=pc"
    if r < 0.1:
        return url + "#comment"
    return url


def generate(articles: int, extra: int, seed: int) -> tuple[list[Article], list[Article]]:
    """Return (base articles, extra articles); the base list never depends on `extra`."""
    rng = random.Random(seed)
    base = _seed_articles()
    used_titles = {a.title for a in base}
    weights = [s.weight for s in SECTIONS]
    ids = rng.sample(range(100000, 200000), articles + 10)
    ids = [i for i in ids if not SEED_ID - 10 <= i <= SEED_ID][: max(articles - len(base), 0)]
    for n, aid in enumerate(ids):
        # Every section gets an article first (small test sites too), then by weight.
        section = SECTIONS[n] if n < len(SECTIONS) else rng.choices(SECTIONS, weights)[0]
        base.append(_new_article(rng, aid, section, _random_dt(rng), used_titles))

    generated = base[7:]
    by_section: dict[str, list[Article]] = {}
    for a in base:
        by_section.setdefault(a.section.label, []).append(a)
    # Specials first, so the 推荐阅读-only set never swallows them.
    specials = {}
    for kind, template in [
        ("broken", "div"),
        ("wrong_charset", "table"),
        ("alias_mobile", "div"),
        ("alias_path", "div"),
    ]:
        a = next(x for x in generated if x.template == template and not x.special)
        a.special = kind
        specials[kind] = a
    candidates = [a for a in generated if not a.special]
    for a in rng.sample(candidates, max(3, len(generated) // 30)):
        a.only_via_related = True
    listed = [a for a in base if not a.only_via_related and a.special != "broken"]

    for a in base[1:]:
        pool = by_section[a.section.label]
        targets = rng.sample(pool, min(len(pool), rng.randint(5, 7)))
        a.related = [(t, _tracked(rng, t.url)) for t in targets if t is not a]
    for a in base:
        if a.only_via_related:
            parent = rng.choice([p for p in listed if p.id != SEED_ID])
            if all(t is not a for t, _ in parent.related):
                parent.related.insert(rng.randint(0, len(parent.related)), (a, a.url))
    alias = specials["alias_mobile"]
    alias.aliases = [f"http://{alias.section.host}/m/{alias.section.slug}/{alias.id}.html"]
    alias = specials["alias_path"]
    alias.aliases = [f"http://{alias.section.host}/html/{alias.dt:%Y/%m%d}/{alias.id}.html"]

    rng_x = random.Random(f"{seed}-extra")
    extras = []
    dt = datetime(2026, 11, 1, 8, 0, tzinfo=TZ)
    for k in range(extra):
        dt += timedelta(minutes=rng_x.randint(7, 90), seconds=rng_x.randint(0, 59))
        section = rng_x.choices(SECTIONS, weights)[0]
        a = _new_article(rng_x, 200000 + k * 3 + 1, section, dt, used_titles)
        pool = [t for t in by_section.get(section.label, []) if not t.only_via_related]
        a.related = [(t, t.url) for t in rng_x.sample(pool, min(len(pool), 5))]
        extras.append(a)
    return base, extras


# --------------------------------------------------------------------------- markup helpers


def _nav(template: str) -> str:
    items = [(s.label, s.url) for s in SECTIONS]
    if template == "table":
        links = " | ".join(f'<A href="{u}" target=_blank>{escape(label)}</A>' for label, u in items)
        return (
            "<TABLE width=960 border=0 cellPadding=0 cellSpacing=0 align=center class=dh>"
            f'<TR><TD height=30 align=center><A href="http://{NEWS}/">首页</A> | {links}</TD></TR>'
            "</TABLE>"
        )
    lis = "".join(f'<li><a href="{u}">{escape(label)}</a></li>' for label, u in items)
    if template == "html5":
        return (
            '<header class="site-header"><div class="logo"><a href="http://news.jiulongw.cn/">'
            '<img src="/static/img/logo.png" alt="九龙网"></a></div>'
            f'<nav class="main-nav" id="mainNav"><ul class="nav-list">{lis}</ul></nav>'
            '<div class="search"><form action="/search/" method="get"><input name="q">'
            "<button>搜索</button></form></div></header>"
        )
    return f'<div class="nav"><ul class="menu">{lis}</ul></div>'


def _footer(template: str, host: str) -> str:
    pages = " | ".join(f'<a href="http://{NEWS}{p}">{label}</a>' for label, p in C.FOOTER_PAGES)
    lines = "".join(f"<p>{escape(line)}</p>" for line in C.FOOTER_LINES)
    row1 = (
        f'<p>{pages} | <a href="{C.OFFSITE[0]}jubao/">保山市网上有害信息举报专区</a> | '
        "举报电话：18287516758 0875-2202615</p>"
        f'<p><a href="{C.OFFSITE[1]}">中国互联网视听节目服务自律公约</a> | 云南网警 | | '
        f'滇公网安备 53050202000001号 | <a href="http://{host}/admin/login.html">管理登录</a></p>'
    )
    if template == "table":
        return (
            "<TABLE width=960 align=center class=bottom><TR><TD align=center>"
            f"{row1}{lines}</TD></TR></TABLE>"
        )
    if template == "html5":
        return f'<footer class="site-footer"><div class="ft-links">{row1}</div>{lines}</footer>'
    return f'<div class="footer">{row1}{lines}</div>'


HTML5_NOISE_HEAD = """<style>
body{margin:0;font:14px/1.8 "PingFang SC","Microsoft YaHei",sans-serif;color:#333}
.site-header{background:#c00;color:#fff}.main-nav ul{display:flex;list-style:none}
.post-body p{text-indent:2em;margin:1em 0}.ad-inline{border:1px dashed #ccc;padding:8px}
.share-bar a{display:inline-block;margin-right:6px}
.comments .comment-item{border-bottom:1px solid #eee}
</style>
<script>var _hmt=_hmt||[];(function(){var hm=document.createElement("script");
hm.src="https://hm.example.com/hm.js?abc123";var s=document.getElementsByTagName("script")[0];
s.parentNode.insertBefore(hm,s);})();</script>
<script>window.adsConfig={"slots":["top-banner","inline-1","sidebar"],
"text":"广告位招租 联系电话：18287516758"};</script>
"""

HTML5_NOISE_TAIL = """<script>
document.querySelectorAll('.share-bar a').forEach(function(a){a.addEventListener('click',function(){
  console.log("分享成功，感谢您的支持！");});});
var comments=[{"user":"网友123","text":"说得好，支持！"},{"user":"保山人","text":"家乡越来越好了"}];
</script>"""


def _related_block(a: Article, template: str) -> str:
    if template == "table":
        rows = "".join(
            f'<TR><TD class=tj><A href="{escape(href)}" target=_blank>{escape(t.snippet)}</A></TD>'
            f"<TD width=140 align=right>{t.related_date}</TD></TR>"
            for t, href in a.related
        )
        return (
            '<TABLE width="100%" class=xgyd><TR><TD colspan=2 class=tjbt><B>推荐阅读</B></TD></TR>'
            f"{rows}</TABLE>"
        )
    if template == "html5":
        lis = "".join(
            f'<li class="rec-item"><a class="rec-link" href="{escape(href)}">'
            f'<p class="rec-sum">{escape(t.snippet)}</p></a>'
            f'<time class="rec-time">{t.related_date}</time></li>'
            for t, href in a.related
        )
        return f'<aside class="recommend"><h2 class="rec-title">推荐阅读</h2><ul>{lis}</ul></aside>'
    lis = "".join(
        f'<li><a href="{escape(href)}" target="_blank"><p>　　{escape(t.snippet)}</p></a>'
        f'<span class="time">{t.related_date}</span></li>'
        for t, href in a.related
    )
    return (
        '<div class="tjyd"><div class="tjyd_t">推荐阅读</div>'
        f'<ul class="tjyd_list">{lis}</ul></div>'
    )


def _images_html(a: Article, template: str, index: int) -> str:
    url, caption = a.images[index]
    if template == "html5":
        cap = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
        return f'<figure class="post-img"><img src="{url}" alt="" loading="lazy">{cap}</figure>'
    if template == "table":
        cap = f"<BR><SPAN class=pic_title>{escape(caption)}</SPAN>" if caption else ""
        return f'<P align=center><IMG src="{url}" border=0>{cap}</P>'
    cap = f'<p style="text-align: center;">{escape(caption)}</p>' if caption else ""
    return f'<p style="text-align: center;"><img alt="" src="{url}" /></p>{cap}'


def _body_html(a: Article, template: str) -> str:
    parts = []
    for i, p in enumerate(a.paragraphs):
        if i == 0 and a.images:
            parts.append(_images_html(a, template, 0))
        if i == 2 and len(a.images) > 1:
            parts.append(_images_html(a, template, 1))
        if template == "table":
            parts.append(f"<P>&nbsp;&nbsp;&nbsp;&nbsp;{escape(p)}</P>")
        elif template == "html5":
            parts.append(f"<p>{escape(p)}</p>")
            if i == 1:
                parts.append(
                    '<div class="ad-inline"><script>loadAd("inline-1")</script>'
                    '<a href="http://www.example.com/ad/">广告：保山小粒咖啡 限时特惠</a></div>'
                )
        else:
            parts.append(f"<p>　　{escape(p)}</p>")
    return "".join(parts)


def _source_html(a: Article, label: str) -> str:
    if a.source_link:
        return f'{label}<a href="{a.source_link}" target="_blank">{escape(a.source_display)}</a>'
    return f"{label}{escape(a.source_display)}"


def _sidebar(hot: list[Article], template: str) -> str:
    links = "".join(f'<li><a href="{t.url}">{escape(t.title)}</a></li>' for t in hot)
    cal = f'<a href="http://{NEWS}/calendar/?date=2024-06-05">新闻日历</a>'
    if template == "table":
        return (
            "<TABLE width=100% class=phb><TR><TD><B>热点排行</B>"
            f"<UL>{links}</UL>{cal}</TD></TR></TABLE>"
        )
    if template == "html5":
        return f'<aside class="hot-list"><h3>热门文章</h3><ol>{links}</ol>{cal}</aside>'
    return f'<div class="right"><div class="phb"><h3>热点排行</h3><ul>{links}</ul></div>{cal}</div>'


def render_article(a: Article, hot: list[Article], *, canonical: str | None = None) -> str:
    s, tpl = a.section, a.template
    head_canonical = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    kw = " ".join(a.keywords)
    related = _related_block(a, tpl)
    print_link = f"http://{s.host}/print/{a.id}.html"
    if tpl == "table":
        kws = "".join(f"{escape(k)} " for k in a.keywords).strip()
        return (
            "<HTML><HEAD>"
            '<META http-equiv="Content-Type" content="text/html; charset=gb2312">'
            f"<TITLE>{escape(a.title)}-{s.name}-九龙网</TITLE>{head_canonical}"
            f'<META name="keywords" content="{escape(kw)}">'
            "<LINK href=/css/style.css rel=stylesheet type=text/css></HEAD>"
            "<BODY leftMargin=0 topMargin=0>"
            f"{_nav(tpl)}"
            "<TABLE width=960 align=center><TR><TD class=weizhi>您现在的位置："
            f'<A href="http://{NEWS}/">九龙网</A> &gt;&gt; '
            f'<A href="{s.url}">{s.name}</A> &gt;&gt; 正文'
            "</TD></TR></TABLE>"
            "<TABLE width=960 align=center cellSpacing=0 cellPadding=0><TR>"
            '<TD width=680 vAlign=top><TABLE width="100%">'
            "<TR><TD align=center class=biaoti>"
            f"<FONT size=4><B>{escape(a.title)}</B></FONT></TD></TR>"
            f"<TR><TD align=center class=xinxi>发布时间：{a.date_raw}　"
            f"{_source_html(a, '来源：')}　点击：<SPAN id=hits>0</SPAN>"
            f'　<A href="{print_link}">打印</A></TD></TR>'
            f"<TR><TD class=zhengwen id=zoom>{_body_html(a, tpl)}</TD></TR>"
            f"<TR><TD class=gjc>{a.kw_label}：{kws}</TD></TR>"
            f"<TR><TD align=right class=bj>（责任编辑：{escape(a.editor)}）</TD></TR>"
            f"<TR><TD class=smsm>{escape(C.DISCLAIMER)}</TD></TR></TABLE>"
            f"{related}</TD><TD width=270 vAlign=top>{_sidebar(hot, tpl)}</TD></TR></TABLE>"
            f"{_footer(tpl, s.host)}</BODY></HTML>"
        )
    if tpl == "html5":
        state = json.dumps(
            {"article": {"id": a.id, "channel": s.slug, "title": a.title, "pv": 0}},
            ensure_ascii=False,
        )
        ld = json.dumps(
            {
                "@context": "https://schema.org",
                "@type": "NewsArticle",
                "headline": a.title,
                "datePublished": a.dt.isoformat(),
            },
            ensure_ascii=False,
        )
        tags = " ".join(f'<span class="tag">{escape(k)}</span>' for k in a.keywords)
        return (
            '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(a.title)} | 九龙网</title>{head_canonical}"
            f'<meta property="og:title" content="{escape(a.title)}">'
            f'<meta name="keywords" content="{escape(kw)}">'
            f"{HTML5_NOISE_HEAD}"
            f"<script>window.__INITIAL_STATE__={state};</script>"
            f'<script type="application/ld+json">{ld}</script></head><body>'
            f"{_nav(tpl)}"
            '<div class="ad-banner" id="topAd"><script>loadAd("top-banner")</script>'
            '<a href="http://www.example.com/ad/">广告</a></div>'
            '<main class="page"><nav class="crumbs" aria-label="breadcrumb">'
            f'<a href="http://{NEWS}/">首页</a> / <a href="{s.url}">{s.name}</a> / '
            "<span>正文</span></nav>"
            f'<article class="post"><h1 class="post-title">{escape(a.title)}</h1>'
            f'<div class="post-meta"><time datetime="{a.dt.isoformat()}">{a.date_raw}</time> '
            f'<span class="src">{_source_html(a, "来源: ")}</span> '
            '<span class="views">阅读 <em>1024</em></span></div>'
            '<div class="share-bar">分享到：<a href="#">微信</a><a href="#">微博</a>'
            '<a href="#">QQ空间</a></div>'
            f'<section class="post-body" id="artibody">{_body_html(a, tpl)}</section>'
            f'<div class="post-tags">{a.kw_label}: {tags}</div>'
            f'<p class="post-editor">责任编辑: {escape(a.editor)}</p>'
            f'<p class="post-statement">{escape(C.DISCLAIMER)}</p>'
            f'<a class="print" href="{print_link}">打印</a></article>'
            '<section class="comments" id="comments"><h3>网友评论</h3>'
            '<div class="comment-item"><b>网友123</b><p>说得好，支持！</p></div>'
            '<div class="comment-item"><b>保山人</b><p>家乡越来越好了，点赞！</p></div>'
            '<textarea placeholder="文明上网，理性发言"></textarea>'
            "<button>发表评论</button></section>"
            f"{related}{_sidebar(hot, tpl)}</main>"
            f"{_footer(tpl, s.host)}{HTML5_NOISE_TAIL}</body></html>"
        )
    html = (
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">'
        '<html xmlns="http://www.w3.org/1999/xhtml"><head>'
        '<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />'
        f"<title>{escape(a.title)}_九龙网</title>{head_canonical}"
        f'<meta name="keywords" content="{escape(kw)}" />'
        f'<meta name="description" content="{escape(a.snippet)}" />'
        '<link href="/skin/css/style.css" rel="stylesheet" type="text/css" /></head><body>'
        f'<div class="top">九龙网 www.jiulongw.cn</div>{_nav(tpl)}<div class="wrap">'
        f'<div class="position">当前位置：<a href="http://{NEWS}/">首页</a> &gt; '
        f'<a href="{s.url}">{s.name}</a></div><div class="left"><div class="article">'
        f"<h1>{escape(a.title)}</h1>"
        f'<div class="info">{a.date_raw} {_source_html(a, "来源：")} 浏览次数：'
        f'<script src="/plus/count.php?aid={a.id}"></script></div>'
        f'<div class="content" id="text">{_body_html(a, tpl)}</div>'
        f'<div class="keywords">{a.kw_label}：{escape(kw)}</div>'
        f'<div class="editor">责任编辑：{escape(a.editor)}</div>'
    )
    if a.special == "broken":  # truncated mid-page, unclosed tags: still a readable article
        return html.replace("</p>", "", 3) + '<div class="statement">免责声明：九龙网内容来源于本网'
    return (
        html + f'<div class="statement">{escape(C.DISCLAIMER)}</div>'
        f'<div class="print"><a href="{print_link}">打印本页</a></div></div>'
        f"{related}</div>{_sidebar(hot, tpl)}</div>{_footer(tpl, s.host)}</body></html>"
    )


def _page(template: str, title: str, main: str, host: str) -> str:
    """A non-article page (list, home, footer page) in the given markup."""
    if template == "table":
        return (
            '<HTML><HEAD><META http-equiv="Content-Type" content="text/html; charset=gb2312">'
            f"<TITLE>{escape(title)}-九龙网</TITLE></HEAD><BODY>{_nav(template)}"
            f"<TABLE width=960 align=center><TR><TD>{main}</TD></TR></TABLE>"
            f"{_footer(template, host)}</BODY></HTML>"
        )
    if template == "html5":
        return (
            '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            f"<title>{escape(title)} | 九龙网</title>{HTML5_NOISE_HEAD}</head>"
            f'<body>{_nav(template)}<main class="page">{main}</main>'
            f"{_footer(template, host)}{HTML5_NOISE_TAIL}</body></html>"
        )
    return (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8" />'
        f"<title>{escape(title)}_九龙网</title></head><body>{_nav(template)}"
        f'<div class="wrap">{main}</div>{_footer(template, host)}</body></html>'
    )


def _list_items(entries: list[tuple[str, str, str]], template: str) -> str:
    """entries: (href, title, date text)."""
    if template == "table":
        rows = "".join(
            f'<TR><TD>·<A href="{escape(h)}" target=_blank>{escape(t)}</A></TD>'
            f"<TD align=right>{d[:10]}</TD></TR>"
            for h, t, d in entries
        )
        return f"<TABLE width=100% class=list>{rows}</TABLE>"
    if template == "html5":
        lis = "".join(
            f'<li class="card"><h3><a href="{escape(h)}">{escape(t)}</a></h3><time>{d}</time></li>'
            for h, t, d in entries
        )
        return f'<ul class="feed">{lis}</ul>'
    lis = "".join(
        f'<li><a href="{escape(h)}" target="_blank">{escape(t)}</a><span>{d[:10]}</span></li>'
        for h, t, d in entries
    )
    return f'<ul class="list_ul">{lis}</ul>'


def _pagination(s: Section, page: int, npages: int, template: str) -> str:
    def name(p: int) -> str:
        return "index.html" if p == 1 else f"index_{p}.html"

    parts = [f'<a href="{name(1)}">首页</a>']
    if page > 1:
        parts.append(f'<a href="{name(page - 1)}">上一页</a>')
    lo = max(1, page - 4)
    for p in range(lo, min(npages, lo + 9) + 1):
        parts.append(f"<b>{p}</b>" if p == page else f'<a href="{name(p)}">{p}</a>')
    if page < npages:
        parts.append(f'<a href="{name(page + 1)}">下一页</a>')
    parts.append(f'<a href="{name(npages)}">末页</a>')
    cls = "pagination" if template == "html5" else "pages"
    return f'<div class="{cls}">{"".join(parts)}<span>共{npages}页</span></div>'


def _entry(a: Article) -> tuple[str, str, str]:
    return (a.url, a.title, f"{a.dt:%Y-%m-%d %H:%M}")


# --------------------------------------------------------------------------- site


ERRORS = [
    # (section label, kind, path under the section's host)
    ("新闻", "404", "/china/2024-06-03/99001.html"),
    ("新闻", "404", "/china/2025-01-10/99002.html"),
    ("财经", "404", "/finance/2025-03-02/99003.html"),
    ("云南", "500", "/yunnan/2025-02-14/99004.html"),
    ("股票", "redirect_loop", "/stock/2025-04-01/99005.html"),
    ("汽车", "offsite_redirect", "/auto/2025-05-20/99006.html"),
    ("保山", "timeout", "/baoshan/2025-06-18/99007.html"),
]


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


_BLOCK = re.compile(
    r"(?=<(?:div|ul|ol|li|p|h[1-3]|table|tr|section|article|aside|header|footer|nav|main|figure"
    r"|script|style|meta|link|title|body|/head|/body|/html)\b)",
    re.IGNORECASE,
)


def _encode(html: str, template: str) -> bytes:
    html = _BLOCK.sub("\n", html).lstrip("\n") + "\n"
    return html.encode("gbk", "xmlcharrefreplace") if template == "table" else html.encode()


def _file_for(root: Path, url: str) -> Path:
    rest = url.split("://", 1)[1]
    host, _, path = rest.partition("/")
    path = path.split("#")[0].split("?")[0]
    if not path or path.endswith("/"):
        path += "index.html"
    return root / host / path


def render_calendar(date: str) -> str:
    """The crawler trap: a calendar whose pages link to the previous and next day, forever."""
    try:
        day = datetime.strptime(date, "%Y-%m-%d")
    except ValueError:
        day = datetime(2024, 6, 5)
    prev, nxt = (f"{d:%Y-%m-%d}" for d in (day - timedelta(days=1), day + timedelta(days=1)))
    main = (
        f"<h1>新闻日历 {day:%Y年%m月%d日}</h1><p>当日暂无新闻。</p>"
        f'<a href="/calendar/?date={prev}">前一天</a> <a href="/calendar/?date={nxt}">后一天</a>'
    )
    return _page("div", "新闻日历", main, NEWS)


def _truth_entry(a: Article) -> dict:
    related = [] if a.special == "broken" else [t.split("#")[0].split("?")[0] for _, t in a.related]
    return {
        "url": a.url,
        "site": "jiulong",
        "section": a.section.name,
        "title": a.title,
        "published_at": a.dt.isoformat(),
        "published_at_raw": a.date_raw,
        "source": a.source,
        "editor": a.editor,
        "keywords": a.keywords,
        "body": "\n".join(a.paragraphs),
        "images": [{"url": u, "caption": c} for u, c in a.images],
        "related": related,
        "aliases": a.aliases,
        "only_via_related": a.only_via_related,
        "encoding": "gbk" if a.template == "table" else "utf-8",
        "template": a.template,
    }


def build_site(root: Path, *, articles: int = 220, extra: int = 0, seed: int = 7) -> dict:
    """Write the replica under `root` and return the truth dict (also written to truth.json)."""
    root = Path(root)
    base, extras = generate(articles, extra, seed)
    everything = base + extras
    meta: dict[str, dict] = {
        h: {"default_content_type": "text/html; charset=utf-8", "paths": {}}
        for h in C.HOSTS.values()
    }
    meta[C.HOSTS["bs"]]["default_content_type"] = "text/html"  # GBK pages: charset only in <meta>

    def write(url: str, html: str, template: str) -> None:
        _write(_file_for(root, url), _encode(html, template))

    hot_by_host = {}
    for s in SECTIONS:
        if s.host not in hot_by_host:
            hot_by_host[s.host] = [
                a for a in base if a.section.host == s.host and not a.only_via_related
            ][7:13]

    # Articles (+ aliases, + special serving rules).
    disallowed = set()
    for a in everything:
        hot = hot_by_host[a.section.host]
        write(a.url, render_article(a, hot), a.template)
        disallowed.add(f"http://{a.section.host}/print/{a.id}.html")
        if a.special == "alias_mobile":
            write(a.aliases[0], render_article(a, hot, canonical=a.url), a.template)
        elif a.special == "alias_path":
            write(a.aliases[0], render_article(a, hot), a.template)
        elif a.special == "wrong_charset":
            path = "/" + a.url.split("/", 3)[3]
            meta[a.section.host]["paths"][path] = {"content_type": "text/html; charset=utf-8"}

    # Section lists, newest first, error links mixed into page 1.
    error_urls: dict[str, list[str]] = {}
    list_urls = []
    label_to_section = {s.label: s for s in SECTIONS}
    errors_by_label: dict[str, list[tuple[str, str]]] = {}
    for label, kind, path in ERRORS:
        s = label_to_section[label]
        url = f"http://{s.host}{path}"
        error_urls.setdefault(kind, []).append(url)
        errors_by_label.setdefault(label, []).append((url, kind))
        rule = {
            "500": {"status": 500},
            "redirect_loop": {"status": 302, "location": url.replace(".html", "_2.html")},
            "offsite_redirect": {"status": 302, "location": "http://www.example.com/moved.html"},
            "timeout": {
                "slow": True,
                "body": "<html><body><p>系统繁忙，请稍后再试。</p></body></html>",
            },
        }.get(kind)
        if rule:
            meta[s.host]["paths"][path] = rule
        if kind == "redirect_loop":
            meta[s.host]["paths"][path.replace(".html", "_2.html")] = {
                "status": 302,
                "location": url,
            }
            error_urls[kind].append(url.replace(".html", "_2.html"))
    listed_by_section: dict[str, list[Article]] = {s.label: [] for s in SECTIONS}
    for a in sorted(everything, key=lambda x: (x.dt, x.id), reverse=True):
        if not a.only_via_related:
            listed_by_section[a.section.label].append(a)
    rng = random.Random(seed + 1)
    for s in SECTIONS:
        items = listed_by_section[s.label]
        npages = max(1, -(-len(items) // PER_PAGE))
        for page in range(1, npages + 1):
            chunk = items[(page - 1) * PER_PAGE : page * PER_PAGE]
            entries = [_entry(a) for a in chunk]
            for i, (h, t, d) in enumerate(entries):
                if rng.random() < 0.05:
                    entries[i] = (h + "#pl", t, d)
            if page == 1:
                for url, kind in errors_by_label.get(s.label, []):
                    entries.insert(
                        min(3, len(entries)), (url, f"{s.name}快讯：{kind}", "2025-01-01")
                    )
            main = f"<h2>{s.name}</h2>{_list_items(entries, s.template)}"
            main += _pagination(s, page, npages, s.template)
            if s.slug == "zonghe":
                main += '<a href="index.html?sid=__SID__">刷新列表</a>'
            write(s.page_url(page), _page(s.template, s.name, main, s.host), s.template)
            list_urls.append(s.page_url(page))

    # Home pages: the portal home on news., a small one on each other host.
    latest = [
        a
        for a in sorted(everything, key=lambda x: (x.dt, x.id), reverse=True)
        if not a.only_via_related
    ][:20]
    entries = []
    for i, a in enumerate(latest):
        href = a.url + ("?utm_source=home&utm_medium=latest" if i % 4 == 1 else "")
        entries.append((href, a.title, f"{a.dt:%Y-%m-%d %H:%M}"))
    aliased = [a for a in base if a.aliases]
    specials = "".join(f'<li><a href="{a.aliases[0]}">{escape(a.title)}</a></li>' for a in aliased)
    blocks = "".join(
        f'<div class="block"><h3><a href="{s.url}">{s.name}</a></h3>'
        f"{_list_items([_entry(a) for a in listed_by_section[s.label][:5]], 'div')}</div>"
        for s in SECTIONS
    )
    home = (
        f'<div class="toutiao"><h2>最新新闻</h2>{_list_items(entries, "div")}</div>'
        f'<div class="zhuanti"><h3>手机看新闻</h3><ul>{specials}</ul></div>{blocks}'
        f'<p><a href="http://{NEWS}/zonghe/index.html?sid=__SID__">综合频道</a> '
        f'<a href="http://{NEWS}/calendar/?date=2024-06-05">新闻日历</a> '
        f'<a href="{C.OFFSITE[1]}">人民网</a></p>'
    )
    write(f"http://{NEWS}/", _page("div", "九龙网-保山门户网站", home, NEWS), "div")
    for host in C.HOSTS.values():
        if host == NEWS:
            continue
        secs = [s for s in SECTIONS if s.host == host]
        main = "".join(
            f'<h3><a href="{s.url}">{s.name}</a></h3>'
            f"{_list_items([_entry(a) for a in listed_by_section[s.label][:8]], s.template)}"
            for s in secs
        )
        write(
            f"http://{host}/", _page(secs[0].template, secs[0].name, main, host), secs[0].template
        )

    # Footer pages, robots.txt, meta.
    other_urls = []
    for label, path in C.FOOTER_PAGES:
        url = f"http://{NEWS}{path}"
        write(
            url,
            _page("div", label, f"<h1>{label}</h1><p>九龙网是保山市重点新闻网站。</p>", NEWS),
            "div",
        )
        other_urls.append(url)
    meta[NEWS]["paths"]["/calendar/"] = {"dynamic": "calendar"}
    robots = "User-agent: *\nDisallow: /admin/\nDisallow: /print/\n"
    for host in C.HOSTS.values():
        _write(root / host / "robots.txt", robots.encode())
        disallowed.add(f"http://{host}/admin/login.html")
        _write(
            root / host / "_meta.json", json.dumps(meta[host], indent=1, sort_keys=True).encode()
        )

    truth = {
        "seed_url": C.SEED_URL,
        "sections": {s.label: s.url for s in SECTIONS},
        "articles": [_truth_entry(a) for a in sorted(everything, key=lambda x: x.url)],
        "error_urls": error_urls,
        "disallowed_urls": sorted(disallowed),
        "offsite_urls": sorted(
            {
                *C.OFFSITE,
                f"{C.OFFSITE[0]}jubao/",
                "http://www.example.com/ad/",
                "http://www.example.com/moved.html",
                "http://www.example.com/xinhua/",
            }
        ),
        "traps": [
            {"kind": "calendar", "url_prefix": f"http://{NEWS}/calendar/"},
            {
                "kind": "session_id",
                "param": "sid",
                "url_prefix": f"http://{NEWS}/zonghe/index.html?sid=",
            },
        ],
        "list_urls": list_urls,
        "other_urls": other_urls,
        "special_urls": {a.special: a.url for a in base if a.special},
    }
    _write(root / "truth.json", json.dumps(truth, ensure_ascii=False, indent=1).encode())
    return truth
