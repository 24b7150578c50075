"""Stored pages -> extract_article, compared with expectations written by hand.

Every ``tests/pages/<name>.html`` has a ``<name>.json`` next to it. The pages are the seed
article in markups the real portal might use (div CMS, GBK tables, noisy HTML5, ASCII
labels), list and home pages, and articles in the style of other Chinese news sites.
Pages are stored as bytes and decoded like the spider does, so GBK pages test that too.

Expectation keys: ``date`` / ``source`` must be contained in ``date_text`` /
``source_text`` (those are raw lines); ``editor`` / ``keywords`` are the values the
loader makes of ``editor_text`` / ``keywords_text`` (how the raw line is cut is not the
point); every other key is compared exactly. Keys that are absent are not checked (list
and home pages only promise ``is_article``).
"""

import json
import re
from pathlib import Path

import pytest

from newsportal.encoding import decode_html
from newsportal.extraction import RawArticle, extract_article
from newsportal.processors import clean_editor, clean_source, split_keywords

PAGES = Path(__file__).parent / "pages"
CASES = sorted(p.stem for p in PAGES.glob("*.json"))
EXACT = (
    "canonical_url",
    "title",
    "editor_text",
    "keywords_text",
    "section",
    "paragraphs",
    "images",
    "related",
    "is_article",
)


def _check_normalised(article: RawArticle, expected: dict) -> None:
    if "editor" in expected:
        assert clean_editor(article.editor_text) == expected["editor"], "editor"
    if "keywords" in expected:
        assert split_keywords(article.keywords_text) == expected["keywords"], "keywords"


def _load(name: str) -> tuple[RawArticle, dict]:
    expected = json.loads((PAGES / f"{name}.json").read_text("utf-8"))
    text, _ = decode_html((PAGES / f"{name}.html").read_bytes())
    return extract_article(text, expected["url"]), expected


def test_every_page_has_expectations():
    assert CASES
    assert {p.stem for p in PAGES.glob("*.html")} == set(CASES)


@pytest.mark.parametrize("name", CASES)
def test_stored_page(name):
    article, expected = _load(name)
    for key in EXACT:
        if key in expected:
            assert getattr(article, key) == expected[key], key
    _check_normalised(article, expected)
    if "date" in expected:
        assert article.date_text is not None
        assert expected["date"] in article.date_text
    if "source" in expected:
        if expected["source"] is None:
            assert article.source_text is None
        else:
            assert article.source_text is not None
            assert expected["source"] in article.source_text


@pytest.mark.parametrize(
    "html",
    [
        "",
        "   \n",
        "<html>",
        "<!-- only a comment -->",
        '<?xml version="1.0" encoding="gbk"?><html><body></body></html>',
        "\x00\x01<p>\ud800</p>",
        "<html><body><div><p>未闭合的段落<div><span>",
    ],
)
def test_bad_markup_gives_empty_non_article(html):
    article = extract_article(html, "http://news.jiulongw.cn/x.html")
    assert article.url == "http://news.jiulongw.cn/x.html"
    assert article.is_article is False
    assert article.paragraphs == []


def test_truncated_article_keeps_what_arrived():
    text, _ = decode_html((PAGES / "jiulong_div.html").read_bytes())
    cut = text[: text.index("在具体工作开展方面")]
    article = extract_article(cut, "http://news.jiulongw.cn/china/2024-06-05/142465.html")
    assert article.title == "2023年山西破获电信网络诈骗案件1.7万余起"
    assert article.paragraphs[0].startswith("中新网太原6月5日电")
    assert len(article.paragraphs) == 3


def test_xml_declared_str_is_parsed():
    html = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        "<html><head><title>山西破获电诈案件_九龙网</title></head><body>"
        "<h1>山西破获电诈案件</h1><p>2024-06-05 16:33 来源：中国新闻网</p>"
        "<div><p>" + "记者6月5日获悉，山西全省共破获电信网络诈骗案件1.7万余起。" * 4 + "</p></div>"
        "</body></html>"
    )
    article = extract_article(html, "http://news.jiulongw.cn/a.html")
    assert article.title == "山西破获电诈案件"
    assert article.source_text == "来源：中国新闻网"
    assert article.is_article is True


@pytest.mark.parametrize("name", CASES)
def test_minified_page_reads_the_same(name):
    """Minified markup glues the boxes of a line together; readers still see the same page."""
    expected = json.loads((PAGES / f"{name}.json").read_text("utf-8"))
    text, _ = decode_html((PAGES / f"{name}.html").read_bytes())
    article = extract_article(re.sub(r">\s+<", "><", text), expected["url"])
    for key in EXACT:
        if key in expected:
            assert getattr(article, key) == expected[key], key
    _check_normalised(article, expected)
    if expected.get("source"):
        assert expected["source"] in article.source_text


