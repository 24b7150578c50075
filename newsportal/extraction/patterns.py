"""What the extractor looks for, compiled once: the labels (来源, 责任编辑, 关健词, 推荐阅读,
当前位置 ...), date and credit shapes, notices that end a text, and the tag sets that tell noise,
inline and block elements apart."""

from __future__ import annotations

import re

_D = "[0-9０-９]"
# Every shape below starts with a digit, 昨/前/今 or 刚: the lookahead lets the engine pass over
# each other position with one character test instead of trying every shape there (six times
# faster on prose, and this runs on every candidate line of every page).
_DATE_RE = re.compile(
    r"(?=[0-9０-９昨前今刚])"
    rf"(?:{_D}{{4}}\s*[-/.年－／．]\s*{_D}{{1,2}}\s*[-/.月－／．]\s*{_D}{{1,2}}"
    rf"|{_D}{{4}}\s+{_D}{{1,2}}\s*[/-]\s*{_D}{{1,2}}\s+{_D}{{1,2}}:{_D}{{2}}"
    rf"|{_D}{{1,2}}月{_D}{{1,2}}日\s*{_D}{{1,2}}[:：]{_D}{{2}}"
    # Year-less or two-digit-year dates with a time: "10-08 12:00", "18-03-08 23:16"
    # (mobile pages, DedeCMS's MyDate('y-m-d H:i')); the year comes from meta or the URL.
    rf"|(?<![0-9０-９-])(?:{_D}{{2}}[-/.])?{_D}{{1,2}}-{_D}{{1,2}}\s+{_D}{{1,2}}[:：]{_D}{{2}}"
    rf"|(?:昨天|前天|今天)\s*{_D}{{1,2}}[:：]{_D}{{2}}"
    rf"|{_D}+\s*(?:分钟|小时|天)前|刚刚)"
)
_DATE_ONLY_RE = re.compile(rf"^[\[【(（]?\s*{_D}{{2,4}}[-/.年]{_D}{{1,2}}[-/.月]{_D}{{1,2}}")
# 来源 of the article, never 图片来源 (a photo credit).
_SOURCE_RE = re.compile(
    r"(?<!图)(?<!图片)(?:文章来源|信息来源|新闻来源|来源于?|稿源|出处|来自)\s*[:：]"
)
_SOURCE_LINE_RE = re.compile(
    r"^[\[【(（]?\s*(?:本文来源|文章来源|信息来源|新闻来源|来源于?|稿源)\s*[:：]"
)
_DATE_LABEL_RE = re.compile(r"(?:发布|更新|发表|时间|日期)")
# What introduces a date without a label: a posting note's "由 X 于" (本贴由小巷深处于2005年8月12日
# 16:12:21在【论坛】发表) and a blog footer's "posted @".
_POSTED_RE = re.compile(r"(?:由[^，。\s]{1,20}于|posted\s*(?:@|on|at)?)\s*$", re.I)
_ABSOLUTE_DATE_RE = re.compile(rf"{_D}{{4}}")
# A date printed without (all of) its year: kept as printed, its year is read from the hints.
_YEARLESS_DATE_RE = re.compile(rf"(?:{_D}{{2}}[-/.])?{_D}{{1,2}}(?:-{_D}{{1,2}}\s|月)")
# Labels that end the source part of a date/来源 line.
_AFTER_SOURCE_RE = re.compile(
    r"\s(?=\S*(?:浏览|阅读|点击|作者|责任编辑|编辑|发布|时间|日期|字号|字体|评论|分享|打印|"
    r"人参与|次)\S*)|[|｜【\[]|\s{2,}"
)
# Credits printed without colons: "编辑 张彤", "编辑 刘梦婕 校对 李立军".
_CREDIT_WORDS = "校对|审核|审校|监制|签发|终审|二审|三审|责编|作者|记者|摄影"
_BARE_NAME = rf"\s+(?=[^\s:：]{{2,8}}(?:\s+(?:{_CREDIT_WORDS})\s*[^\s:：]{{2,8}})*\s*[\]】)）]?$)"
# "责任编辑：代平", and the colon-less "编辑 张彤" when the line is only credits.
_EDITOR_RE = re.compile(rf"^[\[【(（]?\s*(?:责任编辑|责编|编辑)(?:\s*[:：]|{_BARE_NAME})")
_CHIEF_EDITOR_RE = re.compile(rf"^[\[【(（]?\s*(?:责任编辑|责编)(?:\s*[:：｜|]|{_BARE_NAME})")
# New media print "｜" where others print a colon: "编辑｜周洁 责任编辑｜刀文华".
_EDITOR_INLINE_RE = re.compile(r"(?:责任编辑|责编)\s*[:：｜|]")
# A bare 编辑 inside a credits line ("（审核：张强 编辑：刘洋）", "作者｜李明 编辑｜王芳"):
# new media print "｜" where others print a colon.
_BARE_EDITOR_INLINE_RE = re.compile(r"(?:^|(?<=[\s（(【\[]))编辑\s*[:：｜|]")
_LABEL_BAR_RE = re.compile(r"^([\[【(（]?\s*(?:责任编辑|责编|编辑))\s*[｜|]\s*")
# 关键词 with or without a colon; 标签/Tags with a colon, or as a label of its own before the tag
# links (WordPress: <span class="screen-reader-text">标签</span><a rel="tag">…</a>); PHPCMS v9
# prints 相关热词搜索：.
_KEYWORDS_RE = re.compile(
    r"^[\[【(（]?\s*(?:文章|本文)?(?:(?:关健词|关键词|关键字)\s*[:：]?"
    r"|(?:标签|Tags?|(?:相关)?热词(?:搜索)?)\s*[:：]|(?:标签|Tags?)(?:\s+(?=\S)|$))",
    re.I,
)
_RELATED_RE = re.compile(
    r"^[\[【(（]?\s*(?:推荐阅读|相关阅读|相关新闻|相关文章|延伸阅读|热点推荐|相关推荐|相关链接|相关报道)"
)
_CRUMB_LABEL_RE = re.compile(r"(?:当前位置|您的位置|你的位置|所在位置|位置)\s*[:：]?")
# Breadcrumb separators; never "|", which separates menu entries.
_CRUMB_SEP_RE = re.compile(r"^[\s>»›→/＞-]*$")
_CRUMB_SPLIT_RE = re.compile(r"\s*(?:>+|»|›|→|＞+|/)\s*")
_CRUMB_SKIP = {
    "首页", "主页", "网站首页", "home", "Home", "HOME", "正文", "正文内容", "内容", "查看内容",
    "详细内容", "文章内容", "内容页", "详情", "阅读文章",
}  # fmt: skip
# A paragraph starting with one of these ends the body (once some body was seen): headings
# of what follows an article (short lines), and notices of any length.
_STOP_HEAD_RE = re.compile(
    r"^[\[【(（]?\s*(?:推荐阅读|相关阅读|相关新闻|相关文章|延伸阅读|热点推荐|相关推荐|相关链接|相关报道|"
    r"责任编辑|责编|编辑\s*[:：]|关健词|关键词|关键字|标签\s*[:：]|相关热词|"
    r"上一篇|下一篇|上一条|下一条|分享到|分享至|纠错|打印本页|关闭窗口|返回顶部|文章导航|"
    r"网友评论|发表评论|我要评论|热门评论|最新评论)"
)
_STOP_NOTICE_RE = re.compile(
    r"^[\[【(（]?\s*(?:免责声明|版权声明|特别声明|平台声明|广告声明|风险提示|本文来源)"
)


