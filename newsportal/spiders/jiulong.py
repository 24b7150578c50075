"""九龙网 (jiulongw.cn), a Baoshan/Yunnan regional portal."""

from newsportal.spiders.base import PortalSpider


class JiulongSpider(PortalSpider):
    name = "jiulong"
    site = "jiulong"
    allowed_domains = ["jiulongw.cn"]
    start_urls = ["http://news.jiulongw.cn/"]
    # e.g. http://news.jiulongw.cn/china/2024-06-05/142465.html
    article_url_pattern = (
        r"^https?://[a-z0-9.-]*jiulongw\.cn/[\w/-]+/\d{4}-\d{1,2}-\d{1,2}/\d+\.html?$"
    )
    deny_url_patterns = (r"/(admin|member|user|login|search)\b", r"/print/")