@pytest.mark.parametrize(
    ("head", "body_extra", "expected"),
    [
        (
            '<meta property="article:published_time" content="2024-06-05T16:33:17+08:00">',
            "",
            "2024-06-05T16:33:17+08:00",
        ),
        ('<meta name="PubDate" content="2024-06-05 16:33">', "", "2024-06-05 16:33"),
        ("", '<time datetime="2024-06-05T16:33">六月五日</time>', "2024-06-05T16:33"),
    ],
)
def test_date_falls_back_to_meta_when_no_line_shows_it(head, body_extra, expected):
    paragraph = "<p>" + "记者6月5日获悉，山西全省共破获电信网络诈骗案件1.7万余起。" * 3 + "</p>"
    html = (
        f"<html><head><title>山西破获电诈案件_九龙网</title>{head}</head><body>"
        f"<h1>山西破获电诈案件</h1><div>{paragraph * 3}</div>{body_extra}</body></html>"
    )
    article = extract_article(html, "http://news.jiulongw.cn/a.html")
    assert article.date_text == expected
    assert article.is_article is True


@pytest.mark.parametrize("name", CASES)
def test_any_truncation_of_a_page_is_survived(name):
    """Connections drop mid-page: every prefix must still give a RawArticle, never raise."""
    text, _ = decode_html((PAGES / f"{name}.html").read_bytes())
    for cut in range(0, len(text), max(1, len(text) // 25)):
        article = extract_article(text[:cut], "http://news.jiulongw.cn/x.html")
        assert isinstance(article.paragraphs, list)
        assert article.is_article in (True, False)


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        (
            '<div>推荐阅读：<a href="/a.html">保山召开防汛会议</a> '
            '<a href="/b.html#top">腾冲迎来旅游旺季</a></div>',
            ["http://news.jiulongw.cn/a.html", "http://news.jiulongw.cn/b.html"],
        ),
        (
            '<div><h3>相关新闻</h3><a href="/a.html">保山召开防汛会议</a><span>06-05</span>'
            '<a href="/b.html">腾冲迎来旅游旺季</a><span>06-04</span><a href="/more/">更多</a>'
            '<div>热门排行</div><a href="/c.html">不是推荐阅读</a></div>',
            ["http://news.jiulongw.cn/a.html", "http://news.jiulongw.cn/b.html"],
        ),
        ('<div><h3>热门排行</h3><a href="/c.html">不是推荐阅读</a></div>', []),
        # Items as bare paragraphs, then a box that opens with its own label.
        (
            '<p>推荐阅读</p><p><a href="/a.html">保山召开防汛会议</a></p><p>2024年06月05日</p>'
            '<div><div>热点排行</div><ul><li><a href="/c.html">不是推荐阅读的热点</a></li></ul>'
            "</div>",
            ["http://news.jiulongw.cn/a.html"],
        ),
        # The heading is itself a link, its list sits beside it.
        (
            '<div><a href="/tj/">推荐阅读</a><ul><li><a href="/a.html">保山召开防汛会议</a></li>'
            '</ul></div><div><a href="/c.html">不是推荐阅读</a></div>',
            ["http://news.jiulongw.cn/a.html"],
        ),
    ],
)
def test_related_links_stop_at_the_next_box(block, expected):
    paragraph = "<p>" + "记者6月5日获悉，山西全省共破获电信网络诈骗案件1.7万余起。" * 3 + "</p>"
    html = f"<html><body><h1>山西破获电诈案件</h1><div>{paragraph * 3}</div>{block}</body></html>"
    assert extract_article(html, "http://news.jiulongw.cn/x/1.html").related == expected


def test_lead_picture_in_its_own_box_above_the_text():
    """Some templates put the photo and its caption in a box before the text block."""
    expected = json.loads((PAGES / "jiulong_div.json").read_text("utf-8"))
    text, _ = decode_html((PAGES / "jiulong_div.html").read_bytes())
    start = text.index('<div class="content" id="content">')
    end = text.index("</p>", text.index("新闻发布会现场。")) + len("</p>")
    moved = (
        '<div class="pic"><img src="/uploads/allimg/240605/1-240605163317.jpg" width="600">'
        "<p>新闻发布会现场。山西省政府新闻办供图</p></div>"
        '<div class="content" id="content">'
    )
    article = extract_article(text[:start] + moved + text[end:], expected["url"])
    assert article.images == expected["images"]
    assert article.paragraphs == expected["paragraphs"]


