"""A MongoDB wire-protocol server for trying and testing newsportal, no mongod needed.

    python scripts/mongo_dev_server.py                      # 127.0.0.1:27017, data in var/mongo-dev
    python scripts/mongo_dev_server.py --port 27018 --data-dir /tmp/m
    MONGO_URI=mongodb://127.0.0.1:27017/?directConnection=true scrapy crawl jiulong

It runs nx-27017 (SQLite-backed, pymongo-compatible; `pip install -r requirements-dev.txt`)
with one fix. nx-27017 0.8.1 stores a top-level datetime given to ``$set`` on an *existing*
document as a string (its SQL fast path hands the value to sqlite3's default adapter): a plain
``nx-27017`` turns every ``published_at`` into a string on the second write of an article.
MongoDB keeps it a date, so such updates are sent down nx-27017's own Python update path, which
keeps dates. Nothing else about the server is changed; every nx-27017 option is accepted.

The test suite's MongoDB fixture (tests/mongo_fixtures.py) and `make demo` start this script.
It is a development server: no authentication, no replication; use mongod in production.
"""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = ROOT / "var" / "mongo-dev"


def keep_dates() -> None:
    """Route ``$set``/``$setOnInsert`` updates holding a datetime past the SQL fast path."""
    from neosqlite.collection.query_helper._sql_updates import SqlUpdatesMixin

    can_use_sql = SqlUpdatesMixin._can_use_sql_updates

    def _keeps_dates(self, spec, doc_id, original_doc=None):  # type: ignore[no-untyped-def]
        if any(
            isinstance(value, datetime.datetime)
            for operator in spec.values()
            if isinstance(operator, dict)
            for value in operator.values()
        ):
            return False
        return can_use_sql(self, spec, doc_id, original_doc)

    SqlUpdatesMixin._can_use_sql_updates = _keeps_dates


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not any(arg in ("--data-dir", "--db") or arg.startswith("--data-dir=") for arg in args):
        DEFAULT_DATA_DIR.mkdir(parents=True, exist_ok=True)
        args += ["--data-dir", str(DEFAULT_DATA_DIR)]
    keep_dates()
    from nx_27017.nx_27017 import main as nx_main

    sys.argv = ["nx-27017", *args]
    return nx_main() or 0


if __name__ == "__main__":
    sys.exit(main())
