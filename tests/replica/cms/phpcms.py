"""PHPCMS v9, default templates (``phpcms/templates/default/content/{show,list,header}.html``).

What the template does that a crawler must survive: the date/来源 line *inside* the ``<h1>``
(``<h1>标题<br /><span>2024-06-05 16:33:17 来源：… 点击：<span id="hits"></span></span></h1>``),
a ``<div class="summary">``, the ``相关热词搜索`` keyword line, ``#pages`` pagers on lists and on
multi-page articles (``{id}_2.html``), the 延伸阅读 block, the hit counter script
``api.php?op=count&id=…&modelid=1``, and every article also served at its dynamic address
(``index.php?m=content&c=index&a=show&catid=&id=``) and its pseudo-static one
(``show-{catid}-{id}-1.html``). Half the sections use PHPCMS's static URL rules
(``/{catdir}/2.html``), half its pseudo-static ones (``list-{catid}-{page}.html``).
"""

from __future__ import annotations

from html import escape

from tests.replica import content as C
from tests.replica.cms.common import Art, Cat, Ctx, Family, list_entries, text_paragraphs

HOST = "www.lcxww.cn"
NAME = "陇川新闻网"
ROBOTS = """User-agent: *
Disallow: /caches
Disallow: /phpcms
Disallow: /install
Disallow: /phpsso_server
Disallow: /admin.php
Disallow: /index.php?m=search
Disallow: /index.php?m=member
Disallow: /index.php?m=comment
Disallow: /index.php?m=content&c=tag
"""