@pytest.mark.parametrize(
    ("crumb", "expected"),
    [
        ('当前位置：<a href="/">首页</a> &gt; <a href="/news/">新闻</a> &gt; 国内新闻', "国内新闻"),
        ('<a href="/">九龙网</a> » <a href="/china/">国内新闻</a> » 正文', "国内新闻"),
        ('<a href="/">首页</a> | <a href="/a/">保山</a> | <a href="/b/">云南</a>', None),
    ],
)
def test_breadcrumb_section_as_a_reader_sees_it(crumb, expected):
    paragraph = "<p>" + "记者6月5日获悉，山西全省共破获电信网络诈骗案件1.7万余起。" * 3 + "</p>"
    html = (
        f"<html><body><div>{crumb}</div><h1>山西破获电诈案件</h1>"
        f"<div>{paragraph * 3}</div></body></html>"
    )
    assert extract_article(html, "http://news.jiulongw.cn/x/1.html").section == expected


@pytest.mark.parametrize(
    ("crumb", "expected"),
    [
        # The seed renders its section as one more bullet under the menu.
        (
            '<ul><li><a href="/m1/">保山</a></li><li><a href="/m2/">云南</a></li>'
            '<li><a href="/m3/">图片</a></li><li><a href="/china/">国内新闻</a></li></ul>',
            "国内新闻",
        ),
        (
            '<div><a href="/">首页</a><img src="/arrow.gif"><a href="/china/">国内新闻</a></div>',
            "国内新闻",
        ),
        # A menu entry in the middle of the menu is no breadcrumb.
        (
            '<div><a href="/m1/">保山</a><a href="/china/">国内</a><a href="/m3/">图片</a></div>',
            None,
        ),
    ],
)
def test_section_from_the_link_to_the_page_folder(crumb, expected):
    paragraph = "<p>" + "记者6月5日获悉，山西全省共破获电信网络诈骗案件1.7万余起。" * 3 + "</p>"
    html = (
        f"<html><body>{crumb}<h1>山西破获电诈案件</h1>"
        f"<div>2024-06-05 16:33:17 来源：中国新闻网</div><div>{paragraph * 3}</div></body></html>"
    )
    url = "http://news.jiulongw.cn/china/2024-06-05/142465.html"
    assert extract_article(html, url).section == expected


def _page(head: str = "", above: str = "", below: str = "", after: str = "") -> str:
    """A small article page: headline, optional lines around it, three paragraphs."""
    paragraph = "<p>" + "记者6月5日获悉，山西全省共破获电信网络诈骗案件1.7万余起。" * 2 + "</p>"
    return (
        f"<html><head><title>山西破获电诈案件_九龙网</title>{head}</head><body>{above}"
        f"<h1>山西破获电诈案件</h1>{below}<div class='text'>{paragraph * 3}{after}</div>"
        "</body></html>"
    )


@pytest.mark.parametrize(
    ("html", "field", "expected"),
    [
        # A relative date on the page is only true on the day it was printed.
        (
            _page(below='<div><time datetime="2024-06-05T10:32:00+08:00">今天 10:32</time></div>'),
            "date_text",
            "2024-06-05T10:32:00+08:00",
        ),
        # WeChat prints the date from a script variable.
        (
            _page(head='<script>var ct = "1717568700";</script>', below="<em></em>"),
            "date_text",
            "2024-06-05 14:25:00",
        ),
        # Teaser dates under the text are not the article's date.
        (
            _page(
                head='<meta property="article:published_time" content="2024-06-05 18:12">',
                after='<ul><li><a href="/1.html">国务院常务会议部署优化营商环境</a>'
                "<span>2024-06-04 10:00</span></li></ul>",
            ),
            "date_text",
            "2024-06-05 18:12",
        ),
        # A labelled date line under the text is.
        (
            _page(after="<div>发布日期：2024-06-05 责任编辑：龙慧</div>"),
            "date_text",
            "发布日期：2024-06-05 责任编辑：龙慧",
        ),
        (_page(after="<p>编辑 张彤</p>"), "editor_text", "编辑 张彤"),
        (
            _page(after="<p><span>责任编辑</span>：<span>代平</span></p>"),
            "editor_text",
            "责任编辑：代平",
        ),
        # 责任编辑 wins over the bare 编辑 that opens the same line.
        (
            _page(after="<p>编辑：杨丽 责任编辑：段明 审核：李华</p>"),
            "editor_text",
            "责任编辑：段明",
        ),
        (_page(after="<p>编辑 刘梦婕 校对 李立军</p>"), "editor_text", "编辑 刘梦婕"),
        (
            _page(after="<p>责任编辑：陈欣 版权声明：本文为原创</p>"),
            "editor_text",
            "责任编辑：陈欣",
        ),
        # The source link points to another site; the channel link does not.
        (
            _page(
                below='<div><a href="/shehui/">社会</a> <a href="http://www.xinhuanet.com/">'
                "新华网</a> 2024-06-05 10:28</div>"
            ),
            "source_text",
            "新华网",
        ),
        # A photo credit is not the source.
        (
            _page(
                below='<div>2024年06月05日 14:25 <a href="https://www.chinanews.com.cn/">'
                "中国新闻网</a></div><div><img src='/a.jpg'><span>图片来源：视觉中国</span></div>"
            ),
            "source_text",
            "中国新闻网",
        ),
        (_page(after="<p>来源：市教育体育局</p>"), "source_text", "来源：市教育体育局"),
    ],
)
def test_reader_visible_details(html, field, expected):
    assert getattr(extract_article(html, "http://news.jiulongw.cn/x/1.html"), field) == expected


