"""EmpireCMS 7 (帝国CMS), default news templates (``e/data/tmp/tempnews*.php``, list templates).

Table layout: ``<h1>[!--title--]</h1>``, ``<td class="info_text">时间：…&nbsp;&nbsp;来源：…
&nbsp;&nbsp;作者：…</td>``, the body in ``<td id="text">`` followed by ``<p align="center"
class="pageLink">[!--page.url--]</p>`` on multi-page articles (``{id}_2.html``), list pages
``index.html``, ``index_2.html``…, the counter ``e/public/ViewClick/?classid=&id=&addclick=1``
and every article also at ``e/action/ShowInfo.php?classid=&id=``. The main host is UTF-8; the
archive host ``old.`` is the GBK edition (charset in the header and the meta tag).
"""

from __future__ import annotations

from html import escape

from tests.replica.cms.common import Art, Cat, Ctx, Family, list_entries, local, text_paragraphs

HOST = "www.ynsd.net"
OLD = "old.ynsd.net"
NAME = "永胜在线"
ROBOTS = """User-agent: *
Disallow: /d/
Disallow: /e/class/
Disallow: /e/data/
Disallow: /e/enews/
Disallow: /e/member/
Disallow: /e/search/
Disallow: /e/tags/
Disallow: /e/DoPrint/
"""