class PhpcmsFamily(Family):
    def article_url(self, a: Art, page: int = 1) -> str:
        c = a.cat
        if c.scheme == "pseudo":
            return f"http://{c.host}/show-{c.catid}-{a.id}-{page}.html"
        name = f"{a.id}.html" if page == 1 else f"{a.id}_{page}.html"
        return f"http://{c.host}/{c.slug}/{a.dt:%Y/%m%d}/{name}"

    def list_url(self, c: Cat, page: int = 1) -> str:
        if c.scheme == "pseudo":
            return f"http://{c.host}/list-{c.catid}-{page}.html"
        return f"http://{c.host}/{c.slug}/" + ("" if page == 1 else f"{page}.html")

    def pager_url(self, c: Cat, page: int) -> str:
        if c.scheme != "pseudo" and page == 1:
            return f"http://{c.host}/{c.slug}/index.html"
        return self.list_url(c, page)

    def dynamic_urls(self, a: Art) -> list[str]:
        c = a.cat
        dyn = f"http://{c.host}/index.php?m=content&c=index&a=show&catid={c.catid}&id={a.id}"
        if c.scheme == "pseudo":
            return [dyn]
        return [dyn, f"http://{c.host}/show-{c.catid}-{a.id}-1.html"]

    # ------------------------------------------------------------------------- markup
    def _head(self, title: str) -> str:
        return (
            '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
            '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
            '<html xmlns="http://www.w3.org/1999/xhtml">\n<head>\n'
            '<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />\n'
            '<meta http-equiv="X-UA-Compatible" content="IE=7" />\n'
            f"<title>{escape(title)}</title>\n"
            f'<meta name="keywords" content="{NAME},陇川,德宏" />\n'
            f'<meta name="description" content="{NAME}是陇川县重点新闻网站" />\n'
            '<link href="/statics/css/reset.css" rel="stylesheet" type="text/css" />\n'
            '<link href="/statics/css/default_blue.css" rel="stylesheet" type="text/css" />\n'
            '<script type="text/javascript" src="/statics/js/jquery.min.js"></script>\n'
            "</head>\n<body>\n"
        )

    def _header(self) -> str:
        nav = "".join(
            f'<li class="line">|</li><li><a href="{self.list_url(c)}"><span>{escape(c.name)}'
            "</span></a></li>"
            for c in self.cats
        )
        return (
            '<div class="body-top"><div class="content">'
            '<div class="login lh24 blue"><a href="/index.php?m=member&c=index&a=login">登录</a>'
            ' | <a href="/index.php?m=member&c=index&a=register&siteid=1">注册</a></div>'
            '<span class="rt"><a href="/index.php?m=search&c=index&a=init">高级搜索</a></span>'
            "</div></div>\n"
            '<div class="header"><div class="logo lf"><a href="/">'
            f'<img src="/statics/images/v9/logo.jpg" alt="{NAME}" /></a></div>'
            '<div class="search"><div class="tab" id="search"><a href="javascript:;" '
            'class="on">新闻</a></div><div class="bd"><form action="/index.php" method="get" '
            'target="_blank"><input type="hidden" name="m" value="search"/>'
            '<input type="hidden" name="c" value="index"/><input type="hidden" name="a" '
            'value="init"/><input type="hidden" name="typeid" value="1" id="typeid"/>'
            '<input type="text" name="q" id="q"/><input type="submit" value="搜 索" '
            'class="button" /></form></div></div></div>\n'
            '<div class="nav-bar"><map><ul class="nav-site"><li><a href="/"><span>首页</span>'
            f"</a></li>{nav}</ul></map></div>\n"
            '<div class="subnav">热门搜索：'
            '<a href="/index.php?m=search&a=init&c=index&typeid=1&q=%E9%99%87%E5%B7%9D">陇川</a> '
            '<a href="/index.php?m=search&c=index&a=init&typeid=1&q=%E6%96%87%E6%97%85">文旅</a>'
            "</div>\n"
        )

    def _footer(self) -> str:
        return (
            '<div class="footer"><p class="info"><a href="/html/about/">关于我们</a> | '
            '<a href="/html/about/contactus/">联系方式</a> | '
            '<a href="http://www.12377.cn/" target="_blank">违法和不良信息举报</a> | '
            '<a href="http://www.gov.cn/" target="_blank">中国政府网</a></p>'
            f"<p>{escape(C.FOOTER_LINES[1])}</p>"
            "<p>Powered by <strong>PHPCMS</strong> <em>v9</em> &copy; 2024 陇川县融媒体中心</p>"
            "</div>\n</body>\n</html>\n"
        )

    def _ranking(self, ctx: Ctx, title: str = "频道总排行", last: bool = False) -> str:
        def href(a: Art) -> str:  # lists link the last alias, the home page the first
            return a.dynamic[-1] if last and a.dynamic else ctx.hot_href(a)

        lis = "".join(
            f'<li><a href="{href(a)}" target="_blank" '
            f'title="{escape(a.title)}">{escape(a.title[:14])}</a></li>'
            for a in ctx.hot
        )
        return (
            f'<div class="box"><h5 class="title-2">{title}</h5>'
            f'<ul class="content digg">{lis}</ul></div>'
        )

    def _crumbs(self, c: Cat) -> str:
        return (
            '<a href="/">首页</a><span> &gt; </span>'
            f'<a href="{self.list_url(c)}">{escape(c.name)}</a> &gt; '
        )

    def _pages(self, urls: list[str], page: int, total: str = "") -> str:
        n = len(urls)
        parts = [f'<a class="a1">{total}</a>'] if total else []
        parts.append(f'<a href="{urls[max(page - 2, 0)]}" class="a1">上一页</a>')
        for p in range(1, n + 1):
            parts.append(f"<span>{p}</span>" if p == page else f'<a href="{urls[p - 1]}">{p}</a>')
        parts.append(f'<a href="{urls[min(page, n - 1)]}" class="a1">下一页</a>')
        return f'<div id="pages" class="text-c">{" ".join(parts)}</div>'

    def render_article(self, a: Art, page: int, ctx: Ctx) -> str:
        c = a.cat
        source = (
            f'<a href="{a.source_link}" target="_blank">{escape(a.source_display)}</a>'
            if a.source_link
            else escape(a.source_display)
        )
        date = self.shown_date(a)
        if a.id % 2:  # the counter span inside the date span, as the issue quotes it
            line = (
                f"<span>{date}&nbsp;&nbsp;&nbsp;来源：{source}&nbsp;&nbsp;&nbsp;评论："
                '<a href="#comment_iframe" id="comment">0</a> 点击：<span id="hits"></span></span>'
            )
        else:  # the stock template: the counter span after it
            line = (
                f"<span>{date}&nbsp;&nbsp;&nbsp;来源：{source}&nbsp;&nbsp;&nbsp;评论："
                '<a href="#comment_iframe" id="comment">0</a> 点击：</span><span id="hits"></span>'
            )
        pages = ""
        if len(a.pages) > 1:
            urls = [self.article_url(a, p) for p in range(1, len(a.pages) + 1)]
            pages = self._pages(urls, page)
        tags = " ".join(
            f'<a href="/index.php?m=content&c=tag&a=lists&tag={k}" class="blue">{escape(k)}</a>'
            for k in a.keywords
        )
        related = "".join(
            f'<li>·<a href="{href}" target="_blank">{escape(t.title)}</a>'
            f"<span>({t.dt:%Y-%m-%d})</span></li>"
            for t, href in a.related
        )
        peers = ctx.by_cat[c.catid]
        i = peers.index(a) if a in peers else -1
        prev = peers[i + 1] if 0 <= i < len(peers) - 1 else None
        nxt = peers[i - 1] if i > 0 else None
        prevnext = (
            "<strong>上一篇：</strong>"
            + (f'<a href="{self.article_url(prev)}">{escape(prev.title)}</a>' if prev else "")
            + "<br />\n<strong>下一篇：</strong>"
            + (f'<a href="{self.article_url(nxt)}">{escape(nxt.title)}</a>' if nxt else "")
        )
        counter = f"/api.php?op=count&id={a.id}&modelid=1"
        editor = f'<div class="editor">责任编辑：{escape(a.editor)}</div>' if a.editor else ""
        body = (
            f'<div class="crumbs">{self._crumbs(c)}正文</div>\n<div id="Article">\n'
            f"<h1>{escape(a.title)}<br />\n{line}</h1>\n"
            + (f'<div class="summary" >{escape(a.summary)}</div>\n' if page == 1 else "")
            + f'<div class="content">\n{text_paragraphs(a, page, "　　")}\n</div>\n'
            + f"{pages}\n{editor}"
            + f'<p style="margin-bottom:10px">\n<strong>相关热词搜索：</strong>{tags}\n</p>\n'
            + f'<p class="f14">\n{prevnext}\n</p>\n'
            + (
                f'<div class="related"><h5 class="blue">{a.heading}：</h5>'
                f'<ul class="list blue lh24 f14">{related}</ul></div>\n'
                if a.related
                else ""
            )
            + '<div class="bk15"></div>\n</div>\n'
            + '<div class="Article-Tool">分享到：<a href="javascript:;" class="t6">收藏</a>'
            + (f' <a href="{counter}" rel="nofollow">点击数</a>' if a.id % 3 == 0 else "")
            + "</div>\n"
            + '<iframe src="/index.php?m=comment&c=index&a=init&commentid=content_'
            + f'{c.catid}-{a.id}-1&iframe=1" width="100%" height="100%" id="comment_iframe" '
            + 'frameborder="0" scrolling="no"></iframe>\n'
        )
        return (
            self._head(f"{a.title} - {c.name} - {NAME}")
            + self._header()
            + f'<div class="main"><div class="col-left">{body}</div>\n'
            + f'<div class="col-auto">{self._ranking(ctx)}</div></div>\n'
            + f'<script language="JavaScript" src="{counter}"></script>\n'
            + self._footer()
        )

    def render_list(self, c: Cat, page: int, npages: int, entries: list[Art], ctx: Ctx) -> str:
        lis = "".join(
            f'<li><span class="rt">{dt:%Y-%m-%d %H:%M:%S}</span>·<a href="{href}" '
            f'target="_blank">{escape(title)}</a></li>'
            for href, title, dt in list_entries(ctx, c, page, entries)
        )
        urls = [self.pager_url(c, p) for p in range(1, npages + 1)]
        total = len(ctx.by_cat[c.catid])
        pages = self._pages(urls, page, f"{total}条") if npages > 1 else ""
        return (
            self._head(f"{c.name} - {NAME}")
            + self._header()
            + '<div class="main"><div class="col-left">'
            + f'<div class="crumbs">{self._crumbs(c)}列表</div>'
            + f'<ul class="list lh24 f14">{lis}</ul>{pages}</div>\n'
            + f'<div class="col-auto">{self._ranking(ctx, "本月排行", last=True)}</div></div>\n'
            + self._footer()
        )

    def render_home(self, ctx: Ctx) -> str:
        blocks = "".join(
            f'<div class="box cat-area"><h5 class="title-1">{escape(c.name)}<a href="'
            f'{self.list_url(c)}" class="more">更多&gt;&gt;</a></h5><ul class="content">'
            + "".join(
                f'<li>·<a href="{self.article_url(a)}" target="_blank">{escape(a.title)}</a></li>'
                for a in ctx.by_cat[c.catid][:4]
            )
            + "</ul></div>"
            for c in self.cats
        )
        return (
            self._head(f"{NAME} - 陇川县融媒体中心主办")
            + self._header()
            + f'<div class="main"><div class="col-left">{blocks}</div>'
            + f'<div class="col-auto">{self._ranking(ctx, "点击排行")}</div></div>\n'
            + '<div class="links">友情链接：<a href="http://www.people.com.cn/">人民网</a> '
            + '<a href="http://www.xinhuanet.com/">新华网</a></div>\n'
            + self._footer()
        )

    def extra_pages(self, ctx: Ctx) -> dict[str, str]:
        out = {}
        for path, label in (("/html/about/", "关于我们"), ("/html/about/contactus/", "联系方式")):
            out[f"http://{HOST}{path}"] = (
                self._head(f"{label} - {NAME}")
                + self._header()
                + f'<div class="main"><h1>{label}</h1><p>{NAME}由陇川县融媒体中心主办。</p></div>'
                + self._footer()
            )
        return out


def family() -> PhpcmsFamily:
    cats = [
        Cat(6, "news", "本地新闻", "general", HOST),
        Cat(7, "shizheng", "时政要闻", "general", HOST, scheme="pseudo"),
        Cat(8, "jingji", "经济", "finance", HOST),
        Cat(9, "shehui", "社会", "general", HOST, scheme="pseudo"),
        Cat(10, "wenlv", "文旅", "travel", HOST),
        Cat(11, "jiaoyu", "教育", "edu", HOST),
    ]
    return PhpcmsFamily(
        name="phpcms",
        site="lcxww",
        home=f"http://{HOST}/",
        domains=("lcxww.cn",),
        cats=cats,
        robots=ROBOTS,
        seconds=True,
        multipage_scheme="{id}_2.html / show-{catid}-{id}-2.html, #pages",
        counter_patterns=(r"/api\.php\?(?:.*&)?op=count",),
        headings=("延伸阅读", "相关阅读", "推荐阅读"),
    )