def test_reprint_notices_and_app_promotions_are_not_body():
    html = _page(
        after="<p>本文系观察者网独家稿件，未经授权，不得转载。</p><p>海量资讯、精准解读，尽在新浪财经APP</p>"
    )
    article = extract_article(html, "http://news.jiulongw.cn/x/1.html")
    assert len(article.paragraphs) == 3
    assert all("转载" not in p and "APP" not in p for p in article.paragraphs)


@pytest.mark.parametrize(
    "ad",
    [
        "<div><span>广告</span><p>夏季大促，全场空调五折起，欢迎到店选购。</p></div>",
        "<div><p>夏季大促，全场空调五折起，欢迎到店选购。</p><i>推广</i></div>",
        "<p>广告：夏季大促，全场空调五折起，欢迎到店选购。</p>",
    ],
)
def test_boxes_tagged_as_ads_are_not_body(ad):
    article = extract_article(_page(after=ad), "http://news.jiulongw.cn/x/1.html")
    assert len(article.paragraphs) == 3
    assert all("五折" not in p for p in article.paragraphs)


def test_source_closing_the_text():
    html = _page(after="<p>本文来源：保山日报</p>")
    source_text = extract_article(html, "http://news.jiulongw.cn/x/1.html").source_text
    assert clean_source(source_text) == "保山日报"


def test_caption_without_its_picture_is_not_body():
    """A lazy picture drawn by a script leaves its caption behind."""
    html = _page(
        after='<div class="lazy" data-bg="/a.jpg"></div><p>新闻发布会现场。山西省政府新闻办供图</p>'
    )
    article = extract_article(html, "http://news.jiulongw.cn/x/1.html")
    assert len(article.paragraphs) == 3
    assert all("供图" not in p for p in article.paragraphs)


_URL = "http://news.jiulongw.cn/x/1.html"


def test_shown_date_gets_its_time_from_a_meta_date_of_the_same_day():
    html = _page(
        head='<meta name="PubDate" content="2024-06-05 16:20">',
        below="<div>发布日期：2024-06-05</div>",
    )
    assert extract_article(html, _URL).date_text == "2024-06-05 16:20"
    other_day = html.replace('content="2024-06-05 16:20"', 'content="2024-06-04 16:20"')
    assert extract_article(other_day, _URL).date_text == "发布日期：2024-06-05"


def test_signature_date_under_short_clauses_is_not_the_date_line():
    """A notice's clauses are short; its closing date line is body, not the date."""
    clause = "<p>一、压实防汛责任，各地各部门要明确各级责任人。</p>"
    html = (
        "<html><head><title>关于做好防汛工作的通知_九龙网</title></head><body>"
        "<table><tr><td>发布日期：</td><td>2024-06-05</td></tr></table>"
        f"<h2>关于做好防汛工作的通知</h2><div>{clause * 4}<p>2024年6月3日</p></div>"
        "</body></html>"
    )
    article = extract_article(html, _URL)
    assert article.date_text == "2024-06-05"
    assert article.paragraphs[-1] == "2024年6月3日"


def test_forum_post_date_beats_edit_note_and_replies():
    html = (
        "<html><head><title>新增3条公交线路 - 彩龙社区</title></head><body>"
        "<div><em>发表于 2024-6-5 10:21:33</em></div><h1>新增3条公交线路</h1>"
        "<div><i>本帖最后由 小编 于 2024-6-5 10:25 编辑</i><br>"
        + "记者从市交通运输局获悉，为方便市民出行，中心城市将新开通3条公交线路。<br>" * 3
        + "</div><div><em>发表于 2024-6-5 11:02:10</em><div>点赞！</div></div></body></html>"
    )
    article = extract_article(html, _URL)
    assert article.date_text == "发表于 2024-6-5 10:21:33"
    assert not any("本帖最后由" in p for p in article.paragraphs)


