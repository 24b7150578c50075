"""Second, independent replicas of 九龙网 ("flavours") in markups the main replica never uses.

``site.py`` renders three markups we invented together with the extraction code. A crawler can pass
those and still fail on the real portal, so each flavour here is written the way a real CMS writes
pages, without looking at how extraction works: a DedeCMS/PHPCMS-like portal (``dede``: numbered
``list_<n>_<page>.html`` and ``list.php?catid=`` lists, ``/a/<yyyymmdd>/<id>.html`` articles, a GBK
host, 推荐阅读 as a ``<dl>``) and an HTML5/Tailwind one (``modern``: a JS-ish menu of buttons and
links on subdomains, ``?page=N`` lists with 加载更多, ``<time datetime>``, cards, cookie banner,
inline JSON state).

Content (the seed article verbatim, the phrase bank) and the truth.json schema are shared with
``site.py``, so the same tests read both. Query-string pages are stored as ``<file>@<query>``
(:func:`tests.replica.server.query_file`), which ReplicaServer serves.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, fields
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

from tests.replica import content as C
from tests.replica import site as S
from tests.replica.server import ReplicaServer, query_file

FLAVOURS = ("dede", "modern")
PER_PAGE = 4  # small pages, so most sections paginate 3+ deep with 120 articles
NEWS = "news.jiulongw.cn"
OFFSITE_HOME = "http://www.example.com/"
PARENTS = {
    "general": "新闻",
    "finance": "财经",
    "auto": "汽车",
    "tech": "科技",
    "edu": "教育",
    "health": "健康",
    "travel": "旅游",
    "house": "房产",
}
# Menu label -> host key per flavour (slug, name, group and weight come from content.MENU).
DEDE_HOSTS = {"保山": "bs", "旅游": "bs", "景点": "bs", "地方": "bs", "财经": "finance"}
MODERN_HOSTS = {
    "保山": "bs",
    "旅游": "bs",
    "景点": "bs",
    "地方": "bs",
    "云南": "yn",
    "财经": "finance",
    "股票": "finance",
    "基金": "finance",
    "汽车": "auto",
    "新车": "auto",
    "科技": "tech",
    "手机": "tech",
    "教育": "edu",
    "考试": "edu",
}
GBK_HOST = "bs.jiulongw.cn"  # dede only
SUBHEADS = [
    "强化组织保障",
    "坚持问题导向",
    "推动工作落地见效",
    "下一步工作打算",
    "主要做法",
    "取得成效",
]


@dataclass
class FSection:
    flavour: str
    label: str
    host: str
    slug: str
    name: str
    group: str
    weight: int
    catid: int
    root: bool = False  # modern: the section's list is its subdomain's home page

    @property
    def template(self) -> str:  # what site._new_article keys seconds on
        return "div" if self.flavour == "dede" else "modern"

    @property
    def parent(self) -> str:
        return PARENTS[self.group]

    @property
    def url(self) -> str:
        return self.page_url(1)

    def page_url(self, page: int) -> str:
        if self.flavour == "dede":
            if self.catid % 2:  # PHPCMS-style query lists
                q = f"?catid={self.catid}" + (f"&page={page}" if page > 1 else "")
                return f"http://{self.host}/list.php{q}"
            return f"http://{self.host}/list_{self.catid}_{page}.html"
        base = f"http://{self.host}/" if self.root else f"http://{self.host}/{self.slug}/"
        return base + (f"?page={page}" if page > 1 else "")

    def article_url(self, a: S.Article) -> str:
        if self.host == NEWS and self.group == "general":  # the seed's scheme
            return f"http://{self.host}/{self.slug}/{a.dt:%Y-%m-%d}/{a.id}.html"
        if self.flavour == "dede":
            return f"http://{self.host}/a/{a.dt:%Y%m%d}/{a.id}.html"
        return f"http://{self.host}/p/{a.id}.html"


@dataclass
class FArticle(S.Article):
    author: str = ""
    subheads: tuple[int, ...] = ()  # indices of paragraphs that are subheadings (一、...)

    @property
    def url(self) -> str:  # type: ignore[override]
        return self.section.article_url(self)


def _sections(flavour: str) -> list[FSection]:
    hosts = DEDE_HOSTS if flavour == "dede" else MODERN_HOSTS
    out, seen_hosts = [], set()
    for n, (label, _h, slug, name, _tpl, group, weight) in enumerate(C.MENU):
        host = f"{hosts.get(label, 'news')}.jiulongw.cn"
        root = flavour == "modern" and host != NEWS and host not in seen_hosts
        seen_hosts.add(host)
        out.append(FSection(flavour, label, host, slug, name, group, weight, n + 1, root))
    return out


def _convert(a: S.Article, section: FSection) -> FArticle:
    values = {f.name: getattr(a, f.name) for f in fields(S.Article)}
    values["section"] = section
    return FArticle(**values)


def generate(flavour: str, articles: int, seed: int) -> tuple[list[FSection], list[FArticle]]:
    rng = random.Random(f"{flavour}-{seed}")
    sections = _sections(flavour)
    china = sections[0]
    base = [_convert(a, china) for a in S._seed_articles()]
    by_id = {a.id: a for a in base}
    base[0].related = [(by_id[t.id], by_id[t.id].url) for t, _ in S._seed_articles()[0].related]
    used = {a.title for a in base}
    weights = [s.weight for s in sections]
    ids = [i for i in rng.sample(range(100000, 200000), articles) if abs(i - S.SEED_ID) > 10]
    for n, aid in enumerate(ids[: articles - len(base)]):
        s = sections[n] if n < len(sections) else rng.choices(sections, weights)[0]
        a = _convert(S._new_article(rng, aid, s, S._random_dt(rng), used), s)
        if s.host == GBK_HOST and flavour == "dede":
            a.dt = a.dt.replace(second=0)  # its template prints minutes only
        base.append(a)
    for a in base:
        if "作者" not in a.source_display and rng.random() < 0.5:
            a.author = rng.choice(C.PEOPLE)
    generated = base[7:]
    for a in rng.sample(generated, max(2, len(generated) // 15)):
        # No outlet filled in: the template still prints its 来源 label, empty.
        a.source, a.source_display, a.source_link = None, "", None  # type: ignore[assignment]
        a.author = a.author or rng.choice(C.PEOPLE)
    for a in generated:
        if len(a.paragraphs) >= 3 and rng.random() < 0.3:  # gov-style numbered subheadings
            heads = rng.sample(SUBHEADS, 2)
            a.paragraphs.insert(1, f"一、{heads[0]}")
            a.paragraphs.insert(3, f"二、{heads[1]}")
            a.subheads = (1, 3)
    for a in rng.sample(generated, max(4, len(generated) // 25)):
        a.only_via_related = True
    listed = [a for a in base if not a.only_via_related]
    by_section: dict[str, list[FArticle]] = {}
    for a in base:
        by_section.setdefault(a.section.label, []).append(a)
    for a in base[1:]:
        pool = [t for t in by_section[a.section.label] if t is not a]
        targets = rng.sample(pool, min(len(pool), rng.randint(3, 6)))
        a.related = [(t, S._tracked(rng, t.url)) for t in targets]
    for a in base:
        if a.only_via_related and not any(t is a for p in listed for t, _ in p.related):
            parent = rng.choice([p for p in listed if p.id != S.SEED_ID])
            parent.related.insert(rng.randint(0, len(parent.related)), (a, a.url))
    return sections, base


# --------------------------------------------------------------------------- shared bits


def _local(url: str, host: str) -> str:
    """DedeCMS writes links to its own host site-relative."""
    prefix = f"http://{host}"
    return url[len(prefix) :] if url.startswith(prefix + "/") else url


def _related_time(a: FArticle) -> str:
    return f"{a.dt:%Y年%m月%d日 %H:%M}"


def _footer_dede(host: str) -> str:
    pages = " | ".join(f'<a href="http://{NEWS}{p}">{t}</a>' for t, p in C.FOOTER_PAGES)
    lines = "<br />".join(escape(x) for x in C.FOOTER_LINES)
    return (
        f'<div class="footer"><div class="flink">{pages} | '
        f'<a href="{OFFSITE_HOME}jubao/" target="_blank">网上有害信息举报</a> | '
        f'<a href="http://{host}/member/login.php">会员登录</a></div>'
        f'<div class="copyright">{lines}</div></div>'
    )


def _menu_dede(sections: list[FSection]) -> str:
    lis = "".join(
        f'<li><a href="{s.url}"{" class=hover" if i == 0 else ""}>{escape(s.label)}</a></li>'
        for i, s in enumerate(sections)
    )
    return (
        f'<div class="header"><h1 class="logo"><a href="http://{NEWS}/">'
        '<img src="/templets/default/images/logo.gif" alt="九龙网" />九龙网</a></h1>'
        '<div class="search"><form action="/plus/search.php" name="formsearch">'
        '<input type="text" name="q" /><button type="submit">搜索</button></form></div></div>'
        f'<div class="nav"><ul><li><a href="http://{NEWS}/">首页</a></li>{lis}</ul></div>'
    )


def _head_dede(title: str, host: str, extra: str = "") -> str:
    charset = "gb2312" if host == GBK_HOST else "utf-8"
    return (
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
        '<html xmlns="http://www.w3.org/1999/xhtml">\n<head>\n'
        f'<meta http-equiv="Content-Type" content="text/html; charset={charset}" />\n'
        f"<title>{escape(title)}</title>\n"
        '<meta name="keywords" content="九龙网,保山新闻,保山,腾冲,云南新闻" />\n'
        '<meta name="description" content="九龙网是保山地区综合性门户网站" />\n'
        f"{extra}"
        '<link href="/templets/default/style/dedecms.css" rel="stylesheet" type="text/css" />\n'
        '<script language="javascript" type="text/javascript" src="/include/dedeajax2.js">'
        "</script>\n</head>\n<body>\n"
    )


# --------------------------------------------------------------------------- dede


def _dede_body(a: FArticle) -> str:
    def image(i: int) -> str:
        url, cap = a.images[i]
        rel = urlsplit(url).path  # site-relative, as DedeCMS stores it
        img = f'<img src="{rel}" alt="{escape(cap or "")}" border="0" width="600" />'
        return f'<p align="center">{img}</p>' + (
            f'<p align="center">{escape(cap)}</p>' if cap else ""
        )

    out = []
    if a.section.host == GBK_HOST:  # old editor: one block, <br> between paragraphs
        chunks = []
        for i, p in enumerate(a.paragraphs):
            if i == 0 and a.images:
                chunks.append(image(0))
            if i == 2 and len(a.images) > 1:
                chunks.append(image(1))
            if i in a.subheads:
                chunks.append(f"<strong>{escape(p)}</strong><br />\n<br />")
            else:
                chunks.append(f"&nbsp;&nbsp;&nbsp;&nbsp;{escape(p)}<br />\n<br />")
        return "\n".join(chunks)
    for i, p in enumerate(a.paragraphs):
        if i == 0 and a.images:
            out.append(image(0))
        if i == 2 and len(a.images) > 1:
            out.append(image(1))
        if i in a.subheads:
            out.append(f"<p><strong>{escape(p)}</strong></p>")
        else:
            out.append(
                f'<div style="text-indent: 2em;">{escape(p)}</div>'  # an editor without <p>
                if a.id % 5 == 0
                else f"<p>　　{escape(p)}</p>"
            )
    return "\n".join(out)


def _source_span(a: FArticle) -> str:
    if a.source_link:
        return f'<a href="{a.source_link}" target="_blank">{escape(a.source_display)}</a>'
    return escape(a.source_display)


def _dede_info(a: FArticle, author: str) -> str:
    if a.section.host == GBK_HOST:  # the older host's template: minutes, 年月日, 浏览 count
        return (
            f'<div class="info">时间：{a.dt:%Y年%m月%d日 %H:%M}　来源：{_source_span(a)}'
            f'{author.replace("&nbsp;&nbsp;", "　")}　浏览：<span id="hits">12</span>次</div>'
        )
    return (
        '<div class="info"><small>发布时间：</small>'
        f"{a.dt:%Y-%m-%d %H:%M:%S}&nbsp;&nbsp;<small>来源：</small>{_source_span(a)}{author}"
        f'&nbsp;&nbsp;<small>点击：</small><script src="/plus/count.php?view=yes&aid={a.id}'
        '&mid=1" type="text/javascript" language="javascript"></script>次</div>'
    )


def render_dede_article(a: FArticle, prev: FArticle | None, nxt: FArticle | None, hot) -> str:
    s = a.section
    sections = _SECTIONS_CACHE["dede"]
    kws = " ".join(
        f'<a href="/plus/search.php?keyword={k}&searchtype=titlekeyword">{escape(k)}</a>'
        for k in a.keywords
    )
    if s.host == GBK_HOST:  # typed in by hand, as plain text
        kws = "、".join(escape(k) for k in a.keywords)
    author = f"&nbsp;&nbsp;作者：{escape(a.author)}" if a.author else ""
    crumbs = f'<a href="http://{NEWS}/">首页</a> &gt; '
    if s.parent != s.name:
        parent = next(x for x in sections if x.label == s.parent)
        crumbs += f'<a href="{parent.url}">{s.parent}</a> &gt; '
    crumbs += f'<a href="{s.url}">{escape(s.name)}</a> &gt; '
    rel = "".join(
        f'<dd><a href="{escape(_local(href, s.host))}" target="_blank">'
        f"<p>{escape(t.snippet)}</p></a>"
        f"<span>{_related_time(t)}</span></dd>"
        for t, href in a.related
    )
    pn = (
        "<ul><li>上一篇："
        + (f'<a href="{prev.url}">{escape(prev.title)}</a>' if prev else "没有了")
        + "</li><li>下一篇："
        + (f'<a href="{nxt.url}">{escape(nxt.title)}</a>' if nxt else "没有了")
        + "</li></ul>"
    )
    hot_list = "".join(f'<li><a href="{t.url}">{escape(t.title)}</a></li>' for t in hot)
    return (
        _head_dede(f"{a.title}_{s.name}_九龙网", s.host)
        + _menu_dede(sections)
        + '<div class="w960 center clear mt1"><div class="pleft">'
        + f'<div class="place"><strong>当前位置:</strong> {crumbs}</div>'
        + '<div class="viewbox"><div class="title">'
        + f"<h2>{escape(a.title)}</h2></div>"
        + _dede_info(a, author)
        + f'<div class="content"><table width="100%"><tr><td>{_dede_body(a)}</td></tr></table>'
        + "</div>"
        + f'<div class="tags">{a.kw_label}：{kws}</div>'
        + f'<div class="url">本文链接：<a href="{a.url}">{a.url}</a></div>'
        + '<div class="bdsharebuttonbox">分享到：<a href="#" class="bds_weixin">微信</a>'
        + '<a href="#" class="bds_tsina">新浪微博</a><a href="#" class="bds_qzone">QQ空间</a></div>'
        + (
            f'<div class="editor">[责任编辑:{escape(a.editor)}]</div>'
            if s.host == GBK_HOST
            else f'<div class="editor">（责任编辑：{escape(a.editor)}）</div>'
        )
        + f'<div class="boxoff"><strong>{escape(C.DISCLAIMER)}</strong></div>'
        + '<div class="handle"><div class="context">'
        + pn
        + '</div><div class="actbox"><ul>'
        + f'<li id="act-fav"><a href="/plus/stow.php?aid={a.id}">收藏</a></li>'
        + f'<li id="act-err"><a href="/plus/erraddsave.php?aid={a.id}">挑错</a></li>'
        + f'<li id="act-pus"><a href="/plus/recommend.php?aid={a.id}">推荐</a></li>'
        + "</ul></div></div></div>"
        + f'<dl class="tbox tuijian"><dt><strong>推荐阅读</strong></dt>{rel}</dl>'
        + '</div><div class="pright"><div class="commend mt1"><dl class="tbox light">'
        + "<dt class='light'><strong>热点排行</strong></dt><dd class='light'><ul class='c1'>"
        + f"{hot_list}</ul></dd></dl></div></div></div>"
        + _footer_dede(s.host)
        + "</body>\n</html>\n"
    )


def render_dede_list(s: FSection, page: int, npages: int, entries) -> str:
    sections = _SECTIONS_CACHE["dede"]

    def href(p: int) -> str:  # relative to the list's own folder, as DedeCMS writes them
        return s.page_url(p).rsplit("/", 1)[1]

    parts = [f'<li><a href="{href(1)}">首页</a></li>']
    if page > 1:
        parts.append(f'<li><a href="{href(page - 1)}">上一页</a></li>')
    for p in range(1, npages + 1):
        parts.append(
            f'<li class="thisclass"><a>{p}</a></li>'
            if p == page
            else f'<li><a href="{href(p)}">{p}</a></li>'
        )
    if page < npages:
        parts.append(f'<li><a href="{href(page + 1)}">下一页</a></li>')
    parts.append(f'<li><a href="{href(npages)}">尾页</a></li>')
    parts.append(
        f'<li><span class="pageinfo">共 <strong>{npages}</strong>页<strong>'
        f"{len(entries)}</strong>条</span></li>"
    )
    lis = "".join(
        f'<li><a href="{escape(_local(u, s.host))}" class="title">{escape(t)}</a>'
        f'<span class="info"><small>日期：</small>{d}</span>'
        f'<p class="intro">{escape(intro)}...</p></li>'
        for u, t, d, intro in entries
    )
    return (
        _head_dede(f"{s.name}_九龙网", s.host)
        + _menu_dede(sections)
        + '<div class="w960 center clear mt1"><div class="pleft">'
        + f'<div class="place"><strong>当前位置:</strong> <a href="http://{NEWS}/">首页</a>'
        + f' &gt; <a href="{s.url}">{escape(s.name)}</a></div>'
        + f'<div class="listbox"><ul class="e2">{lis}</ul></div>'
        + f'<div class="dede_pages"><ul class="pagelist">{"".join(parts)}</ul></div>'
        + "</div></div>"
        + _footer_dede(s.host)
        + "</body>\n</html>\n"
    )


def render_dede_home(sections: list[FSection], blocks: str) -> str:
    return (
        _head_dede("九龙网-保山门户网站", NEWS)
        + _menu_dede(sections)
        + f'<div class="w960 center">{blocks}'
        + f'<p><a href="{OFFSITE_HOME}">友情链接：示例网</a></p></div>'
        + _footer_dede(NEWS)
        + "</body>\n</html>\n"
    )


# --------------------------------------------------------------------------- modern

MODERN_HEAD = (
    '<script src="https://cdn.example.com/tailwind.min.js"></script>'
    "<script>tailwind.config={theme:{extend:{colors:{brand:'#c8102e'}}}};"
    "window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}"
    "gtag('js',new Date());gtag('config','G-XXXX');</script>"
)


def _menu_modern(sections: list[FSection]) -> str:
    top = sections[:8]
    more = sections[8:]
    a_cls = "px-3 py-2 text-sm font-medium text-white hover:bg-red-700 rounded-md"
    top_html = "".join(
        f'<a href="{s.url}" data-channel="{s.slug}" data-track="nav_{s.slug}" class="{a_cls}">'
        f"{escape(s.label)}</a>"
        for s in top
    )
    # The dropdown is script-driven: its entries are buttons that carry their URL as data.
    more_html = "".join(
        f'<button type="button" role="menuitem" data-href="{s.url}" data-channel="{s.slug}" '
        'onclick="location.href=this.dataset.href" class="block w-full px-4 py-2 text-left '
        f'text-sm text-gray-700">{escape(s.label)}</button>'
        for s in more
    )
    return (
        '<header class="bg-brand sticky top-0 z-40 shadow"><div class="mx-auto max-w-7xl px-4">'
        '<div class="flex h-14 items-center justify-between">'
        f'<a href="http://{NEWS}/" class="flex items-center"><img class="h-8 w-auto" '
        'src="/assets/logo.svg" alt="九龙网"></a>'
        f'<nav class="hidden md:flex space-x-1" aria-label="主导航">{top_html}'
        '<div class="relative" data-dropdown><button type="button" data-toggle="more-menu" '
        'aria-expanded="false" class="px-3 py-2 text-sm text-white">更多<svg class="ml-1 h-4 w-4" '
        'viewBox="0 0 20 20"><path d="M5 7l5 5 5-5"/></svg></button>'
        '<div id="more-menu" class="hidden absolute right-0 mt-2 w-48 rounded-md bg-white '
        f'shadow-lg" role="menu">{more_html}</div></div></nav>'
        '<button type="button" class="md:hidden text-white" data-drawer-target="drawer" '
        'aria-label="打开菜单">☰</button></div></div></header>'
    )


def _footer_modern() -> str:
    pages = "".join(
        f'<a href="http://{NEWS}{p}" class="hover:text-white">{t}</a>' for t, p in C.FOOTER_PAGES
    )
    lines = "".join(f'<p class="mt-1">{escape(x)}</p>' for x in C.FOOTER_LINES)
    return (
        '<footer class="bg-gray-900 text-gray-400 text-xs mt-12"><div class="mx-auto max-w-7xl '
        f'px-4 py-8"><div class="flex flex-wrap gap-4">{pages}'
        f'<a href="{OFFSITE_HOME}jubao/" rel="nofollow">违法和不良信息举报</a></div>{lines}</div>'
        "</footer>"
        '<div id="cookie-banner" role="dialog" aria-live="polite" class="fixed bottom-0 inset-x-0 '
        'bg-white p-4 shadow-lg text-sm">我们使用 Cookie 来改善您的浏览体验，继续浏览即表示您同意'
        f'我们的<a href="http://{NEWS}/privacy.html" class="underline">隐私政策</a>。'
        '<button type="button" data-accept-cookies class="ml-4 rounded bg-brand px-3 py-1 '
        'text-white">接受</button></div>'
        "<script>document.querySelector('[data-accept-cookies]').onclick=function(){"
        "localStorage.setItem('cookie_ok','1');document.getElementById('cookie-banner')"
        ".remove()};</script>"
    )


def _page_modern(title: str, main: str, state: dict, extra_head: str = "") -> str:
    data = json.dumps({"props": {"pageProps": state}, "buildId": "k3Jd8s"}, ensure_ascii=False)
    return (
        '<!DOCTYPE html><html lang="zh-CN" class="scroll-smooth"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>{extra_head}{MODERN_HEAD}</head>"
        '<body class="bg-gray-50 font-sans antialiased">'
        f"{_menu_modern(_SECTIONS_CACHE['modern'])}"
        f'<main class="mx-auto max-w-7xl px-4 py-6">{main}</main>{_footer_modern()}'
        f'<script id="__NEXT_DATA__" type="application/json">{data}</script></body></html>'
    )


def _modern_body(a: FArticle) -> str:
    def figure(i: int) -> str:
        url, cap = a.images[i]
        figcap = (
            f'<figcaption class="text-center text-sm text-gray-500">{escape(cap)}</figcaption>'
            if cap
            else ""
        )
        if a.id % 2:  # lazy loading by script: a placeholder until scrolled into view
            img = (
                f'<img src="/assets/blank.gif" data-src="{url}" alt="{escape(cap or a.title)}" '
                'class="lazyload mx-auto rounded-lg">'
            )
        else:
            img = (
                f'<img src="{url}" alt="{escape(cap or a.title)}" loading="lazy" '
                'decoding="async" class="mx-auto rounded-lg">'
            )
        return f'<figure class="my-6">{img}{figcap}</figure>'

    out = []
    for i, p in enumerate(a.paragraphs):
        if i == 0 and a.images:
            out.append(figure(0))
        if i == 2 and len(a.images) > 1:
            out.append(figure(1))
        if i in a.subheads:
            out.append(f"<h2>{escape(p)}</h2>")
        elif i == 1 and a.id % 3 == 1 and any(w in p for w in C.PLACES):
            # An inline link inside the prose, as editors add them.
            word = next(w for w in C.PLACES if w in p)
            head, _, tail = p.partition(word)
            out.append(
                f'<p>{escape(head)}<a href="{a.section.url}" class="text-brand">'
                f"{escape(word)}</a>{escape(tail)}</p>"
            )
        else:
            out.append(f"<p>{escape(p)}</p>")
    return "".join(out)


def _scheme_relative(url: str) -> str:
    """Front-end builds write links without a scheme (//yn.jiulongw.cn/p/1.html)."""
    return url[len("http:") :] if url.startswith("http://") else url


def _modern_shown_date(a: FArticle) -> str:
    return (
        f"{a.dt:%Y-%m-%d %H:%M}"
        if a.section.group in ("finance", "auto")
        else (f"{a.dt:%Y年%m月%d日 %H:%M}")
    )


def render_modern_article(a: FArticle, prev, nxt, hot) -> str:
    s = a.section
    sections = _SECTIONS_CACHE["modern"]
    parent = next(x for x in sections if x.label == s.parent)
    crumbs = (
        f'<li><a href="http://{NEWS}/" class="hover:underline">首页</a></li>'
        '<li aria-hidden="true">/</li>'
    )
    if parent.name != s.name:
        crumbs += (
            f'<li><a href="{parent.url}">{escape(parent.label)}</a></li>'
            '<li aria-hidden="true">/</li>'
        )
    if a.id % 2:
        crumbs += f'<li aria-current="page"><a href="{s.url}">{escape(s.name)}</a></li>'
    else:
        crumbs += f'<li aria-current="page">{escape(s.name)}</li>'
    source = (
        f'<a href="{a.source_link}" target="_blank" rel="noopener">{escape(a.source_display)}</a>'
        if a.source_link
        else f"<a>{escape(a.source_display)}</a>"
    )
    author = f'<span class="author">作者：{escape(a.author)}</span>' if a.author else ""
    # Some templates print the editor in the meta line under the headline, others at the end.
    editor = f"责任编辑：{escape(a.editor)}"
    editor_top = f'<span class="editor">{editor}</span>' if a.id % 2 else ""
    editor_bottom = "" if a.id % 2 else f'<p class="mt-2 text-right">{editor}</p>'
    kw_label = "标签" if a.id % 3 == 0 else a.kw_label
    tags = "".join(
        f'<a href="/tag/{k}" class="rounded-full bg-gray-100 px-2 py-0.5 text-xs">{escape(k)}</a>'
        for k in a.keywords
    )
    cards = "".join(
        f'<a href="{escape(_scheme_relative(href))}" '
        'class="group flex gap-3 rounded-lg bg-white p-3 shadow-sm">'
        f'<img src="{t.images[0][0] if t.images else "/assets/placeholder.png"}" alt="" '
        'class="h-20 w-28 flex-none rounded object-cover" loading="lazy">'
        f'<div><p class="line-clamp-2 text-sm text-gray-800">{escape(t.snippet)}</p>'
        f'<time class="mt-1 block text-xs text-gray-400" datetime="{t.dt.isoformat()}">'
        f"{_related_time(t)}</time></div></a>"
        for t, href in a.related
    )
    pn = (
        '<nav class="mt-8 grid grid-cols-2 gap-4 text-sm" aria-label="上下篇">'
        + (
            f'<a href="{prev.url}" rel="prev">‹ 上一篇：{escape(prev.title)}</a>'
            if prev
            else "<span></span>"
        )
        + (
            f'<a href="{nxt.url}" rel="next">下一篇：{escape(nxt.title)} ›</a>'
            if nxt
            else "<span></span>"
        )
        + "</nav>"
    )
    hot_list = "".join(
        f'<li class="py-2"><a href="{t.url}" class="hover:text-brand">{escape(t.title)}</a></li>'
        for t in hot
    )
    state = {
        "article": {
            "id": a.id,
            "title": a.title,
            "channel": s.slug,
            "summary": a.snippet,
            "content": "".join(f"<p>{escape(p)}</p>" for p in a.paragraphs),
            "publishTime": int(a.dt.timestamp() * 1000),
            "source": a.source,
        },
        "recommend": [{"id": t.id, "url": t.url} for t, _ in a.related],
    }
    head = (
        f'<meta property="og:type" content="article"><meta property="og:title" '
        f'content="{escape(a.title)}"><meta name="description" content="{escape(a.snippet)}">'
    )
    main = (
        '<div class="grid grid-cols-1 gap-8 lg:grid-cols-3"><div class="lg:col-span-2">'
        f'<nav aria-label="breadcrumb" class="mb-4 text-sm text-gray-500"><ol class="flex gap-2">'
        f"{crumbs}</ol></nav>"
        '<article class="rounded-xl bg-white p-6 shadow-sm"><header class="mb-6">'
        f'<h1 class="text-2xl font-bold leading-snug text-gray-900 md:text-3xl">{escape(a.title)}'
        "</h1>"
        '<div class="mt-3 flex flex-wrap items-center gap-x-4 gap-y-1 text-sm text-gray-500">'
        f'<time datetime="{a.dt.isoformat()}">{_modern_shown_date(a)}</time>'
        + (f'<span class="source">来源：{source}</span>' if a.source else "")
        + f"{author}{editor_top}"
        '<span class="views" data-views>阅读 <span id="pv">--</span></span></div></header>'
        '<div class="share-bar my-4 flex gap-2 text-xs" data-share>'
        '<span>分享到：</span><button data-share="wechat">微信</button>'
        '<button data-share="weibo">微博</button><button data-share="qq">QQ</button>'
        "<button data-copy-link>复制链接</button></div>"
        f'<div class="prose prose-lg max-w-none text-gray-800">{_modern_body(a)}</div>'
        '<footer class="mt-8 border-t pt-4 text-sm text-gray-500">'
        f'<div class="flex flex-wrap items-center gap-2"><span>{kw_label}：</span>{tags}</div>'
        f"{editor_bottom}"
        f'<p class="mt-4 text-xs text-gray-400">{escape(C.DISCLAIMER)}</p>'
        f'<a href="/api/like?id={a.id}" class="text-xs" data-like>点赞</a></footer></article>'
        f"{pn}"
        '<section aria-label="推荐阅读" class="mt-10">'
        '<h2 class="mb-4 border-l-4 border-brand pl-3 text-lg font-bold">'
        '<span class="text-brand">推荐</span>阅读</h2>'
        f'<div class="grid grid-cols-1 gap-4 md:grid-cols-2">{cards}</div></section></div>'
        '<aside class="space-y-6"><div class="rounded-xl bg-white p-4 shadow-sm">'
        f'<h3 class="font-bold">24小时热榜</h3><ol class="divide-y text-sm">{hot_list}</ol></div>'
        '<div class="rounded-xl bg-white p-4 text-xs" data-ad-slot="sidebar">'
        '<a href="http://www.example.com/ad/" rel="sponsored">广告 保山小粒咖啡</a></div></aside>'
        "</div>"
    )
    return _page_modern(f"{a.title} - {s.name} - 九龙网", main, state, head)


def render_modern_list(s: FSection, page: int, npages: int, entries) -> str:
    cards = "".join(
        f'<li class="flex gap-4 py-4"><a href="{escape(_scheme_relative(u))}" class="flex-none">'
        '<img src="/assets/placeholder.png" alt="" class="h-24 w-36 rounded object-cover" '
        f'loading="lazy"></a><div><a href="{escape(_scheme_relative(u))}" class="block">'
        f'<h3 class="text-lg font-semibold hover:text-brand">{escape(t)}</h3></a>'
        f'<p class="mt-1 line-clamp-2 text-sm text-gray-600">{escape(intro)}…</p>'
        f'<time class="text-xs text-gray-400">{d}</time></div></li>'
        for u, t, d, intro in entries
    )
    nums = "".join(
        f'<span aria-current="page" class="px-3 py-1 bg-brand text-white">{p}</span>'
        if p == page
        else f'<a href="?page={p}" class="px-3 py-1">{p}</a>'
        for p in range(1, npages + 1)
    )
    more = (
        f'<a href="?page={page + 1}" data-load-more data-next-page="{page + 1}" '
        'class="mt-6 block rounded-lg border py-2 text-center text-sm">加载更多</a>'
        if page < npages
        else '<p class="mt-6 text-center text-sm text-gray-400">没有更多了</p>'
    )
    main = (
        f'<h1 class="text-xl font-bold">{escape(s.name)}</h1>'
        f'<ul class="divide-y" data-feed="{s.slug}">{cards}</ul>{more}'
        f'<nav class="mt-4 flex justify-center gap-1 text-sm" aria-label="分页">{nums}</nav>'
    )
    state = {"channel": s.slug, "page": page, "total": npages}
    return _page_modern(f"{s.name} - 九龙网", main, state)


def render_modern_home(blocks: str) -> str:
    main = blocks + f'<p class="mt-6 text-sm"><a href="{OFFSITE_HOME}">合作伙伴：示例网</a></p>'
    return _page_modern("九龙网 - 保山门户网站", main, {"home": True})


# --------------------------------------------------------------------------- build

_SECTIONS_CACHE: dict[str, list[FSection]] = {}
ERRORS = [  # (section index, path under the section host)
    (0, "/china/2024-06-03/99001.html"),
    (3, "/p/99002.html"),
    (5, "/a/20250301/99003.html"),
]


def _query_file(root: Path, url: str) -> Path:
    return query_file(root, url)


def build_flavour(root: Path, name: str, *, articles: int = 120, seed: int = 11) -> dict:
    """Write flavour `name` under `root` (pages, _meta.json, truth.json); return the truth."""
    if name not in FLAVOURS:
        raise ValueError(f"unknown flavour {name!r}; known: {FLAVOURS}")
    root = Path(root)
    sections, arts = generate(name, articles, seed)
    _SECTIONS_CACHE[name] = sections
    hosts = sorted({s.host for s in sections})
    gbk = name == "dede"

    def write(url: str, html: str) -> None:
        host = urlsplit(url).hostname
        data = (
            html.encode("gbk", "xmlcharrefreplace")
            if gbk and host == GBK_HOST
            else html.encode("utf-8")
        )
        S._write(_query_file(root, url), data)

    render_article = render_dede_article if name == "dede" else render_modern_article
    render_list = render_dede_list if name == "dede" else render_modern_list
    listed = sorted(
        (a for a in arts if not a.only_via_related), key=lambda a: (a.dt, a.id), reverse=True
    )
    hot = listed[:6]
    by_section: dict[str, list[FArticle]] = {s.label: [] for s in sections}
    for a in listed:
        by_section[a.section.label].append(a)
    for a in arts:
        peers = by_section[a.section.label]
        i = peers.index(a) if a in peers else -1
        prev = peers[i + 1] if 0 <= i < len(peers) - 1 else None
        nxt = peers[i - 1] if i > 0 else None
        write(a.url, render_article(a, prev, nxt, hot))

    error_urls: dict[str, list[str]] = {"404": []}
    errors_by_section: dict[int, list[str]] = {}
    for idx, path in ERRORS:
        url = f"http://{sections[idx].host}{path}"
        error_urls["404"].append(url)
        errors_by_section.setdefault(idx, []).append(url)
    list_urls = []
    for idx, s in enumerate(sections):
        items = by_section[s.label]
        npages = max(1, -(-len(items) // PER_PAGE))
        for page in range(1, npages + 1):
            chunk = items[(page - 1) * PER_PAGE : page * PER_PAGE]
            entries = [(a.url, a.title, f"{a.dt:%Y-%m-%d}", a.paragraphs[0][:40]) for a in chunk]
            if page == 1:
                for url in errors_by_section.get(idx, []):
                    entries.insert(1, (url, f"{s.name}快讯", "2025-01-01", "快讯"))
            write(s.page_url(page), render_list(s, page, npages, entries))
            list_urls.append(s.page_url(page))

    def block(s: FSection) -> str:
        lis = "".join(
            f'<li><a href="{a.url}">{escape(a.title)}</a></li>' for a in by_section[s.label][:3]
        )
        head = f'<h3><a href="{s.url}">{escape(s.name)}</a></h3>'
        return f'<div class="block">{head}<ul>{lis}</ul></div>'

    if name == "dede":
        write(f"http://{NEWS}/", render_dede_home(sections, "".join(block(s) for s in sections)))
    else:
        # Only the channels of the top bar get a block: the rest are reached through the menu.
        top = "".join(block(s) for s in sections[:8])
        write(f"http://{NEWS}/", render_modern_home(top))
    other_urls = []
    for label, path in [*C.FOOTER_PAGES, ("隐私政策", "/privacy.html")]:
        url = f"http://{NEWS}{path}"
        body = f"<h1>{label}</h1><p>九龙网是保山市重点新闻网站。</p>"
        if name == "dede":
            write(url, _head_dede(f"{label}_九龙网", NEWS) + body + "</body></html>")
        else:
            write(url, _page_modern(f"{label} - 九龙网", body, {}))
        other_urls.append(url)

    disallowed = set()
    if name == "dede":
        robots = "User-agent: *\nDisallow: /plus/\nDisallow: /member/\nDisallow: /data/\n"
        for a in arts:
            disallowed.add(f"http://{a.section.host}/plus/recommend.php?aid={a.id}")
    else:
        robots = "User-agent: *\nDisallow: /api/\n"
        for a in arts:
            disallowed.add(f"http://{a.section.host}/api/like?id={a.id}")
    for host in hosts:
        S._write(root / host / "robots.txt", robots.encode())
        ctype = "text/html; charset=GBK" if gbk and host == GBK_HOST else "text/html; charset=utf-8"
        meta = {"default_content_type": ctype, "paths": {}}
        S._write(root / host / "_meta.json", json.dumps(meta, indent=1).encode())

    truth = {
        "flavour": name,
        "seed_url": C.SEED_URL,
        "sections": {s.label: s.url for s in sections},
        "articles": [_truth_entry(a, name) for a in sorted(arts, key=lambda x: x.url)],
        "error_urls": error_urls,
        "disallowed_urls": sorted(disallowed),
        "offsite_urls": [OFFSITE_HOME, f"{OFFSITE_HOME}jubao/", "http://www.example.com/ad/"],
        "traps": [],
        "list_urls": list_urls,
        "other_urls": other_urls,
        "special_urls": {},
    }
    S._write(root / "truth.json", json.dumps(truth, ensure_ascii=False, indent=1).encode())
    return truth


def _shown_date(a: FArticle, flavour: str) -> str:
    if flavour == "modern":
        return _modern_shown_date(a)
    if a.section.host == GBK_HOST:
        return f"{a.dt:%Y年%m月%d日 %H:%M}"
    return f"{a.dt:%Y-%m-%d %H:%M:%S}"


def _truth_entry(a: FArticle, flavour: str) -> dict:
    return {
        "url": a.url,
        "site": "jiulong",
        "section": a.section.name,
        "title": a.title,
        "published_at": a.dt.isoformat(),
        "published_at_raw": _shown_date(a, flavour),
        "source": a.source,
        "editor": a.editor,
        "keywords": a.keywords,
        "body": "\n".join(a.paragraphs),
        "images": [{"url": u, "caption": c} for u, c in a.images],
        "related": [href.split("#")[0].split("?")[0] for _, href in a.related],
        "aliases": [],
        "only_via_related": a.only_via_related,
        "encoding": "gbk" if flavour == "dede" and a.section.host == GBK_HOST else "utf-8",
        "template": flavour,
    }


class FlavourServer(ReplicaServer):
    """Kept for callers of the flavours: ReplicaServer itself now serves query-string pages."""
