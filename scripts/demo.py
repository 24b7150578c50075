"""Offline demo of the MongoDB path, end to end, on the bundled replica of 九龙网.

1. starts the development MongoDB server (scripts/mongo_dev_server.py) on a free port;
2. serves the replica on 127.0.0.1 as an HTTP proxy, so ``scrapy crawl jiulong`` runs
   unmodified, with the portal's real URLs;
3. crawls it into MongoDB and shows what was stored: the count, one document, the indexes;
4. crawls again: the rerun is incremental, it skips every article already stored.

Everything lives under var/demo/ and starts afresh each run: the demo never reads your
environment's MONGO_* / NEWSPORTAL_* settings and never touches your own state
(~/.local/share/newsportal) or database.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.mongo_fixtures import NxServer  # noqa: E402
from tests.replica.server import ReplicaServer  # noqa: E402
from tests.replica.site import build_site  # noqa: E402

# DEMO_DIR moves it elsewhere (the test of the demo runs it in a temp dir).
DEMO = Path(os.environ.get("DEMO_DIR") or ROOT / "var" / "demo").resolve()
DATABASE, COLLECTION = "newsportal", "articles"


def crawl(run: str, env: dict[str, str]) -> dict[str, Any]:
    """One ``scrapy crawl jiulong``; its log goes to var/demo/<run>.log, its stats are returned."""
    stats_file = DEMO / f"{run}-stats.json"
    log = DEMO / f"{run}.log"
    command = [sys.executable, "-m", "scrapy", "crawl", "jiulong"]
    print(f"\n$ scrapy crawl jiulong    (log: {log})")
    with open(log, "w", encoding="utf-8") as out:
        result = subprocess.run(
            command,
            cwd=ROOT,
            env={**env, "NEWSPORTAL_STATS_FILE": str(stats_file)},
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    stats = json.loads(stats_file.read_text("utf-8")) if stats_file.exists() else {}
    stored = stats.get("newsportal/mongo/stored", stats.get("item_scraped_count", 0))
    print(
        f"  exit status {result.returncode}, finish_reason {stats.get('finish_reason')!r}, "
        f"pages downloaded {stats.get('downloader/response_count', 0)}, "
        f"articles stored {stored}, "
        f"skipped as already stored {stats.get('deltafetch/skipped_articles', 0)}, "
        f"closing checks failed {stats.get('newsportal/monitor/failed')}"
    )
    if result.returncode != 0:
        print(log.read_text("utf-8")[-3000:])
        raise SystemExit(result.returncode)
    return stats


def main() -> int:
    replica = ROOT / "var" / "replica"
    if not (replica / "truth.json").exists():
        print(f"Building the replica in {replica} ...")
        build_site(replica)
    truth = json.loads((replica / "truth.json").read_text(encoding="utf-8"))
    shutil.rmtree(DEMO, ignore_errors=True)
    DEMO.mkdir(parents=True)
    mongo = NxServer(DEMO / "mongo")
    mongo.start()
    try:
        with ReplicaServer(replica) as server:
            print(f"MongoDB (scripts/mongo_dev_server.py) at {mongo.uri}")
            print(f"Replica of 九龙网 serving as proxy at {server.proxy_url}")
            env = {
                key: value
                for key, value in os.environ.items()
                if not key.startswith(("MONGO_", "NEWSPORTAL_", "DELTAFETCH_"))
            }
            env.update(
                {
                    "http_proxy": server.proxy_url,
                    "MONGO_URI": mongo.uri,
                    "MONGO_DATABASE": DATABASE,
                    "MONGO_COLLECTION": COLLECTION,
                    "NEWSPORTAL_DATA_DIR": str(DEMO / "data"),
                    "NEWSPORTAL_AUTOTHROTTLE": "0",
                    "NEWSPORTAL_DOWNLOAD_DELAY": "0",
                    "NEWSPORTAL_CONCURRENT_REQUESTS_PER_DOMAIN": "8",
                }
            )
            crawl("run1", env)
            show_database(mongo, truth)
            second = crawl("run2", env)
            print(
                f"\nThe rerun is incremental: {second.get('deltafetch/skipped_articles', 0)} "
                f"articles skipped as already stored, "
                f"{second.get('item_scraped_count', 0)} downloaded again."
            )
    finally:
        mongo.stop()
    return 0


def show_database(mongo: NxServer, truth: dict[str, Any]) -> None:
    client = mongo.client()
    try:
        collection = client[DATABASE][COLLECTION]
        count = collection.count_documents({})
        print(
            f"\n{count} articles in MongoDB {DATABASE}.{COLLECTION} "
            f"({len(truth['articles'])} on the replica)"
        )
        print("Indexes:", ", ".join(sorted(collection.index_information())))
        seed = collection.find_one({"_id": truth["seed_url"]})
        print("The seed article as stored (published_at is a BSON date):")
        print(json.dumps(seed, ensure_ascii=False, indent=2, default=str))
    finally:
        client.close()


if __name__ == "__main__":
    sys.exit(main())