def test_title_that_is_only_the_outlet_falls_back_to_the_line_above_the_byline():
    html = (
        "<html><head><title>北京日报客户端</title></head><body>"
        "<div>通州副中心站枢纽主体结构完工</div>"
        "<div><span>北京日报客户端</span> | <span>记者 高枝</span></div>"
        "<div>2024-06-05 19:01</div><div>"
        + "<p>记者6月5日获悉，副中心站综合交通枢纽主体结构全面完工，进入机电安装阶段。</p>" * 3
        + "</div></body></html>"
    )
    assert extract_article(html, _URL).title == "通州副中心站枢纽主体结构完工"


def test_telegraph_item_beats_the_list_of_other_items_and_names_its_outlet():
    entry = (
        "<li><span>09:2{0}</span> "
        "【央行开展逆回购操作】财联社6月5日电，央行今日开展100亿元逆回购操作。</li>"
    )
    html = (
        "<html><head><title>5月份CPI同比上涨0.3%_财联社</title></head><body>"
        "<div><h1>5月份CPI同比上涨0.3%</h1><div>2024-06-05 09:30:05</div>"
        "<div>【5月份CPI同比上涨0.3%】财联社6月5日电，国家统计局数据显示，5月份CPI同比上涨0.3%。</div>"
        f"</div><ul>{''.join(entry.format(i) for i in range(3))}</ul></body></html>"
    )
    article = extract_article(html, _URL)
    assert article.paragraphs == [
        "【5月份CPI同比上涨0.3%】财联社6月5日电，国家统计局数据显示，5月份CPI同比上涨0.3%。"
    ]
    assert clean_source(article.source_text) == "财联社"


def test_live_blog_entries_nested_deep_join_the_intro():
    entry = (
        '<div class="item"><span>10:0{0}</span><div><p>'
        "省商务厅负责人介绍，今年前4个月全省外贸进出口总额同比增长，对非贸易增长较快。</p></div></div>"
    )
    html = _page(below="<div>潇湘晨报 2024-06-05 09:55</div>").replace(
        "</div></body>", f"</div><div>{''.join(entry.format(i) for i in range(5))}</div></body>"
    )
    article = extract_article(html, _URL)
    assert len(article.paragraphs) == 8
    assert not any(p.startswith("10:0") for p in article.paragraphs)


@pytest.mark.parametrize("line", ["1/4", "新浪财经APP", "10:02"])
def test_widget_lines_are_not_body(line):
    article = extract_article(_page(after=f"<p>{line}</p>"), _URL)
    assert len(article.paragraphs) == 3


def test_self_media_account_from_meta_when_no_source_shows():
    html = _page(
        head='<meta name="mediaid" content="旅行家小王">', below="<div>2024-06-05 12:36</div>"
    )
    assert extract_article(html, _URL).source_text == "旅行家小王"


def test_subtitle_heading_is_not_the_headline():
    html = (
        "<html><head><title>让老旧小区焕发新活力——我市今年改造老旧小区120个_九龙网</title>"
        "</head><body><h2>让老旧小区焕发新活力</h2><h3>——我市今年改造老旧小区120个</h3>"
        "<div>2024-06-05 09:12</div><div>"
        + "<p>今年，我市计划改造城镇老旧小区120个，涉及居民8600余户，已有58个小区开工。</p>" * 3
        + "</div></body></html>"
    )
    assert extract_article(html, _URL).title == "让老旧小区焕发新活力"


def test_source_label_with_a_bar_instead_of_a_colon():
    html = _page(below="<div>2024/06/05 20:10　来源 | 腾冲融媒　作者 | 李琼</div>")
    assert clean_source(extract_article(html, _URL).source_text) == "腾冲融媒"


def test_paper_and_its_app_joined_by_a_dot_are_one_source():
    html = _page(below="<div><span>齐鲁晚报·齐鲁壹点</span> <span>2024-06-05 10:00</span></div>")
    assert extract_article(html, _URL).source_text == "齐鲁晚报·齐鲁壹点"


