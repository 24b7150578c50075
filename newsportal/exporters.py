"""JSON and JSON Lines export that keep time zones.

Scrapy's JSON encoder writes datetimes as naive "YYYY-MM-DD HH:MM:SS", silently dropping the
+08:00 of a Chinese portal's publish time; ISO 8601 keeps it.
"""

import datetime as dt
from typing import Any

from scrapy.exporters import JsonItemExporter, JsonLinesItemExporter
from scrapy.utils.serialize import ScrapyJSONEncoder


class IsoJSONEncoder(ScrapyJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime):
            return o.isoformat()
        return super().default(o)


class JsonLinesExporter(JsonLinesItemExporter):
    def __init__(self, file: Any, **kwargs: Any) -> None:
        super().__init__(file, **kwargs)
        self.encoder = IsoJSONEncoder(**self._kwargs)


class JsonExporter(JsonItemExporter):
    def __init__(self, file: Any, **kwargs: Any) -> None:
        super().__init__(file, **kwargs)
        self.encoder = IsoJSONEncoder(**self._kwargs)