class EmpirecmsFamily(Family):
    def article_url(self, a: Art, page: int = 1) -> str:
        name = f"{a.id}.html" if page == 1 else f"{a.id}_{page}.html"
        return f"http://{a.cat.host}/{a.cat.slug}/{a.dt:%Y-%m-%d}/{name}"

    def list_url(self, c: Cat, page: int = 1) -> str:
        base = f"http://{c.host}/{c.slug}/"
        return base if page == 1 else f"{base}index_{page}.html"

    def dynamic_urls(self, a: Art) -> list[str]:
        return [f"http://{a.cat.host}/e/action/ShowInfo.php?classid={a.cat.catid}&id={a.id}"]

    def _head(self, title: str, host: str) -> str:
        charset = "gb2312" if host == OLD else "utf-8"
        return (
            '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
            '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
            '<html xmlns="http://www.w3.org/1999/xhtml">\n<head>\n'
            f'<meta http-equiv="Content-Type" content="text/html; charset={charset}" />\n'
            f"<title>{escape(title)} - Powered by EmpireCMS</title>\n"
            f'<meta name="keywords" content="{NAME},永胜,丽江" />\n'
            f'<meta name="description" content="{NAME}" />\n'
            '<link href="/skin/default/css/style.css" rel="stylesheet" type="text/css" />\n'
            '<script type="text/javascript" src="/skin/default/js/tabs.js"></script>\n'
            '<script type="text/javascript" src="/e/data/js/ajax.js"></script>\n</head>\n'
        )

    def _nav(self, host: str) -> str:
        lis = "".join(
            f'<li><a href="{local(self.list_url(c), host)}">{escape(c.name)}</a></li>'
            for c in self.cats
        )
        return (
            '<table width="920" border="0" align="center" cellpadding="0" cellspacing="0" '
            'class="nav">\n<tr><td class="nav_global"><span id="logo"><a href="http://'
            f'{HOST}/"><img src="/skin/default/images/logo.gif" width="360" height="90" '
            'border="0" /></a></span>\n<ul><li class="curr" id="tabnav_btn_0"><a href="http://'
            f'{HOST}/">首页</a></li>{lis}</ul></td></tr>\n</table>\n'
        )

    def _footer(self) -> str:
        return (
            '<table width="920" border="0" cellpadding="0" cellspacing="0" align="center">\n'
            '<tr><td align="center" class="search"><form action="/e/search/index.php" '
            'method="post" name="searchform" id="searchform"><strong>站内搜索：</strong>'
            '<input name="keyboard" type="text" size="32" id="keyboard" class="inputText" />'
            '<input type="hidden" name="show" value="title" /><input type="hidden" '
            'name="tempid" value="1" /><input type="image" class="inputSub" '
            'src="/skin/default/images/search.gif" /> <a href="/e/search/" target="_blank">'
            "高级搜索</a></form></td></tr>\n"
            '<tr><td><table width="100%" border="0" cellpadding="0" cellspacing="4" '
            'class="copyright"><tr><td align="center"><a href="http://'
            f'{HOST}/">网站首页</a> | <a href="http://{HOST}/about/">关于我们</a> | '
            '<a href="http://www.12377.cn/" target="_blank">违法和不良信息举报</a> | '
            '<a href="http://www.gov.cn/" target="_blank">中国政府网</a></td></tr>'
            '<tr><td align="center">Powered by <strong><a href="http://www.phome.net" '
            'target="_blank">EmpireCMS</a></strong> &copy; 2024 永胜县融媒体中心</td></tr>'
            "</table></td></tr>\n</table>\n</body>\n</html>\n"
        )

    def _position(self, c: Cat) -> str:
        return (
            '<table width="100%" border="0" cellspacing="0" cellpadding="0" class="position">'
            f'<tr><td>您当前的位置：<a href="http://{HOST}/">首页</a>&nbsp;&gt;&nbsp;'
            f'<a href="{local(self.list_url(c), c.host)}">{escape(c.name)}</a></td></tr></table>\n'
        )

    def _epages(self, urls: list[str], page: int, head: str) -> str:
        n = len(urls)
        parts = [head, f"<b>{page}</b>" if page == 1 else f'<a href="{urls[0]}">1</a>']
        for p in range(2, n + 1):
            parts.append(f"<b>{p}</b>" if p == page else f'<a href="{urls[p - 1]}">{p}</a>')
        if page < n:
            parts.append(f'<a href="{urls[page]}">下一页</a>')
            parts.append(f'<a href="{urls[-1]}">尾页</a>')
        return "&nbsp;".join(parts)

    def _hot(self, ctx: Ctx, host: str) -> str:
        lis = "".join(
            f'<li><a href="{local(ctx.hot_href(a), host)}" title="{escape(a.title)}">'
            f"{escape(a.title)}</a></li>"
            for a in ctx.hot
        )
        return (
            '<td class="sider"><table width="100%" border="0" cellspacing="0" cellpadding="0" '
            'class="box"><tr><td class="title"><strong>点击排行</strong></td></tr>'
            f'<tr><td><ol class="rank">{lis}</ol></td></tr></table></td>'
        )

    def render_article(self, a: Art, page: int, ctx: Ctx) -> str:
        c = a.cat
        n = len(a.pages)
        pagelink = ""
        if n > 1:
            urls = [local(self.article_url(a, p), c.host) for p in range(1, n + 1)]
            head = f'<a title="Page">&nbsp;<b>{page}</b>/<b>{n}</b>&nbsp;</a>&nbsp;&nbsp;'
            pagelink = f'<p align="center" class="pageLink">{self._epages(urls, page, head)}</p>'
        counter = f"/e/public/ViewClick/?classid={c.catid}&id={a.id}&addclick=1"
        source = (
            f'<a href="{a.source_link}" target="_blank">{escape(a.source_display)}</a>'
            if a.source_link
            else escape(a.source_display)
        )
        kws = "&nbsp;".join(
            f'<a href="/e/tags/?tagname={k}" target="_blank">{escape(k)}</a>' for k in a.keywords
        )
        related = "".join(
            f'<li><a href="{local(href, c.host)}" target="_blank">{escape(t.title)}</a></li>'
            for t, href in a.related
        )
        hits = f' <a href="{counter}">点击数</a>' if a.id % 3 == 0 else ""
        main = (
            '<table width="100%" border="0" cellspacing="0" cellpadding="0" class="box">\n<tr>'
            '<td><table width="100%" border="0" cellpadding="0" cellspacing="0" '
            f'class="title_info">\n<tr><td><h1>{escape(a.title)}</h1></td></tr>\n'
            f'<tr><td class="info_text">时间：{self.shown_date(a)}&nbsp;&nbsp;来源：{source}'
            f"&nbsp;&nbsp;作者：{escape(a.author)}&nbsp;&nbsp;点击：<script src={counter}>"
            f"</script>次{hits}</td></tr>\n</table>\n"
            + (
                f'<table width="100%" class="smalltext"><tr><td><strong>内容提要：</strong>'
                f"{escape(a.summary)}</td></tr></table>\n"
                if page == 1
                else ""
            )
            + '<table width="100%" border="0" cellspacing="0" cellpadding="0">\n<tr>'
            + f'<td id="text">{text_paragraphs(a, page)}\n{pagelink}</td></tr>\n</table>\n'
            + (f'<p class="bianji">（责任编辑：{escape(a.editor)}）</p>\n' if a.editor else "")
            + (f'<p class="keyboard">关键词：{kws}</p>\n' if a.keywords else "")
            + "</td></tr>\n</table>\n"
            + (
                '<table width="100%" border="0" cellspacing="0" cellpadding="0" class="box">'
                f'<tr><td class="title"><strong>{a.heading}</strong></td></tr>'
                f'<tr><td><ul class="otherlink">{related}</ul></td></tr></table>\n'
                if a.related
                else ""
            )
        )
        return (
            self._head(f"{a.title}", c.host)
            + '<body class="showpage news">\n'
            + self._nav(c.host)
            + '<table width="100%" border="0" cellspacing="10" cellpadding="0">\n'
            + f'<tr valign="top"><td class="main">{self._position(c)}{main}</td>'
            + f"{self._hot(ctx, c.host)}</tr>\n</table>\n"
            + self._footer()
        )

    def render_list(self, c: Cat, page: int, npages: int, entries: list[Art], ctx: Ctx) -> str:
        lis = "".join(
            f'<li><span>{dt:%Y-%m-%d}</span><a href="{local(href, c.host)}" target="_blank">'
            f"{escape(title)}</a></li>\n"
            for href, title, dt in list_entries(ctx, c, page, entries)
        )
        urls = [
            local(self.list_url(c, p) if p > 1 else self.list_url(c) + "index.html", c.host)
            for p in range(1, npages + 1)
        ]
        total = len(ctx.by_cat[c.catid])
        head = f'<a title="Total record">&nbsp;<b>{total}</b> </a>&nbsp;&nbsp;'
        pages = self._epages(urls, page, head) if npages > 1 else ""
        return (
            self._head(c.name, c.host)
            + '<body class="listpage">\n'
            + self._nav(c.host)
            + '<table width="100%" border="0" cellspacing="10" cellpadding="0">\n'
            + f'<tr valign="top"><td class="list_content">{self._position(c)}'
            + '<table width="100%" border="0" cellspacing="0" cellpadding="0" class="box">'
            + f'<tr><td><ul class="news_list">\n{lis}</ul></td></tr>'
            + f'<tr><td class="list_page">{pages}</td></tr></table></td>'
            + f"{self._hot(ctx, c.host)}</tr>\n</table>\n"
            + self._footer()
        )

    def render_home(self, ctx: Ctx) -> str:
        blocks = "".join(
            '<table width="100%" border="0" cellspacing="0" cellpadding="0" class="box"><tr>'
            f'<td class="title"><a href="{self.list_url(c)}"><strong>{escape(c.name)}</strong>'
            "</a></td></tr><tr><td><ul>"
            + "".join(
                f'<li><a href="{local(self.article_url(a), HOST)}">{escape(a.title)}</a></li>'
                for a in ctx.by_cat[c.catid][:4]
            )
            + "</ul></td></tr></table>"
            for c in self.cats
        )
        return (
            self._head(NAME, HOST)
            + '<body class="homepage">\n'
            + self._nav(HOST)
            + '<table width="100%" border="0" cellspacing="10" cellpadding="0"><tr valign="top">'
            + f'<td class="main">{blocks}</td>{self._hot(ctx, HOST)}</tr></table>\n'
            + '<table class="links"><tr><td>友情链接：<a href="http://www.people.com.cn/">人民网'
            + '</a> <a href="http://www.xinhuanet.com/">新华网</a></td></tr></table>\n'
            + self._footer()
        )

    def extra_pages(self, ctx: Ctx) -> dict[str, str]:
        home = (
            self._head(f"{NAME}旧版", OLD)
            + "<body>\n"
            + self._nav(OLD)
            + "<p>本站旧版栏目存档。</p>\n"
            + self._footer()
        )
        about = (
            self._head("关于我们", HOST)
            + "<body>\n"
            + self._nav(HOST)
            + f"<h1>关于我们</h1><p>{NAME}由永胜县融媒体中心主办。</p>\n"
            + self._footer()
        )
        return {f"http://{OLD}/": home, f"http://{HOST}/about/": about}


def family() -> EmpirecmsFamily:
    cats = [
        Cat(2, "news/local", "本地新闻", "general", HOST),
        Cat(3, "news/szyw", "时政要闻", "general", HOST),
        Cat(4, "finance", "经济", "finance", HOST),
        Cat(5, "travel", "文旅", "travel", HOST),
        Cat(6, "archive/xz", "乡镇动态", "general", OLD),
        Cat(7, "archive/ms", "民生", "health", OLD),
    ]
    return EmpirecmsFamily(
        name="empirecms",
        site="ynsd",
        home=f"http://{HOST}/",
        domains=("ynsd.net",),
        cats=cats,
        robots=ROBOTS,
        seconds=True,
        gbk_hosts=(OLD,),
        gbk_content_type="text/html; charset=GBK",
        multipage_scheme="{id}_2.html, p.pageLink",
        counter_patterns=(r"/e/public/ViewClick",),
        headings=("相关新闻", "相关阅读", "推荐阅读"),
    )