@pytest.mark.parametrize("depth", [10, 300, 1500])
def test_deeply_nested_article_keeps_its_body(depth):
    """libxml2 stops at 256 levels unless told otherwise, and the body would silently be
    empty (table-in-table layouts, tags never closed)."""
    text = "记者6月5日从县政府获悉，全县今年新建改建农村公路一百二十公里，惠及群众三万余人。" * 3
    html = (
        "<html><head><title>全县新建改建农村公路_测试网</title></head><body>"
        + "<div>" * depth
        + "<h1>全县新建改建农村公路</h1><div>发布时间：2024-06-05 10:00 来源：县融媒体中心</div>"
        + f"<p>{text}</p><p>{text}</p>"
        + "</div>" * depth
        + "</body></html>"
    )
    article = extract_article(html, "http://www.example.cn/a/2024-06-05/1.html")
    assert article.title == "全县新建改建农村公路"
    assert article.paragraphs == [text, text]
    assert article.is_article is True


@pytest.mark.parametrize(
    ("url", "hints"),
    [
        ("http://m.example.cn/changsha/2023-10-08/893500.html", ["2023-10-08"]),
        ("http://www.example.gov.cn/zwgk/202203/t20220315_568123.html", ["2022-03-15"]),
        ("http://www.example.cn/bdxw/2018/0308/1523.html", ["2018-03-08"]),
        ("http://www.example.cn/a/20240605/12.html", ["2024-06-05"]),
        ("https://www.example.cn/2024/06/05/slug/", ["2024-06-05"]),
        ("http://www.example.cn/show-12-345-1.html", []),
    ],
)
def test_the_url_date_is_a_hint_for_the_year(url, hints):
    html = (
        "<html><head><title>地铁东延段开通_测试网</title></head><body><h1>地铁东延段开通</h1>"
        "<div>10-08 12:00 来源：潇湘晨报</div><p>"
        + "东延段开通后，市民可乘地铁直达机场。" * 6
        + "</p></body></html>"
    )
    article = extract_article(html, url)
    assert article.date_text == "10-08 12:00 来源：潇湘晨报"
    assert article.date_hints == hints


_NO_DATE_PAGE = (
    "<html><head><title>全县新建改建农村公路_测试网</title>{meta}</head><body>"
    "<h1>全县新建改建农村公路</h1><div>来源：县融媒体中心</div><p>"
    + "记者从县交通运输局获悉，全县今年新建改建农村公路一百二十公里，惠及群众三万余人。" * 4
    + "</p></body></html>"
)


@pytest.mark.parametrize(
    ("meta", "url", "expected"),
    [
        # The meta date agrees with the URL's day: it stands (and brings the time).
        (
            '<meta name="PubDate" content="2024-06-05 16:20">',
            "http://www.example.gov.cn/zwgk/202406/t20240605_1.html",
            "2024-06-05 16:20",
        ),
        # A template default names another day: the URL's day wins.
        (
            '<meta name="PubDate" content="2018-01-01 00:00">',
            "http://www.example.gov.cn/zwgk/202406/t20240605_1.html",
            "2024-06-05",
        ),
        # No meta date: the URL's day; no day in the URL: the meta date alone.
        ("", "http://www.example.cn/news/2024-06-05/142435.html", "2024-06-05"),
        (
            '<meta name="PubDate" content="2018-01-01 00:00">',
            "http://www.example.cn/show-12-142435-1.html",
            "2018-01-01 00:00",
        ),
        ("", "http://www.example.cn/show-12-142435-1.html", None),
    ],
)
def test_meta_date_is_checked_against_the_url(meta, url, expected):
    article = extract_article(_NO_DATE_PAGE.format(meta=meta), url)
    assert article.date_text == expected


@pytest.mark.parametrize(
    ("metas", "expected"),
    [
        # A template default (the site's name) is no title; the real one finds its line.
        (
            '<meta name="SiteName" content="测试县融媒体中心">'
            '<meta name="ArticleTitle" content="测试县融媒体中心">',
            "测试县融媒体中心",
        ),
        (
            '<meta name="SiteName" content="测试县融媒体中心">'
            '<meta name="ArticleTitle" content="田园镇夏播工作有序推进">',
            "田园镇夏播工作有序推进",
        ),
    ],
)
def test_article_title_meta_is_evidence(metas, expected):
    html = (
        f"<html><head><title>测试县融媒体中心</title>{metas}</head><body>"
        "<h1>测试县融媒体中心</h1><div class=t>田园镇夏播工作有序推进</div>"
        "<div>时间：2024-06-05 11:28 来源：田园镇人民政府</div><p>"
        + "连日来，田园镇抢抓有利天气，组织群众开展玉米、烤烟等作物移栽，全镇夏播工作有序推进。" * 3
        + "</p></body></html>"
    )
    assert (
        extract_article(html, "http://www.example.cn/a/202406/t20240605_1.html").title == expected
    )


