"""DedeCMS 5.7, default templates (``templets/default/{article_article,list_article,index}.htm``),
GBK edition.

The whole portal is GBK (``charset=gb2312`` in a meta tag, no charset in the HTTP header). What
the template does: the title in ``<div class="title"><h2>``, the info line with ``<small>时间:
</small>… <small>来源:</small>… <small>作者:</small>… <small>点击:</small><script src=
"/plus/count.php?view=yes&aid=…&mid=1">``, a ``div.intro`` summary, the body in a table cell that
ends with ``(责任编辑：…)``, ``ul.pagelist`` pagers on lists (``list_{tid}_{page}.html``) and on
multi-page articles (``{aid}_2.html``, relative links), 来源 printed as ``未知`` when the
editor left it empty, 相关文章 boxes, and every article also at ``/plus/view.php?aid=``.
"""

from __future__ import annotations

import random
from html import escape

from tests.replica.cms.common import Art, Cat, Ctx, Family, list_entries, local

HOST = "www.tcxw.com.cn"
NAME = "腾冲新闻网"
# DedeCMS's stock robots.txt, plus the member area.
ROBOTS = """User-agent: *
Disallow: /plus/ad_js.php
Disallow: /plus/advancedsearch.php
Disallow: /plus/car.php
Disallow: /plus/carbuyaction.php
Disallow: /plus/shops_buyaction.php
Disallow: /plus/erraddsave.php
Disallow: /plus/posttocar.php
Disallow: /plus/disdls.php
Disallow: /plus/feedback_js.php
Disallow: /plus/mytag_js.php
Disallow: /plus/rss.php
Disallow: /plus/search.php
Disallow: /plus/recommend.php
Disallow: /plus/stow.php
Disallow: /plus/count.php
Disallow: /include
Disallow: /templets
Disallow: /member
"""


