"""Offline demo: crawl the bundled replica of 九龙网 exactly as the real site would be crawled.

The replica server on 127.0.0.1 doubles as an HTTP proxy, so ``scrapy crawl jiulong`` runs
unmodified, with the portal's real URLs. Articles land in output/demo/jiulong.jsonl, anew on
every demo run (or in MongoDB when MONGO_URI is set).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.replica.server import ReplicaServer  # noqa: E402
from tests.replica.site import build_site  # noqa: E402


def main() -> int:
    replica = ROOT / "var" / "replica"
    if not (replica / "truth.json").exists():
        print(f"Building the replica in {replica} ...")
        build_site(replica)
    truth = json.loads((replica / "truth.json").read_text(encoding="utf-8"))
    output = ROOT / "output" / "demo" / "jiulong.jsonl"
    output.unlink(missing_ok=True)
    state = ROOT / "var" / "demo-data"  # the demo's own incremental store and monitor history
    shutil.rmtree(state, ignore_errors=True)
    with ReplicaServer(replica) as server:
        print(f"Replica of 九龙网 serving as proxy at {server.proxy_url}")
        env = {
            **os.environ,
            "http_proxy": server.proxy_url,
            "NEWSPORTAL_AUTOTHROTTLE": "0",
            "NEWSPORTAL_DOWNLOAD_DELAY": "0",
            "NEWSPORTAL_CONCURRENT_REQUESTS_PER_DOMAIN": "8",
            "NEWSPORTAL_DATA_DIR": str(state),
            "NEWSPORTAL_FEED": str(output),
        }
        command = [sys.executable, "-m", "scrapy", "crawl", "jiulong"]
        print("Running:", " ".join(command[2:]), f"(http_proxy={server.proxy_url})")
        result = subprocess.run(command, cwd=ROOT, env=env, check=False)
    if result.returncode == 0 and output.exists() and not os.environ.get("MONGO_URI"):
        articles = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
        print(f"\n{len(articles)} articles in {output} ({len(truth['articles'])} on the replica)")
        seed = next((a for a in articles if a["url"] == truth["seed_url"]), None)
        if seed:
            print("The seed article as stored:")
            print(json.dumps(seed, ensure_ascii=False, indent=2))
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