# One page shape, many date/来源/编辑 lines: each row is a class of real pages (issue 7).
_COUNTY_TEXT = (
    "<p>记者从县交通运输局获悉，全县今年计划新建改建农村公路一百二十公里，实施危桥改造三十座。</p>"
    "<p>目前，各乡镇项目已陆续开工，县里组织技术人员分片包干，深入工地开展质量安全检查。</p>"
    "<p>据介绍，项目建成后将惠及沿线群众三万余人，进一步方便群众出行和农产品运输。</p>"
)


def _county_page(top: str = "", under: str = "", after: str = "", side: str = "") -> str:
    return (
        "<html><head><title>全县新建改建农村公路一百二十公里_本地新闻_永平在线</title></head><body>"
        '<div class="nav"><a href="/">首页</a> <a href="/bdxw/">本地新闻</a> '
        '<a href="/ms/">民生</a></div>'
        f"{top}<h1>全县新建改建农村公路一百二十公里</h1>{under}"
        f'<div class="content">{_COUNTY_TEXT}</div>{after}{side}'
        '<div class="foot">永平在线 版权所有</div></body></html>'
    )


_COUNTY_URL = "http://www.ypzx.example.cn/bdxw/2024-06-05/1523.html"


@pytest.mark.parametrize(
    ("html", "date", "source"),
    [
        # a label without its colon
        (
            _county_page(under="<div>发布时间 2005/03/15 22:36:13　来源 县交通运输局</div>"),
            "2005/03/15 22:36:13",
            "县交通运输局",
        ),
        # a minified split widget: year, month-day and time in boxes of their own
        (
            _county_page(
                under='<div class="d"><span>2024</span><span>06-05</span><span>16:33</span>'
                "</div><div>来源：永平日报</div>"
            ),
            "2024 06-05 16:33",
            "永平日报",
        ),
        # a year-less date with its time (the year comes from the URL, in the loaders)
        (
            _county_page(under="<div><span>永平日报</span><span>06-05 16:33</span></div>"),
            "06-05 16:33",
            "永平日报",
        ),
        # a two-digit year (DedeCMS MyDate('y-m-d H:i'))
        (
            _county_page(
                under="<div><small>时间:</small>24-06-05 09:30<small>来源:</small>永平日报</div>"
            ),
            "24-06-05 09:30",
            "永平日报",
        ),
        # a 摘要 box between the headline and an unlabelled date line
        (
            _county_page(
                under="<div><b>摘要：</b>全县今年计划新建改建农村公路一百二十公里，实施危桥改造三十座，"
                "惠及沿线群众三万余人，项目已陆续开工建设。</div>"
                "<div>2024-06-05 17:20　永平日报</div>"
            ),
            "2024-06-05 17:20",
            "永平日报",
        ),
        # a forum's posting note below the text; the member box's 注册 date is not it
        (
            _county_page(
                under="<div>注册：2003-5-20</div>",
                after="<div>本贴由小巷深处于2005年8月12日16:12:21在【西城论坛】发表</div>"
                "<div>本贴由路人甲于2005年8月12日18:40:02在【西城论坛】回复</div>",
            ),
            "2005年8月12日16:12:21",
            None,
        ),
        # a blog's "posted @" under the text
        (
            _county_page(
                after='<div class="postDesc">posted @ 2019-09-10 21:35 '
                '<a href="/fenbihui/">山里的粉笔灰</a>'
                ' 阅读(1532) <a href="#">编辑</a> <a href="#">收藏</a></div>'
            ),
            "2019-09-10 21:35",
            None,
        ),
    ],
)
def test_date_line_classes(html, date, source):
    article = extract_article(html, _COUNTY_URL)
    assert article.date_text is not None and date in article.date_text
    assert clean_source(article.source_text) == source
    assert article.is_article is True


def test_header_row_date_never_wins():
    """Today's date beside the site's name in the header bar is not the article's date."""
    top = '<div class="topbar">永平在线 2026年11月29日 10:21 <a href="/login/">登录</a></div>'
    article = extract_article(_county_page(top=top), _COUNTY_URL)
    assert article.date_text is None or "2026" not in article.date_text


@pytest.mark.parametrize(
    ("after", "source", "editor"),
    [
        # 来源 in a copyright line under the text
        ('<div class="cr">本文来源：大理日报　版权所有，转载请注明出处</div>', "大理日报", None),
        ('<div class="cr">（版权所有 大理日报社 来源：大理日报）</div>', "大理日报", None),
        # 责编 wins over a plain 编辑, whichever comes first
        ("<p>文字：罗蓉　摄影：杨凯　编辑：周洁　责编：刀文华　审核：李红</p>", None, "刀文华"),
        ("<p>编辑：周洁</p><p>[责编 普丽]</p>", None, "普丽"),
        ("<p>编辑｜周洁　责任编辑｜刀文华</p>", None, "刀文华"),
    ],
)
def test_closing_lines(after, source, editor):
    html = _county_page(under="<div>2024-06-05 08:41　作者：杨丽萍</div>", after=after)
    article = extract_article(html, _COUNTY_URL)
    assert clean_source(article.source_text) == source
    assert clean_editor(article.editor_text) == editor


