"""TRS WCM sites: a county government portal (``trs_gov``) and a 融媒体 center (``trs_media``).

What TRS WCM publishes: channel folders (``/xwzx/zwyw/``) whose list pages are ``index.html``,
``index_1.html`` … linked **only** by a script call (``createPageHTML(12, 0, "index", "html")``,
or ``var countPage = 12`` … ``createPageHTML(countPage, currentPage, "index", "html")``), articles
at ``./202406/t20240605_101234.html`` written as links relative to the page, images as
``./W020240605….jpg`` beside the article, and the national government-site meta tags
(``ArticleTitle``, ``PubDate``, ``ContentSource``, ``ColumnName``, ``SiteName``…). The meta tags
are evidence, not truth: on some articles ``ContentSource`` names the site while the visible
来源 names the outlet (the truth follows the page a reader sees). The 融媒体 template prints a
credits line (``记者：… 编辑：… 责编：… 审核：…``): the editor is the 责编.
"""

from __future__ import annotations

import posixpath
import random
from dataclasses import dataclass
from html import escape
from urllib.parse import quote, urlsplit

from tests.replica.cms.common import Art, Cat, Ctx, Family, list_entries

GOV = "www.ylzf.gov.cn"
MEDIA = "www.ylrmtzx.cn"
GOV_NAME = "玉龙纳西族自治县人民政府"
MEDIA_NAME = "玉龙融媒"
SEARCH = "/was5/web/search"
PAGER_JS = """function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){
  if(_nPageCount == null || _nPageCount<=1){ return; }
  var nCurrIndex = _nCurrIndex || 0;
  if(nCurrIndex == 0)
    document.write("<span class=\\"current\\">1</span>&nbsp;");
  else
    document.write("<a href=\\""+_sPageName+"."+_sPageExt+"\\">首页</a>&nbsp;"
      + "<a href=\\""+_sPageName+(nCurrIndex-1>0?"_"+(nCurrIndex-1):"")+"."+_sPageExt
      + "\\">上一页</a>&nbsp;");
  for(var i=1; i<_nPageCount; i++){
    if(nCurrIndex == i)
      document.write("<span class=\\"current\\">"+(i+1)+"</span>&nbsp;");
    else
      document.write("<a href=\\""+_sPageName+"_"+i+"."+_sPageExt+"\\">"+(i+1)+"</a>&nbsp;");
  }
  if(nCurrIndex < _nPageCount-1)
    document.write("<a href=\\""+_sPageName+"_"+(nCurrIndex+1)+"."+_sPageExt+"\\">下一页</a>");
}
"""


def _q(text: str) -> str:
    return quote(text)


def rel(page_url: str, target: str) -> str:
    """``target`` relative to ``page_url``, as TRS writes links (``./``, ``../../``)."""
    a, b = urlsplit(page_url), urlsplit(target)
    if a.netloc != b.netloc:
        return target
    base = posixpath.dirname(a.path)
    path = posixpath.relpath(b.path, base) if b.path != "/" else posixpath.relpath("/", base)
    if target.endswith("/") and not path.endswith("/"):
        path += "/"
    if not path.startswith("."):
        path = "./" + path
    return path + (f"?{b.query}" if b.query else "")


