"""The one item newsportal produces: a news article, as stored."""

import scrapy


class NewsArticle(scrapy.Item):
    """One article page, cleaned and normalised by :mod:`newsportal.loaders`.

    Spiders never fill these fields by hand: they hand raw page parts to the loader,
    so every portal gets the same normalisation.
    """

    url = scrapy.Field()  # canonical URL: no fragment, tracking query stripped
    site = scrapy.Field()  # portal id, e.g. "jiulong"
    section = scrapy.Field()  # from the breadcrumb, e.g. "国内新闻"
    title = scrapy.Field()
    published_at = scrapy.Field()  # timezone-aware datetime (Asia/Shanghai) or None
    published_at_raw = scrapy.Field()  # the text the date was read from
    source = scrapy.Field()  # outlet name only, e.g. "中国新闻网"
    editor = scrapy.Field()  # 责任编辑
    keywords = scrapy.Field()  # list[str]
    body = scrapy.Field()  # clean text, paragraphs joined by "\n"
    images = scrapy.Field()  # list of {"url": str, "caption": str | None}
    related = scrapy.Field()  # canonical URLs of the 推荐阅读 links
    crawled_at = scrapy.Field()  # timezone-aware datetime (UTC)
    aliases = scrapy.Field()  # other URLs the same article was seen under