def test_section_link_in_the_source_slot_is_no_source():
    under = (
        '<div class="byline">2024-06-05 15:10 来源：<a href="http://www.ypzx.example.cn/ms/">民生</a>'
        " 作者：陈雨</div>"
    )
    article = extract_article(
        _county_page(under=under, after="<p>（来源：永平日报）</p>"), _COUNTY_URL
    )
    assert clean_source(article.source_text) == "永平日报"


@pytest.mark.parametrize(
    "box",
    [
        '<div class="share"><div>分享到：</div><p>觉得这篇文章不错？分享给朋友吧！'
        "扫一扫，用微信把本文分享到朋友圈，"
        "或者复制链接发给好友，让更多人看到家乡的新变化、新发展、新气象。</p></div>",
        '<aside class="promo"><h3>永平融媒客户端</h3>'
        "<p>下载永平融媒客户端，第一时间了解本地新闻资讯。这里有最新鲜的"
        "本地新闻、最全面的政务信息、最便捷的生活服务，还有精彩的直播和互动活动等你参与。</p>"
        "<p>扫描下方二维码，或在各大应用商店搜索“永平融媒”即可下载安装，注册即可参与抽奖！</p></aside>",
    ],
)
def test_share_and_promo_boxes_are_never_the_body(box):
    short = (
        "<p>记者从县交通运输局获悉，全县今年计划新建改建农村公路一百二十公里。</p>"
        "<p>目前项目已陆续开工。</p>"
    )
    html = _county_page(
        under="<div>发布时间：2024-06-05 11:02　来源：永平日报</div>", side=box
    ).replace(_COUNTY_TEXT, short)
    article = extract_article(html, _COUNTY_URL)
    assert article.is_article is True
    assert article.paragraphs == [
        "记者从县交通运输局获悉，全县今年计划新建改建农村公路一百二十公里。",
        "目前项目已陆续开工。",
    ]


def test_government_bulletin_body_is_found():
    items = "".join(
        f"<div>{x}</div>"
        for x in (
            "各乡镇人民政府，县级各部门：",
            "根据有关要求，县政府办公室对全县政府网站开展了第一季度检查，现将有关情况通报如下：",
            "一、总体情况",
            "本次共检查政府网站32个，合格率为100%。",
            "二、存在问题",
            "1.个别栏目更新不及时。",
            "2.部分链接无法访问。",
            "三、工作要求",
            "各单位要对照问题清单，于4月30日前完成整改。",
            "永平县人民政府办公室",
            "2024年4月12日",
        )
    )
    html = _county_page(under="<div>发布日期：2024-04-12　来源：县政府办公室</div>").replace(
        _COUNTY_TEXT, items
    )
    article = extract_article(html, _COUNTY_URL)
    assert article.is_article is True
    assert article.paragraphs[0] == "各乡镇人民政府，县级各部门："
    assert article.paragraphs[-1] == "2024年4月12日"
    assert len(article.paragraphs) == 11


@pytest.mark.parametrize(
    ("h1", "title"),
    [
        # PHPCMS v9 show.html: the date line after a break, inside the headline
        (
            "通海县启动烟叶收购工作<br /><span>2024-06-05 16:33:17&nbsp;来源：玉溪日报&nbsp;"
            '点击：<span id="hits"></span></span>',
            "通海县启动烟叶收购工作",
        ),
        # the date line as the heading's closing box, no break
        (
            '通海县启动烟叶收购工作<span class="time">2024-06-05 16:33</span>',
            "通海县启动烟叶收购工作",
        ),
        # a date in the headline's own words stays
        ("通海县<em>2024年6月5日</em>启动烟叶收购工作", "通海县2024年6月5日启动烟叶收购工作"),
        ("2024年6月5日起通海县启动烟叶收购", "2024年6月5日起通海县启动烟叶收购"),
    ],
)
def test_date_line_inside_the_headline_is_not_title(h1, title):
    html = (
        "<html><head><title>玉溪网</title></head><body>"
        f"<h1>{h1}</h1><div>来源：玉溪日报</div><p>"
        + "记者从县烟草公司获悉，全县今年计划收购烟叶二十万担，收购站点已全部开秤。" * 4
        + "</p></body></html>"
    )
    assert extract_article(html, "http://www.example.cn/news/2024-06-05/1.html").title == title