# Reprint notices and app promotions that close many articles. As in _DATE_RE, a lookahead
# names the characters every shape starts with, so the engine passes over other positions
# with one test (two to three times faster on prose).
_NOTICE = (
    r"(?:未经\S{0,4}授权|严禁|禁止|不得)\S{0,6}转载|转载请注明|"
    r"(?:下载|打开|尽在|关注|扫码)\S{0,12}(?:APP|App|app|客户端|公众号)|扫描\S{0,4}二维码|扫码关注"
)
_NOTICE_RE = re.compile(rf"(?=[未严禁不转下打尽关扫])(?:{_NOTICE})")
# Share widgets and promotion boxes: prose that asks the reader to share, scan or install,
# never the article, however punctuated (checked on short blocks only).
_PROMO_RE = re.compile(
    rf"(?=[未严禁不转下打尽关扫分应立])(?:{_NOTICE}"
    r"|分享(?:给|到|至)\S{0,6}(?:朋友|好友|微信|微博)|扫一扫"
    r"|扫码\S{0,6}(?:下载|关注|安装)|应用商店|立即下载|下载安装)"
)


def _is_stop(text: str) -> bool:
    return bool(
        _STOP_NOTICE_RE.match(text)
        or (len(text) <= 40 and (_STOP_HEAD_RE.match(text) or _EDITOR_RE.match(text)))
        or (len(text) <= 60 and _NOTICE_RE.search(text))
    )