@dataclass
class TrsFamily(Family):
    variant: str = "gov"  # "gov": a county government portal; "media": a 融媒体 center

    @property
    def host(self) -> str:
        return urlsplit(self.home).hostname or ""

    @property
    def sitename(self) -> str:
        return GOV_NAME if self.variant == "gov" else MEDIA_NAME

    def docid(self, a: Art) -> int:
        return 100000 + a.id

    def article_url(self, a: Art, page: int = 1) -> str:
        return f"http://{a.cat.host}/{a.cat.slug}/{a.dt:%Y%m}/t{a.dt:%Y%m%d}_{self.docid(a)}.html"

    def list_url(self, c: Cat, page: int = 1) -> str:
        base = f"http://{c.host}/{c.slug}/"
        return base if page == 1 else f"{base}index_{page - 1}.html"

    def error_url(self, c: Cat, aid: int) -> str:
        return f"http://{c.host}/{c.slug}/202501/t20250110_{aid}.html"

    def shown_date(self, a: Art) -> str:
        return f"{a.dt:%Y-%m-%d %H:%M}"

    def finish(self, arts: list[Art]) -> None:
        for a in arts:
            rng = random.Random(f"trs-{a.id}")
            a.pages = [a.paragraphs]  # TRS articles here are one page each
            a.images = [a.all_images]
            folder = posixpath.dirname(self.article_url(a))
            a.images = [
                [
                    (f"{folder}/W0{a.dt:%Y%m%d}{self.docid(a)}{n}{k}.jpg", cap)
                    for k, (_, cap) in enumerate(page)
                ]
                for n, page in enumerate(a.images)
            ]
            a.meta_source = a.source_display if rng.random() < 0.75 else self.sitename
            if self.variant == "gov":
                a.keywords = []  # government templates print no keyword line
            else:
                a.editor = a.editor or rng.choice(["和丽", "木琼"])

    # ------------------------------------------------------------------------- markup
    def _head(self, url: str, title: str, meta: dict[str, str]) -> str:
        metas = "".join(f'<meta name="{k}" content="{escape(v)}" />\n' for k, v in meta.items())
        script = (
            f'<script type="text/javascript">\n{PAGER_JS}</script>\n'
            if self.variant == "gov"
            else f'<script type="text/javascript" src="{rel(url, f"http://{self.host}/images/page.js")}"></script>\n'
        )
        return (
            '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
            '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
            '<html xmlns="http://www.w3.org/1999/xhtml">\n<head>\n'
            '<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />\n'
            f'<meta name="SiteName" content="{self.sitename}" />\n'
            f'<meta name="SiteDomain" content="{self.host}" />\n'
            '<meta name="SiteIDCode" content="5307210001" />\n'
            f"{metas}<title>{escape(title)}</title>\n"
            f'<link href="{rel(url, f"http://{self.host}/images/style.css")}" rel="stylesheet" '
            'type="text/css" />\n'
            f"{script}</head>\n<body>\n"
        )

    def _nav(self, url: str) -> str:
        parents = []
        for c in self.cats:
            top = c.slug.split("/")[0]
            if top not in [p for p, _ in parents]:
                parents.append((top, c.parent))
        lis = "".join(
            f'<li><a href="{rel(url, f"http://{self.host}/{p}/")}">{escape(n)}</a></li>'
            for p, n in parents
        )
        subs = "".join(
            f'<a href="{rel(url, self.list_url(c))}">{escape(c.name)}</a>' for c in self.cats
        )
        return (
            '<div class="top"><div class="w1200"><span class="date">今天是：<script>'
            "document.write(new Date().toLocaleDateString());</script></span>"
            f'<a href="{rel(url, f"http://{self.host}/")}">网站首页</a> '
            '<a href="javascript:void(0);" onclick="aria.start()">无障碍浏览</a></div></div>\n'
            f'<div class="head w1200"><a href="{rel(url, f"http://{self.host}/")}">'
            f'<img src="{rel(url, f"http://{self.host}/images/logo.png")}" alt="{self.sitename}" />'
            '</a><div class="search"><form action="/was5/web/search" method="get" '
            'target="_blank"><input type="hidden" name="channelid" value="290419" />'
            '<input type="text" name="searchword" /><input type="submit" value="搜索" />'
            "</form></div></div>\n"
            f'<div class="nav"><ul><li><a href="{rel(url, f"http://{self.host}/")}">首页</a>'
            f"</li>{lis}</ul></div>\n"
            f'<div class="subnav w1200">{subs}</div>\n'
        )

    def _footer(self) -> str:
        return (
            '<div class="footer"><div class="w1200"><div class="links">'
            '<a href="http://www.gov.cn/" target="_blank">中国政府网</a> '
            '<a href="http://www.yn.gov.cn/" target="_blank">云南省人民政府</a> '
            '<a href="http://www.12377.cn/" target="_blank">违法和不良信息举报</a></div>'
            f'<p><a href="{SEARCH}?channelid=290419&searchword={_q("政务公开")}">政务公开</a> '
            f'<a href="{SEARCH}?searchword={_q("办事指南")}&channelid=290419">办事指南</a></p>'
            f"<p>主办：{self.sitename} 网站标识码：5307210001 滇ICP备05001234号 "
            '<a href="http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=53072102000001" '
            'target="_blank">滇公网安备 53072102000001号</a></p>'
            '<span id="_ideConac"><a href="http://bszs.conac.cn/sitename?method=show&id=4D3A8A7A" '
            'target="_blank"><img src="http://dcs.conac.cn/image/red.png" /></a></span>'
            '<script id="_jiucuo_" sitecode="5307210001" '
            'src="https://zfwzgl.www.gov.cn/exposure/jiucuo.js"></script>'
            "</div></div>\n</body>\n</html>\n"
        )

    def _crumbs(self, url: str, c: Cat) -> str:
        top = c.slug.split("/")[0]
        return (
            f'当前位置：<a href="{rel(url, f"http://{self.host}/")}" title="首页" '
            'class="CurrChnlCls">首页</a>&nbsp;&gt;&nbsp;'
            f'<a href="{rel(url, f"http://{self.host}/{top}/")}" title="{c.parent}" '
            f'class="CurrChnlCls">{escape(c.parent)}</a>&nbsp;&gt;&nbsp;'
            f'<a href="{rel(url, self.list_url(c))}" title="{c.name}" class="CurrChnlCls">'
            f"{escape(c.name)}</a>"
        )

    def _body(self, a: Art, url: str) -> str:
        out = []
        imgs = list(a.images[0])
        for i, p in enumerate(a.pages[0]):
            if i in (0, 2) and imgs:
                img, cap = imgs.pop(0)
                name = posixpath.basename(img)
                out.append(
                    f'<p style="text-align: center;"><img src="./{name}" OLDSRC="{name}" '
                    'border="0" /></p>'
                )
                if cap:
                    out.append(f'<p style="text-align: center;">{escape(cap)}</p>')
            out.append(f'<p style="text-indent: 2em;">{escape(p)}</p>')
        return "\n".join(out)

    def render_article(self, a: Art, page: int, ctx: Ctx) -> str:
        c = a.cat
        url = self.article_url(a)
        meta = {
            "ColumnName": c.name,
            "ColumnType": c.name,
            "ArticleTitle": a.title,
            "PubDate": self.shown_date(a),
            "ContentSource": a.meta_source,
            "Keywords": "玉龙,丽江",
            "Author": a.author,
            "Description": a.summary,
            "Url": url,
        }
        counter = f"/common/count.jsp?docid={self.docid(a)}"
        related = "".join(
            f'<li><a href="{rel(url, href)}" target="_blank" title="{escape(t.title)}">'
            f"{escape(t.title)}</a><span>{t.dt:%Y-%m-%d}</span></li>"
            for t, href in a.related
        )
        related_box = (
            f'<div class="xgyd"><h3>{a.heading}</h3><ul>{related}</ul></div>\n' if a.related else ""
        )
        hits = f'<a href="{counter}">浏览次数</a>' if a.id % 3 == 0 else "浏览次数："
        if self.variant == "gov":
            source = f"<span>来源：{escape(a.source_display)}</span>" if a.source else ""
            main = (
                f'<div class="position">{self._crumbs(url, c)}</div>\n<div class="xl_box">'
                f'<div class="xl_title"><h1>{escape(a.title)}</h1></div>\n'
                f'<div class="xl_info"><span>发布时间：{self.shown_date(a)}</span>{source}'
                f'<span>{hits}<script src="{counter}"></script></span>'
                '<span class="fontsize">字号：[<a href="javascript:doZoom(18)">大</a> '
                '<a href="javascript:doZoom(16)">中</a> <a href="javascript:doZoom(14)">小</a>]'
                "</span></div>\n"
                f'<div class="xl_content"><div class="TRS_Editor">\n{self._body(a, url)}\n'
                "</div></div>\n"
                + (
                    f'<div class="xl_zrbj">（责任编辑：{escape(a.editor)}）</div>\n'
                    if a.editor
                    else ""
                )
                + '<div class="xl_dy"><a href="javascript:window.print()">【打印本页】</a>'
                '<a href="javascript:window.close()">【关闭窗口】</a></div>\n'
                + related_box
                + "</div>\n"
            )
        else:
            tags = "".join(f"<span>{escape(k)}</span>" for k in a.keywords)
            plain_editor = random.Random(a.id).choice(["和丽", "木琼", "杨洁"])
            credits = (
                f"记者：{escape(a.author)}　编辑：{plain_editor}"
                f"　责编：{escape(a.editor or '')}　审核：李文"
            )
            main = (
                f'<div class="crumb">{self._crumbs(url, c)}</div>\n<div class="article">'
                f'<div class="article-title"><h1>{escape(a.title)}</h1></div>\n'
                f'<div class="article-info"><span class="time">{self.shown_date(a)}</span>'
                + (
                    f'<span class="source">来源：{escape(a.source_display)}</span>'
                    if a.source
                    else ""
                )
                + f'<span class="views">{hits}<script src="{counter}"></script></span></div>\n'
                f'<div class="article-summary"><b>摘要：</b>{escape(a.summary)}</div>\n'
                '<div class="article-content"><div class="view TRS_UEDITOR trs_paper_default '
                f'trs_web">\n{self._body(a, url)}\n</div></div>\n'
                + (f'<div class="article-tags">关键词：{tags}</div>\n' if a.keywords else "")
                + f'<div class="article-credits">{credits}</div>\n'
                + related_box
                + "</div>\n"
            )
        return (
            self._head(url, f"{a.title}_{c.name}_{self.sitename}", meta)
            + self._nav(url)
            + f'<div class="main w1200">{main}</div>\n'
            + self._footer()
        )

    def render_list(self, c: Cat, page: int, npages: int, entries: list[Art], ctx: Ctx) -> str:
        url = self.list_url(c, page)
        lis = "".join(
            f'<li><a href="{rel(url, href)}" target="_blank" title="{escape(title)}">'
            f"{escape(title)}</a><span>{dt:%Y-%m-%d}</span></li>\n"
            for href, title, dt in list_entries(ctx, c, page, entries)
        )
        if c.catid % 2:
            call = f'createPageHTML({npages}, {page - 1}, "index", "html");'
        else:
            call = (
                f"var currentPage = {page - 1};//所在页从0开始\n"
                f"var countPage = {npages}//共多少页\n"
                'createPageHTML(countPage, currentPage, "index", "html");'
            )
        meta = {"ColumnName": c.name, "ColumnType": c.name}
        return (
            self._head(url, f"{c.name}_{self.sitename}", meta)
            + self._nav(url)
            + '<div class="main w1200"><div class="list_right">'
            + f'<div class="list_title"><span>{escape(c.name)}</span>'
            + f'<div class="position">{self._crumbs(url, c)}</div></div>\n'
            + f'<ul class="list_ul">\n{lis}</ul>\n'
            + f'<div class="page"><script type="text/javascript">\n{call}\n</script></div>'
            + "</div></div>\n"
            + self._footer()
        )

    def _blocks(self, url: str, ctx: Ctx, cats: list[Cat]) -> str:
        return "".join(
            f'<div class="block"><div class="block_title"><a href="{rel(url, self.list_url(c))}">'
            f'{escape(c.name)}</a><a href="{rel(url, self.list_url(c))}" class="more">更多</a>'
            "</div><ul>"
            + "".join(
                f'<li><a href="{rel(url, self.article_url(a))}" target="_blank" '
                f'title="{escape(a.title)}">{escape(a.title)}</a><span>{a.dt:%m-%d}</span></li>'
                for a in ctx.by_cat[c.catid][:4]
            )
            + "</ul></div>"
            for c in cats
        )

    def render_home(self, ctx: Ctx) -> str:
        url = self.home
        return (
            self._head(url, self.sitename, {})
            + self._nav(url)
            + f'<div class="main w1200">{self._blocks(url, ctx, self.cats)}</div>\n'
            + self._footer()
        )

    def extra_pages(self, ctx: Ctx) -> dict[str, str]:
        out = {}
        for top in dict.fromkeys(c.slug.split("/")[0] for c in self.cats):
            cats = [c for c in self.cats if c.slug.startswith(top + "/")]
            url = f"http://{self.host}/{top}/"
            out[url] = (
                self._head(url, f"{cats[0].parent}_{self.sitename}", {"ColumnName": cats[0].parent})
                + self._nav(url)
                + f'<div class="main w1200">{self._blocks(url, ctx, cats)}</div>\n'
                + self._footer()
            )
        if self.variant != "gov":
            out[f"http://{self.host}/images/page.js"] = PAGER_JS
        # The search link robots.txt allows (its own parameter order): a results page.
        url = f"http://{self.host}{SEARCH}?searchword={_q('办事指南')}&channelid=290419"
        hits = "".join(
            f'<li><a href="{self.article_url(a)}" target="_blank">{escape(a.title)}</a></li>'
            for a in ctx.hot[:3]
        )
        out[url] = (
            self._head(url, f"检索结果_{self.sitename}", {})
            + self._nav(url)
            + f'<div class="main w1200"><h2>“办事指南”的检索结果</h2><ul>{hits}</ul></div>\n'
            + self._footer()
        )
        return out


