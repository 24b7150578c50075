"""Deploys the project's egg to every scrapyd node of a schedules file:
``python -m newsportal.ops.deploy schedules.toml``.

The egg is built once, by scrapyd-client (``scrapyd-deploy --build-egg``, with the committed
setup.py), then uploaded to each node's ``addversion.json`` with the node's own credentials
(from the environment or a file, as the scheduler reads them). A node that is down or refuses
is reported and the others still get the egg; the exit status is 1 if any node missed it.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from newsportal.ops.scheduler import ConfigError, Node, load_config

logger = logging.getLogger("newsportal.ops.deploy")


def build_egg(project_dir: Path, destination: Path) -> Path:
    """scrapyd-client's egg build (``python setup.py bdist_egg`` of the committed setup.py)."""
    egg = destination / "project.egg"
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    result = subprocess.run(
        [sys.executable, "-m", "scrapyd_client.deploy", "--build-egg", str(egg)],
        cwd=project_dir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0 or not egg.exists():
        tail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise RuntimeError("building the egg failed: " + " | ".join(tail))
    return egg


def upload(node: Node, project: str, version: str, egg: Path, timeout: float) -> int:
    """addversion.json on one node; returns the number of spiders it reports."""
    with open(egg, "rb") as handle, requests.Session() as session:
        session.trust_env = False  # straight to the node, never through a crawl's proxy
        response = session.post(
            f"{node.url}/addversion.json",
            data={"project": project, "version": version},
            files=[("egg", ("project.egg", handle))],
            auth=node.auth,
            timeout=timeout,
        )
    if response.status_code in (401, 403):
        raise RuntimeError(f"HTTP {response.status_code} (check the node's credentials)")
    try:
        payload = response.json()
    except ValueError:
        raise RuntimeError(f"HTTP {response.status_code}, not JSON") from None
    if payload.get("status") != "ok":
        raise RuntimeError(str(payload.get("message") or payload).strip().splitlines()[-1])
    return int(payload.get("spiders", 0))


def deploy(config_path: str, project_dir: Path, version: str | None = None) -> int:
    config = load_config(config_path)
    projects = sorted({job.project for job in config.jobs})
    nodes = list(config.nodes)
    for job in config.jobs:  # entries with a url of their own
        nodes += [node for node in job.nodes if node not in nodes]
    version = version or str(int(time.time()))
    with tempfile.TemporaryDirectory(prefix="newsportal-egg-") as tmp:
        egg = build_egg(project_dir, Path(tmp))
        logger.info("Built %s (version %s)", egg.name, version)
        failed: set[str] = set()
        for node in nodes:
            for project in projects:
                try:
                    spiders = upload(node, project, version, egg, config.timeout * 6)
                except (requests.RequestException, RuntimeError) as exc:
                    failed.add(node.name)
                    reason = (
                        f"{exc.__class__.__name__}"
                        if isinstance(exc, requests.RequestException)
                        else str(exc)
                    )
                    logger.error(
                        "Node %s (%s): project %s NOT deployed: %s",
                        node.name,
                        node.url,
                        project,
                        reason,
                    )
                    continue
                logger.info(
                    "Node %s (%s): project %s version %s deployed, %d spiders",
                    node.name,
                    node.url,
                    project,
                    version,
                    spiders,
                )
    logger.info("Deployed to %d of %d nodes", len(nodes) - len(failed), len(nodes))
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m newsportal.ops.deploy",
        description="Build the egg once and upload it to every scrapyd node of a schedules file.",
    )
    parser.add_argument("config", help="schedules TOML file (its [nodes] or [scrapyd])")
    parser.add_argument("--project-dir", default=".", help="where setup.py and scrapy.cfg are")
    parser.add_argument("--version", default=None, help="egg version (default: a timestamp)")
    options = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s [%(name)s] %(levelname)s: %(message)s"
    )
    try:
        return deploy(options.config, Path(options.project_dir).resolve(), options.version)
    except (OSError, ConfigError, RuntimeError) as exc:
        logger.error("Deploy failed: %s", exc)
        return 2


if __name__ == "__main__":
    sys.exit(main())