# Short widget texts inside article containers that are never body paragraphs.
_JUNK_RE = re.compile(
    r"^[【\[(（]?\s*(?:(?:字[号体]|阅读[数量]?|点击[数量]?|浏览次数|来源|作者|广告|推广)\s*[:：]|"
    r"(?:打印本页|关闭窗口|返回顶部|返回首页|返回列表|分享到|打印|收藏|分享|扫一扫|返回|关闭|举报|"
    r"原文链接)(?:$|[\s】\]）)|:：])|[图文]\s*/|[大中小]\s+[大中小]\s+[大中小]|"
    r"(?:广告|推广|AD|赞助)$|"
    # a gallery's picture counter (3/8), a forum's edit note, an app's name or a live
    # blog's time stamp alone on its line
    r"\d{1,3}\s*/\s*\d{1,3}$|本帖最后由|[^\s，。]{2,10}(?:APP|App)$|"
    r"[0-2]?[0-9][:：][0-5][0-9]$)"
)
# A pager inside the text box ("共3页 1 2 3 下一页"): links and page words only.
_PAGER_RE = re.compile(
    r"^(?:[共第]\s*\d+\s*页|分页\s*[:：]?|上一页|下一页|首页|尾页|末页|\d+|[<>«»]+|\s)+$"
)


def _is_pager(text: str) -> bool:
    """Page words or a run of page numbers; a lone number may be a table cell."""
    return bool(_PAGER_RE.match(text)) and ("页" in text or len(text.split()) >= 3)


_CAPTION_RE = re.compile(
    r"(?:^(?:视频|音频)[:：]|供图|(?:\s|摄|/)图$|摄$|摄\s*[)）]?$|摄影|图源|图片来源|资料图|图为|图[:：]|视觉中国|新华社发|"
    r"记者\S{0,8}摄|[（(]图[）)]|图片[:：])"
)
# A caption whose picture did not come through (lazy-loaded, script-drawn): a short
# line ending in a photo credit is still a caption, never a paragraph.
_ORPHAN_CAPTION_RE = re.compile(r"(?:供图|(?<!拍)摄|图片来源[:：]\S+|资料图)\s*[)）]?$")
_BAD_IMG = (
    r"(?:logo|icon|avatar|share|qrcode|erweima|ewm|weixin|wechat|spacer|blank|pixel|"
    r"loading|lazy|placeholder|/ad[sv]?/|banner|btn|button|arrow|dot\.|counter|stat\.|"
    r"next_?page|prev_?page|nextpage|prevpage)"
)
_BAD_IMG_RE = re.compile(_BAD_IMG, re.I)
_BAD_IMG_LOWER_RE = re.compile(_BAD_IMG)


def _bad_img(address: str) -> bool:
    """An icon, a logo, a spacer, a button: ``_BAD_IMG_RE`` finds its word in the address.

    An ASCII address (nearly all of them) is lower-cased and searched without IGNORECASE,
    which finds the same words five times faster: IGNORECASE keeps the engine from skipping
    ahead. Other addresses keep IGNORECASE, whose Unicode case rules ``str.lower()`` does
    not share."""
    if address.isascii():
        return _BAD_IMG_LOWER_RE.search(address.lower()) is not None
    return _BAD_IMG_RE.search(address) is not None


_SITE_SEP_RE = re.compile(r"\s*(?:[_|｜–—]|\s-\s|-|_)\s*")

# fmt: off
_NOISE_TAGS = (
    "script", "style", "noscript", "template", "iframe", "svg", "button", "select", "textarea",
    "input", "object", "embed", "canvas", "map",
)
# fmt: on
# fmt: off
_INLINE = frozenset(
    (
        "a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "em", "font", "i", "kbd", "label",
        "mark", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "time", "tt",
        "u", "var", "wbr", "nobr", "ins", "del",
    )
)
# fmt: on
_HEADINGS = ("h1", "h2", "h3")
_PUNCT_RE = re.compile(r"[，。！？；、]")
_SENTENCE_PUNCT_RE = re.compile(r"[，。！？；]")
_CTRL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CTRL_BYTES = bytes((*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)))  # _CTRL_RE's bytes
_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
# The first characters of the labels, looked ahead for as in _DATE_RE: this runs on every
# text run of every page.
_LABEL_HINT_RE = re.compile(
    "(?=[编责关标推相延位来稿Tt])"
    "(?:编辑|责编|关健|关键|标签|Tag|推荐|相关|延伸阅读|位置|来源|稿源)",
    re.I,
)

# Pictures as AMP/MIP pages write them, too.
_IMG_TAGS = ("img", "amp-img", "mip-img")

_SENTENCE_END = tuple("。！？!?”」）)…")
