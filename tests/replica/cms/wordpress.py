"""A WordPress news site (a Twenty-Seventeen-style theme as Chinese news sites set it up).

``single.php``: the entry meta (``<time class="entry-date published" datetime=…>`` and an
``updated`` time, byline, 来源) printed *before* the ``h1.entry-title``, the body in
``div.entry-content`` with ``<figure class="wp-block-image">`` images, ``wp_link_pages`` pages as
``?page=2``, tags in ``span.tags-links``, a related-posts box, post navigation and comment reply
links (``?replytocom=``, disallowed in robots.txt with a wildcard). Archives paginate as
``/category/local/page/2/``; tag and author archives exist. Every post is also at its shortlink
``/?p=ID`` (linked from the 热门文章 widget). The counter is WP-PostViews' ``admin-ajax.php?
action=postviews`` call, which robots.txt allows.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from tests.replica.cms.common import Art, Cat, Ctx, Family, list_entries

HOST = "www.dlxinwen.com"
NAME = "大理新闻网"
ROBOTS = """User-agent: *
Disallow: /wp-admin/
Allow: /wp-admin/admin-ajax.php
Disallow: /?s=
Disallow: /*?replytocom=
Disallow: /feed/
"""
AUTHORS = {"编辑部": "bianjibu", "通讯员": "tongxunyuan"}


class WordpressFamily(Family):
    def article_url(self, a: Art, page: int = 1) -> str:
        url = f"http://{HOST}/{a.dt:%Y/%m}/{a.id}.html"
        return url if page == 1 else f"{url}?page={page}"

    def list_url(self, c: Cat, page: int = 1) -> str:
        base = f"http://{HOST}/category/{c.slug}/"
        return base if page == 1 else f"{base}page/{page}/"

    def dynamic_urls(self, a: Art) -> list[str]:
        return [f"http://{HOST}/?p={a.id}"]

    def shown_date(self, a: Art) -> str:
        return f"{a.dt.year}年{a.dt.month}月{a.dt.day}日 {a.dt:%H:%M}"

    def finish(self, arts: list[Art]) -> None:
        for a in arts:
            a.images = [
                [
                    (f"http://{HOST}/wp-content/uploads/{a.dt:%Y/%m}/{a.id}-{n}{k}.jpg", cap)
                    for k, (_, cap) in enumerate(page)
                ]
                for n, page in enumerate(a.images)
            ]

    def _author(self, a: Art) -> str:
        return list(AUTHORS)[a.id % 2]

    # ------------------------------------------------------------------------- markup
    def _head(self, title: str, extra: str = "") -> str:
        return (
            '<!DOCTYPE html>\n<html lang="zh-CN" class="no-js no-svg">\n<head>\n'
            '<meta charset="UTF-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(title)} &#8211; {NAME}</title>\n"
            f"<link rel='dns-prefetch' href='//s.w.org' />\n"
            f'<link rel="alternate" type="application/rss+xml" title="{NAME} &raquo; Feed" '
            f'href="http://{HOST}/feed/" />\n'
            f"<link rel='stylesheet' id='twentyseventeen-style-css' href='http://{HOST}/"
            "wp-content/themes/twentyseventeen/style.css?ver=6.4.3' type='text/css' "
            "media='all' />\n"
            f"<script type='text/javascript' src='http://{HOST}/wp-includes/js/jquery/jquery.min.js"
            "?ver=3.7.1' id='jquery-core-js'></script>\n"
            f'<link rel="https://api.w.org/" href="http://{HOST}/wp-json/" />\n'
            f"{extra}</head>\n"
        )

    def _masthead(self) -> str:
        lis = "".join(
            f'<li id="menu-item-{c.catid}" class="menu-item menu-item-type-taxonomy '
            f'menu-item-object-category menu-item-{c.catid}"><a href="{self.list_url(c)}">'
            f"{escape(c.name)}</a></li>"
            for c in self.cats
        )
        return (
            '<div id="page" class="site"><a class="skip-link screen-reader-text" href="#content">'
            "跳至内容</a>\n"
            '<header id="masthead" class="site-header" role="banner"><div class="site-branding">'
            f'<div class="wrap"><div class="site-branding-text"><p class="site-title"><a href="'
            f'http://{HOST}/" rel="home">{NAME}</a></p><p class="site-description">大理本地新闻资讯'
            "</p></div></div></div>\n"
            '<div class="navigation-top"><div class="wrap"><nav id="site-navigation" '
            'class="main-navigation" role="navigation" aria-label="顶部菜单">'
            '<button class="menu-toggle" aria-controls="top-menu" aria-expanded="false">菜单'
            '</button><div class="menu-main-container"><ul id="top-menu" class="menu">'
            f'<li class="menu-item menu-item-home"><a href="http://{HOST}/">首页</a></li>{lis}'
            "</ul></div></nav></div></div></header>\n"
            '<div class="site-content-contain"><div id="content" class="site-content">'
            '<div class="wrap">\n'
        )

    def _sidebar(self, ctx: Ctx) -> str:
        hot = "".join(
            f'<li><a href="{ctx.hot_href(a)}">{escape(a.title)}</a></li>' for a in ctx.hot
        )
        recent = "".join(
            f'<li><a href="{self.article_url(a)}">{escape(a.title)}</a></li>'
            for a in sorted(
                (a for c in self.cats for a in ctx.by_cat[c.catid][:1]),
                key=lambda a: a.dt,
                reverse=True,
            )
        )
        words = "".join(
            f'<a href="http://{HOST}/?s={quote(w)}&post_type=post">{w}</a> '
            for w in ("大理", "洱海")
        )
        return (
            '<aside id="secondary" class="widget-area" role="complementary">'
            '<section id="search-2" class="widget widget_search"><form role="search" '
            f'method="get" class="search-form" action="http://{HOST}/"><input type="search" '
            'class="search-field" placeholder="搜索…" value="" name="s" /><button type="submit" '
            'class="search-submit">搜索</button></form></section>'
            '<section id="recent-posts-2" class="widget widget_recent_entries">'
            f'<h2 class="widget-title">近期文章</h2><ul>{recent}</ul></section>'
            '<section id="views-2" class="widget widget_views"><h2 class="widget-title">热门文章'
            f"</h2><ul>{hot}</ul></section>"
            '<section id="custom_html-2" class="widget_text widget widget_custom_html">'
            f'<h2 class="widget-title">热门搜索</h2><div class="textwidget">{words}</div>'
            "</section></aside>\n"
        )

    def _footer(self) -> str:
        return (
            '</div></div><footer id="colophon" class="site-footer" role="contentinfo">'
            '<div class="wrap"><div class="site-info">'
            '<a href="http://www.12377.cn/" target="_blank">违法和不良信息举报</a> | '
            '<a href="http://www.gov.cn/" target="_blank">中国政府网</a> | '
            f'<a href="http://{HOST}/about/">关于我们</a><br />'
            f"Copyright &copy; 2024 {NAME} 滇ICP备16001234号-1 | 自豪地采用"
            '<a href="https://cn.wordpress.org/" class="imprint">WordPress</a></div></div>'
            "</footer></div></div>\n"
            f"<script type='text/javascript' src='http://{HOST}/wp-content/themes/"
            "twentyseventeen/assets/js/global.js?ver=20211130' id='twentyseventeen-global-js'>"
            "</script>\n</body>\n</html>\n"
        )

    def _figure(self, url: str, cap: str | None, n: int) -> str:
        caption = (
            f'<figcaption class="wp-element-caption">{escape(cap)}</figcaption>' if cap else ""
        )
        return (
            f'<figure class="wp-block-image size-large"><img decoding="async" width="1024" '
            f'height="683" src="{url}" alt="" class="wp-image-{n}" srcset="{url} 1024w, '
            f'{url[:-4]}-300x200.jpg 300w" sizes="(max-width: 1024px) 100vw, 1024px" />'
            f"{caption}</figure>"
        )

    def render_article(self, a: Art, page: int, ctx: Ctx) -> str:
        c = a.cat
        url = self.article_url(a)
        out = []
        imgs = list(a.images[page - 1])
        for i, p in enumerate(a.pages[page - 1]):
            if i in (0, 2) and imgs:
                img, cap = imgs.pop(0)
                out.append(self._figure(img, cap, a.id * 10 + i))
            out.append(f"<p>{escape(p)}</p>")
        n = len(a.pages)
        if n > 1:
            links = "".join(
                f'<span class="post-page-numbers current" aria-current="page">{p}</span>'
                if p == page
                else f'<a href="{self.article_url(a, p)}" class="post-page-numbers">{p}</a>'
                for p in range(1, n + 1)
            )
            out.append(f'<div class="page-links">分页：{links}</div>')
        tags = "、".join(
            f'<a href="http://{HOST}/tag/{quote(k)}/" rel="tag">{escape(k)}</a>' for k in a.keywords
        )
        related = "".join(
            f'<li><a href="{href}" rel="bookmark" title="{escape(t.title)}">{escape(t.title)}</a>'
            f"<small>{t.dt:%Y-%m-%d}</small></li>"
            for t, href in a.related
        )
        peers = ctx.by_cat[c.catid]
        i = peers.index(a) if a in peers else -1
        prev = peers[i + 1] if 0 <= i < len(peers) - 1 else None
        nxt = peers[i - 1] if i > 0 else None
        nav = (
            '<nav class="navigation post-navigation" aria-label="文章"><h2 class="screen-reader-'
            'text">文章导航</h2><div class="nav-links">'
            + (
                f'<div class="nav-previous"><a href="{self.article_url(prev)}" rel="prev">'
                f'<span class="screen-reader-text">上一篇文章</span><span class="nav-title">'
                f"{escape(prev.title)}</span></a></div>"
                if prev
                else ""
            )
            + (
                f'<div class="nav-next"><a href="{self.article_url(nxt)}" rel="next">'
                f'<span class="screen-reader-text">下一篇文章</span><span class="nav-title">'
                f"{escape(nxt.title)}</span></a></div>"
                if nxt
                else ""
            )
            + "</div></nav>"
        )
        author = self._author(a)
        counter = f"http://{HOST}/wp-admin/admin-ajax.php?postviews_id={a.id}&action=postviews"
        views = (
            f'<span class="views"><a href="{counter}" rel="nofollow">阅读</a></span>'
            if a.id % 3 == 0
            else '<span class="views">阅读 <span class="post-views">-</span></span>'
        )
        entry = (
            f'<article id="post-{a.id}" class="post-{a.id} post type-post status-publish '
            f'format-standard hentry category-{c.slug}">\n<header class="entry-header">'
            '<div class="entry-meta"><span class="posted-on"><span class="screen-reader-text">'
            f'发布于 </span><a href="{url}" rel="bookmark"><time class="entry-date published" '
            f'datetime="{a.dt.isoformat()}">{self.shown_date(a)}</time>'
            f'<time class="updated" datetime="{a.dt.replace(hour=23, minute=59).isoformat()}">'
            f"{a.dt.year}年{a.dt.month}月{a.dt.day}日</time></a></span>"
            f'<span class="byline"> 作者 <span class="author vcard"><a class="url fn n" '
            f'href="http://{HOST}/author/{AUTHORS[author]}/">{author}</a></span></span>'
            f'<span class="source">来源：{escape(a.source_display)}</span>{views}</div>'
            f'<h1 class="entry-title">{escape(a.title)}</h1></header>\n'
            f'<div class="entry-content">\n{"".join(out)}\n</div>\n'
            '<footer class="entry-footer"><span class="cat-tags-links"><span class="cat-links">'
            f'分类：<a href="{self.list_url(c)}" rel="category tag">{escape(c.name)}</a></span>'
            + (f'<span class="tags-links">标签：{tags}</span>' if a.keywords else "")
            + "</span>"
            + (f'<p class="zebian">责任编辑：{escape(a.editor)}</p>' if a.editor else "")
            + "</footer></article>\n"
            + (
                f'<div class="related-posts"><h3 class="related-title">{a.heading}</h3>'
                f"<ul>{related}</ul></div>\n"
                if a.related
                else ""
            )
            + nav
            + '<div id="comments" class="comments-area"><h2 class="comments-title">1 条评论</h2>'
            '<ol class="comment-list"><li id="comment-1" class="comment"><article '
            'class="comment-body"><div class="comment-content"><p>支持家乡建设！</p></div>'
            f'<div class="reply"><a rel="nofollow" class="comment-reply-link" href="{url}'
            '?replytocom=1#respond">回复</a></div></article></li></ol>'
            '<div id="respond" class="comment-respond"><form action="http://'
            f'{HOST}/wp-comments-post.php" method="post" id="commentform" class="comment-form">'
            '<textarea id="comment" name="comment"></textarea><input name="submit" '
            'type="submit" id="submit" class="submit" value="发表评论" /></form></div></div>\n'
        )
        extra = (
            f"<link rel='shortlink' href='http://{HOST}/?p={a.id}' />\n"
            f'<link rel="canonical" href="{self.article_url(a, page)}" />\n'
        )
        crumbs = (
            f'<div class="breadcrumbs">当前位置：<a href="http://{HOST}/">首页</a> &raquo; '
            f'<a href="{self.list_url(c)}">{escape(c.name)}</a> &raquo; 正文</div>'
        )
        return (
            self._head(a.title, extra)
            + f'<body class="post-template-default single single-post postid-{a.id}">\n'
            + self._masthead()
            + f'{crumbs}<div id="primary" class="content-area"><main id="main" class="site-main">'
            + entry
            + "</main></div>\n"
            + self._sidebar(ctx)
            + f'<script>var viewsCacheL10n = {{"admin_ajax_url":"http:\\/\\/{HOST}\\/wp-admin'
            + f'\\/admin-ajax.php","post_id":"{a.id}"}};</script>\n'
            + self._footer()
        )

    def _archive(self, title: str, entries, pages: str, ctx: Ctx, crumb: str) -> str:
        arts = "".join(
            '<article class="post type-post status-publish format-standard hentry">'
            '<header class="entry-header"><div class="entry-meta"><span class="posted-on">'
            f'<a href="{href}" rel="bookmark"><time class="entry-date published" '
            f'datetime="{dt.isoformat()}">{dt.year}年{dt.month}月{dt.day}日</time></a></span></div>'
            f'<h2 class="entry-title"><a href="{href}" rel="bookmark">{escape(t)}</a></h2>'
            "</header></article>\n"
            for href, t, dt in entries
        )
        return (
            self._head(title)
            + '<body class="archive category hfeed">\n'
            + self._masthead()
            + f'<div class="breadcrumbs">当前位置：<a href="http://{HOST}/">首页</a> &raquo; '
            + f"{crumb}</div>"
            + f'<header class="page-header"><h1 class="page-title">{escape(title)}</h1></header>'
            + f'<div id="primary" class="content-area"><main id="main" class="site-main">{arts}'
            + f"{pages}</main></div>\n"
            + self._sidebar(ctx)
            + self._footer()
        )

    def render_list(self, c: Cat, page: int, npages: int, entries: list[Art], ctx: Ctx) -> str:
        parts = []
        if page > 1:
            parts.append(
                f'<a class="prev page-numbers" href="{self.list_url(c, page - 1)}">上一页</a>'
            )
        for p in range(1, npages + 1):
            parts.append(
                f'<span aria-current="page" class="page-numbers current">{p}</span>'
                if p == page
                else f'<a class="page-numbers" href="{self.list_url(c, p)}">{p}</a>'
            )
        if page < npages:
            parts.append(
                f'<a class="next page-numbers" href="{self.list_url(c, page + 1)}">下一页</a>'
            )
        pages = (
            '<nav class="navigation pagination" aria-label="文章分页"><h2 class="screen-reader-'
            f'text">文章分页</h2><div class="nav-links">{"".join(parts)}</div></nav>'
            if npages > 1
            else ""
        )
        return self._archive(
            f"分类：{c.name}", list_entries(ctx, c, page, entries), pages, ctx, escape(c.name)
        )

    def render_home(self, ctx: Ctx) -> str:
        latest = sorted(
            (a for c in self.cats for a in ctx.by_cat[c.catid][:3]),
            key=lambda a: a.dt,
            reverse=True,
        )
        entries = [(self.article_url(a), a.title, a.dt) for a in latest]
        return self._archive(NAME, entries, "", ctx, "最新文章").replace(
            '<body class="archive category hfeed">', '<body class="home blog hfeed">'
        )

    def extra_pages(self, ctx: Ctx) -> dict[str, str]:
        out = {}
        tags: dict[str, list[Art]] = {}
        authors: dict[str, list[Art]] = {}
        for a in ctx.arts:
            for k in a.keywords:
                tags.setdefault(k, []).append(a)
            authors.setdefault(self._author(a), []).append(a)
        for k, arts in tags.items():
            # Articles reachable only through related links stay off the archives too.
            entries = [(self.article_url(a), a.title, a.dt) for a in arts if not a.only_via_related]
            out[f"http://{HOST}/tag/{quote(k)}/"] = self._archive(
                f"标签：{k}", entries, "", ctx, escape(k)
            )
        for name, arts in authors.items():
            entries = [(self.article_url(a), a.title, a.dt) for a in arts if not a.only_via_related]
            out[f"http://{HOST}/author/{AUTHORS[name]}/"] = self._archive(
                f"作者：{name}", entries, "", ctx, escape(name)
            )
        out[f"http://{HOST}/about/"] = self._archive("关于我们", [], "", ctx, "关于我们")
        return out


def family() -> WordpressFamily:
    cats = [
        Cat(2, "local", "本地新闻", "general", HOST),
        Cat(3, "shizheng", "时政", "general", HOST),
        Cat(4, "travel", "文旅", "travel", HOST),
        Cat(5, "economy", "经济", "finance", HOST),
        Cat(6, "people", "民生", "health", HOST),
    ]
    return WordpressFamily(
        name="wordpress",
        site="dlxinwen",
        home=f"http://{HOST}/",
        domains=("dlxinwen.com",),
        cats=cats,
        robots=ROBOTS,
        seconds=False,
        multipage_scheme="?page=2, div.page-links",
        counter_patterns=(r"admin-ajax\.php\?(?:.*&)?(?:action=postviews|postviews_id=)",),
        headings=("相关文章", "推荐阅读", "延伸阅读"),
    )