class DedecmsFamily(Family):
    def article_url(self, a: Art, page: int = 1) -> str:
        name = f"{a.id}.html" if page == 1 else f"{a.id}_{page}.html"
        return f"http://{a.cat.host}/a/{a.cat.slug}/{a.dt:%Y/%m%d}/{name}"

    def list_url(self, c: Cat, page: int = 1) -> str:
        base = f"http://{c.host}/a/{c.slug}/"
        return base if page == 1 else f"{base}list_{c.catid}_{page}.html"

    def list_copies(self, c: Cat, page: int) -> list[str]:
        # DedeCMS writes page one as list_{tid}_1.html (the pager's 首页) and as index.html.
        return [f"http://{c.host}/a/{c.slug}/list_{c.catid}_1.html"] if page == 1 else []

    def dynamic_urls(self, a: Art) -> list[str]:
        return [f"http://{a.cat.host}/plus/view.php?aid={a.id}"]

    def finish(self, arts: list[Art]) -> None:
        for a in arts:
            rng = random.Random(a.id)
            a.editor = a.editor or "admin"  # {dede:adminname/} is never empty
            if rng.random() < 0.12:  # no source entered: DedeCMS prints its placeholder
                a.source, a.source_display, a.source_link = None, "未知", None

    def shown_date(self, a: Art) -> str:
        return f"{a.dt:%Y-%m-%d %H:%M}"

    # ------------------------------------------------------------------------- markup
    def _head(self, title: str, description: str = "") -> str:
        return (
            '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
            '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
            '<html xmlns="http://www.w3.org/1999/xhtml">\n<head>\n'
            '<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />\n'
            f"<title>{escape(title)}</title>\n"
            f'<meta name="keywords" content="{NAME},腾冲,保山" />\n'
            f'<meta name="description" content="{escape(description or NAME)}" />\n'
            '<link href="/templets/default/style/dedecms.css" rel="stylesheet" media="screen" '
            'type="text/css" />\n'
            '<script language="javascript" type="text/javascript" src="/include/dedeajax2.js">'
            "</script>\n</head>\n"
        )

    def _header(self) -> str:
        nav = "".join(
            f"<li><a href='{local(self.list_url(c), HOST)}'>{escape(c.name)}</a></li>"
            for c in self.cats
        )
        return (
            '<div class="header_top"><div class="w960 center"><span id="time" class="time">'
            f'{NAME} - 腾冲人自己的网站</span><div class="toplinks">'
            '<a href="/plus/advancedsearch.php" target="_blank">高级搜索</a>|'
            '<a href="/member/login.php">会员登录</a></div></div></div>\n'
            '<div class="header"><div class="top w960 center"><div class="title"><h1>'
            f'<a href="/"><img src="/templets/default/images/logo.gif" height="54" '
            f'alt="{NAME}"/></a></h1></div></div>\n'
            '<div class="module blue mT10 wrapper w963"><div class="top"><div id="navMenu">'
            f"<ul><li><a href='/'><span>主页</span></a></li>{nav}</ul></div>"
            '<div class="search"><form name="formsearch" action="/plus/search.php">'
            '<input type="hidden" name="kwtype" value="0" /><input name="q" type="text" '
            'class="search-keyword" id="search-keyword" value="在这里搜索..." />'
            '<button type="submit" class="search-submit">搜索</button></form></div>'
            "</div></div></div>\n"
        )

    def _footer(self) -> str:
        return (
            '<div class="footer w960 center mt1 clear"><div class="footer_left"></div>'
            '<div class="footer_body"><p class="powered">Powered by <a href="/">腾冲新闻网</a> '
            "&copy; 2024 腾冲市融媒体中心 版权所有 滇ICP备12003456号-1<br />"
            '<a href="http://www.12377.cn/" target="_blank">网上有害信息举报</a> '
            '<a href="http://www.gov.cn/" target="_blank">中国政府网</a></p></div>'
            '<div class="footer_right"></div></div>\n</body>\n</html>\n'
        )

    def _place(self, c: Cat) -> str:
        return (
            f'<div class="place"> <strong>当前位置:</strong> <a href="/">主页</a> &gt; '
            f"<a href='{local(self.list_url(c), HOST)}'>{escape(c.name)}</a> &gt; </div>"
        )

    def _hot(self, ctx: Ctx) -> str:
        lis = "".join(
            f'<li><a href="{local(ctx.hot_href(a), HOST)}">{escape(a.title)}</a></li>'
            for a in ctx.hot
        )
        return (
            '<div class="hot mt1"><dl class="tbox light"><dt class=\'light\'><strong>热点内容'
            "</strong></dt><dd class='light'><ul class=\"c1 ico2\">"
            f"{lis}</ul></dd></dl></div>"
        )

    def _body(self, a: Art, page: int) -> str:
        out = []
        imgs = list(a.images[page - 1])
        for i, p in enumerate(a.pages[page - 1]):
            if i in (0, 2) and imgs:
                url, cap = imgs.pop(0)
                path = local(url, HOST)
                out.append(f'<p align="center"><img src="{path}" alt="" border="0" /></p>')
                if cap:
                    out.append(f'<p align="center">{escape(cap)}</p>')
            out.append(f"<p>&nbsp;&nbsp;&nbsp;&nbsp;{escape(p)}</p>")
        return "\n".join(out)

    def render_article(self, a: Art, page: int, ctx: Ctx) -> str:
        c = a.cat
        counter = f"/plus/count.php?view=yes&aid={a.id}&mid=1"
        info = (
            f'<div class="info"> <small>时间:</small>{self.shown_date(a)}<small>来源:</small>'
            f"{escape(a.source_display)} <small>作者:</small>{escape(a.author)} "
            f"<small>点击:</small>\n<script src=\"{counter}\" type='text/javascript' "
            'language="javascript"></script>\n 次</div>'
        )
        pagelist = ""
        n = len(a.pages)
        if n > 1:

            def name(p: int) -> str:  # relative, as {dede:pagebreak/} writes them
                return f"{a.id}.html" if p == 1 else f"{a.id}_{p}.html"

            lis = [f"<li><a>共{n}页: </a></li>"]
            lis.append(f"<li><a href='{name(page - 1) if page > 1 else '#'}'>上一页</a></li>")
            for p in range(1, n + 1):
                lis.append(
                    f"<li class=\"thisclass\"><a href='#'>{p}</a></li>"
                    if p == page
                    else f"<li><a href='{name(p)}'>{p}</a></li>"
                )
            lis.append(f"<li><a href='{name(page + 1) if page < n else '#'}'>下一页</a></li>")
            pagelist = "".join(lis)
        kws = " ".join(
            f'<a href="/plus/search.php?keyword={k}&searchtype=titlekeyword">{escape(k)}</a>'
            for k in a.keywords
        )
        related = "".join(
            f'<li><a href="{local(href, HOST)}">{escape(t.title)}</a></li>' for t, href in a.related
        )
        peers = ctx.by_cat[c.catid]
        i = peers.index(a) if a in peers else -1
        prev = peers[i + 1] if 0 <= i < len(peers) - 1 else None
        nxt = peers[i - 1] if i > 0 else None
        pn = "<li>上一篇：" + (
            f"<a href='{local(self.article_url(prev), HOST)}'>{escape(prev.title)}</a> "
            if prev
            else "没有了 "
        )
        pn += "</li>\n<li>下一篇：" + (
            f"<a href='{local(self.article_url(nxt), HOST)}'>{escape(nxt.title)}</a> "
            if nxt
            else "没有了 "
        )
        pn += "</li>"
        hits = (
            f'<li id="act-hits"><a href="{counter}" target="_blank">点击</a></li>'
            if a.id % 3 == 0
            else ""
        )
        viewbox = (
            '<div class="viewbox">\n<div class="title">\n'
            f"<h2>{escape(a.title)}</h2>\n</div>\n<!-- /title -->\n{info}\n<!-- /info -->\n"
            + (f'<div class="intro">{escape(a.summary)}</div>\n' if page == 1 else "")
            + "<div class=\"content\">\n<table width='100%'>\n<tr>\n<td>"
            + self._body(a, page)
            + f"\n(责任编辑：{escape(a.editor or 'admin')})</td>\n</tr>\n</table>\n</div>\n"
            + f'<div class="dede_pages">\n<ul class="pagelist">\n{pagelist}\n</ul>\n</div>\n'
            + (f'<div class="tags">关键词：{kws}</div>\n' if a.keywords else "")
            + '<div class="boxoff"> <strong>------分隔线----------------------------</strong>'
            + '</div>\n<div class="handle">\n<div class="context">\n<ul>\n'
            + pn
            + '\n</ul>\n</div>\n<div class="actbox">\n<ul>\n'
            + f'<li id="act-fav"><a href="/plus/stow.php?aid={a.id}" target="_blank">收藏</a></li>'
            + f'<li id="act-err"><a href="/plus/erraddsave.php?aid={a.id}" target="_blank">挑错'
            + "</a></li>"
            + f'<li id="act-pus"><a href="/plus/recommend.php?aid={a.id}" target="_blank">推荐'
            + f'</a></li>{hits}<li id="act-pnt"><a href="#" onClick="window.print();">打印</a>'
            + "</li>\n</ul>\n</div>\n</div>\n</div>\n"
        )
        related_box = (
            f'<div class="xiangguan"><dl class="tbox"><dt><strong>{a.heading}</strong></dt>'
            f'<dd><ul class="d1 ico3">{related}</ul></dd></dl></div>'
            if a.related
            else ""
        )
        return (
            self._head(f"{a.title}_{NAME}", a.summary)
            + '<body class="articleview">\n'
            + self._header()
            + '<div class="w960 center clear mt1">\n<div class="pleft">\n'
            + self._place(c)
            + viewbox
            + related_box
            + '</div>\n<div class="pright">\n'
            + self._hot(ctx)
            + "</div>\n</div>\n"
            + self._footer()
        )

    def render_list(self, c: Cat, page: int, npages: int, entries: list[Art], ctx: Ctx) -> str:
        summaries = {self.article_url(a): a.summary for a in entries}
        lis = "".join(
            f"<li><a href='{local(self.list_url(c), HOST)}' class='lm_title'>[{escape(c.name)}]"
            f'</a><a href="{local(href, HOST)}" class="title">{escape(title)}</a>'
            f'<span class="info"><small>日期：</small>{dt:%Y-%m-%d %H:%M:%S}'
            "<small>点击：</small>126<small>好评：</small>0</span>"
            f'<p class="intro">{escape(summaries.get(href, ""))}...</p></li>\n'
            for href, title, dt in list_entries(ctx, c, page, entries)
        )

        def name(p: int) -> str:
            return f"list_{c.catid}_{p}.html"

        parts = [f"<li><a href='{name(1)}'>首页</a></li>"]
        if page > 1:
            parts.append(f"<li><a href='{name(page - 1)}'>上一页</a></li>")
        for p in range(1, npages + 1):
            parts.append(
                f'<li class="thisclass">{p}</li>'
                if p == page
                else f"<li><a href='{name(p)}'>{p}</a></li>"
            )
        if page < npages:
            parts.append(f"<li><a href='{name(page + 1)}'>下一页</a></li>")
        parts.append(f"<li><a href='{name(npages)}'>末页</a></li>")
        total = len(ctx.by_cat[c.catid])
        parts.append(
            f'<li><span class="pageinfo">共 <strong>{npages}</strong>页<strong>{total}</strong>条'
            "</span></li>"
        )
        return (
            self._head(f"{c.name}_{NAME}")
            + '<body class="articlelist">\n'
            + self._header()
            + '<div class="w960 center clear mt1">\n<div class="pleft">\n'
            + self._place(c)
            + f'<div class="listbox">\n<ul class="e2">\n{lis}</ul>\n</div>\n'
            + f'<div class="dede_pages">\n<ul class="pagelist">\n{"".join(parts)}\n</ul>\n</div>\n'
            + '</div>\n<div class="pright">\n'
            + self._hot(ctx)
            + "</div>\n</div>\n"
            + self._footer()
        )

    def render_home(self, ctx: Ctx) -> str:
        blocks = "".join(
            f'<div class="listbox"><dl class="tbox"><dt><strong><a href="'
            f'{local(self.list_url(c), HOST)}">{escape(c.name)}</a></strong><span class="more">'
            f'<a href="{local(self.list_url(c), HOST)}">更多...</a></span></dt>'
            '<dd><ul class="d1 ico3">'
            + "".join(
                f'<li><span>{a.dt:%m-%d}</span><a href="{local(self.article_url(a), HOST)}">'
                f"{escape(a.title)}</a></li>"
                for a in ctx.by_cat[c.catid][:4]
            )
            + "</ul></dd></dl></div>"
            for c in self.cats
        )
        return (
            self._head(f"{NAME}_腾冲市融媒体中心")
            + "<body>\n"
            + self._header()
            + f'<div class="w960 center clear mt1"><div class="pleft">{blocks}</div>'
            + f'<div class="pright">{self._hot(ctx)}</div></div>\n'
            + '<div class="flink w960 center clear"><dl class="tbox"><dt><strong>友情链接'
            + '</strong></dt><dd><ul class="f6"><li><a href="http://www.people.com.cn/">人民网'
            + '</a></li><li><a href="http://www.xinhuanet.com/">新华网</a></li></ul></dd></dl>'
            + "</div>\n"
            + self._footer()
        )


def family() -> DedecmsFamily:
    cats = [
        Cat(1, "news", "腾冲新闻", "general", HOST),
        Cat(2, "shizheng", "时政", "general", HOST),
        Cat(3, "lvyou", "旅游", "travel", HOST),
        Cat(4, "jiaoyu", "教育", "edu", HOST),
        Cat(5, "jiankang", "健康", "health", HOST),
    ]
    return DedecmsFamily(
        name="dedecms",
        site="tcxw",
        home=f"http://{HOST}/",
        domains=("tcxw.com.cn",),
        cats=cats,
        robots=ROBOTS,
        seconds=False,
        gbk_hosts=(HOST,),
        multipage_scheme="{aid}_2.html, ul.pagelist (relative links)",
        counter_patterns=(r"/plus/count\.php",),
        headings=("相关文章", "相关阅读", "推荐阅读"),
    )
