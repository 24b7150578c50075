"""The loader turns raw page parts into the stored article: clean, typed, never lost."""

import datetime as dt

from newsportal.extraction import RawArticle
from newsportal.loaders import load_article
from newsportal.processors import TZ

NOW = dt.datetime(2024, 6, 10, 4, 0, tzinfo=dt.UTC)
URL = "http://news.jiulongw.cn/china/2024-06-05/142465.html"


def raw(**fields) -> RawArticle:
    values = {
        "url": URL + "?utm_source=wechat#comments",
        "title": "  2023年山西破获电信网络诈骗案件1.7万余起\u200b",
        "date_text": "2024-06-05 16:33:17\u3000来源：中国新闻网\xa0浏览次数：",
        "editor_text": "责任编辑：代平",
        "keywords_text": "关健词：",
        "section": " 国内新闻 ",
        "paragraphs": ["  中新网太原6月5日电(杨静 李庭耀)记者…", "", "\u3000同时，山西…"],
        "images": [{"url": "http://news.jiulongw.cn/a.jpg", "caption": " 新闻发布会现场。 "}],
        "related": [URL + "?utm_source=related", "http://news.jiulongw.cn/china/x/1.html#a"],
    }
    values.update(fields)
    return RawArticle(**values)


def test_seed_like_page_is_fully_normalised():
    item, unparsed = load_article(raw(), site="jiulong", now=NOW)
    assert unparsed == []
    assert dict(item) == {
        "url": URL,
        "site": "jiulong",
        "section": "国内新闻",
        "title": "2023年山西破获电信网络诈骗案件1.7万余起",
        "published_at": dt.datetime(2024, 6, 5, 16, 33, 17, tzinfo=TZ),
        "published_at_raw": "2024-06-05 16:33:17",
        "source": "中国新闻网",
        "editor": "代平",
        "keywords": [],
        "body": "中新网太原6月5日电(杨静 李庭耀)记者…\n同时，山西…",
        "images": [{"url": "http://news.jiulongw.cn/a.jpg", "caption": "新闻发布会现场。"}],
        "related": [URL, "http://news.jiulongw.cn/china/x/1.html"],
        "crawled_at": NOW,
        "aliases": [],
    }


def test_unparseable_date_is_none_and_reported_not_lost():
    item, unparsed = load_article(raw(date_text="发布时间：不详"), site="jiulong", now=NOW)
    assert item["published_at"] is None
    assert item["published_at_raw"] == "发布时间：不详"
    assert unparsed == ["published_at"]
    assert item["title"]


def test_missing_parts_are_explicit_none_or_empty():
    item, _ = load_article(RawArticle(url=URL), site="jiulong", now=NOW)
    assert item["title"] is None and item["body"] is None and item["published_at"] is None
    assert item["keywords"] == [] and item["images"] == [] and item["related"] == []


def test_page_canonical_link_wins_and_fetched_url_becomes_alias():
    page = raw(canonical_url=URL)
    item, _ = load_article(
        page, site="jiulong", url="http://news.jiulongw.cn/m/china/142465.html", now=NOW
    )
    assert item["url"] == URL
    assert item["aliases"] == ["http://news.jiulongw.cn/m/china/142465.html"]


def test_relative_date_counts_from_crawl_time():
    item, _ = load_article(raw(date_text="3小时前 来源：保山日报"), site="jiulong", now=NOW)
    assert item["published_at"] == dt.datetime(2024, 6, 10, 9, 0, tzinfo=TZ)
    assert item["source"] == "保山日报"


def test_keywords_split_and_deduplicated():
    item, _ = load_article(raw(keywords_text="关键词：保山 旅游，保山"), site="jiulong", now=NOW)
    assert item["keywords"] == ["保山", "旅游"]


def test_canonical_link_to_home_page_or_other_site_is_ignored():
    for canonical in ("http://news.jiulongw.cn/", "http://www.example.com/china/142465.html"):
        item, _ = load_article(raw(canonical_url=canonical), site="jiulong", now=NOW)
        assert item["url"] == URL
        assert item["aliases"] == []


def test_photo_story_without_paragraphs_keeps_its_captions_as_body():
    photos = [
        {"url": "http://news.jiulongw.cn/1.jpg", "caption": "腾冲银杏村"},
        {"url": "http://news.jiulongw.cn/2.jpg", "caption": None},
        {"url": "http://news.jiulongw.cn/3.jpg", "caption": "和顺古镇"},
    ]
    item, _ = load_article(raw(paragraphs=[], images=photos), site="jiulong", now=NOW)
    assert item["body"] == "腾冲银杏村\n和顺古镇"
    assert len(item["images"]) == 3


def test_year_less_date_takes_its_year_from_the_page_hints():
    item, unparsed = load_article(
        raw(date_text="10-08 12:00 来源：潇湘晨报", date_hints=["2021-10-08", "2019-01-01"]),
        site="jiulong",
        now=NOW,
    )
    assert item["published_at"] == dt.datetime(2021, 10, 8, 12, 0, tzinfo=TZ)
    assert item["published_at_raw"] == "10-08 12:00"
    assert unparsed == []