def family_gov() -> TrsFamily:
    cats = [
        Cat(1, "xwzx/zwyw", "政务要闻", "general", GOV, parent="新闻中心"),
        Cat(2, "xwzx/bmdt", "部门动态", "general", GOV, parent="新闻中心"),
        Cat(3, "xwzx/xzdt", "乡镇动态", "general", GOV, parent="新闻中心"),
        Cat(4, "zwgk/tzgg", "通知公告", "general", GOV, parent="政务公开"),
    ]
    return TrsFamily(
        name="trs_gov",
        site="ylzf",
        home=f"http://{GOV}/",
        domains=("ylzf.gov.cn",),
        cats=cats,
        robots="User-agent: *\nDisallow: /was5/web/search?channelid=\nDisallow: /guestbook/\n",
        seconds=False,
        multipage_scheme="",
        counter_patterns=(r"/common/count\.jsp",),
        headings=("相关阅读", "相关文章", "相关新闻"),
        dynamic_share=0.0,
        variant="gov",
    )


def family_media() -> TrsFamily:
    cats = [
        Cat(1, "xw/bdxw", "本地新闻", "general", MEDIA, parent="新闻"),
        Cat(2, "xw/xczx", "乡村振兴", "general", MEDIA, parent="新闻"),
        Cat(3, "wl/lyzx", "旅游资讯", "travel", MEDIA, parent="文旅"),
        Cat(4, "wl/whhd", "文化活动", "travel", MEDIA, parent="文旅"),
        Cat(5, "ms/jyjk", "教育健康", "edu", MEDIA, parent="民生"),
    ]
    return TrsFamily(
        name="trs_media",
        site="ylrmt",
        home=f"http://{MEDIA}/",
        domains=("ylrmtzx.cn",),
        cats=cats,
        robots="User-agent: *\nDisallow: /was5/web/search?channelid=\n",
        seconds=False,
        multipage_scheme="",
        counter_patterns=(r"/common/count\.jsp",),
        headings=("相关阅读", "推荐阅读", "延伸阅读"),
        dynamic_share=0.0,
        variant="media",
    )
