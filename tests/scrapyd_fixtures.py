"""A real scrapyd on 127.0.0.1 in a temp dir, and deploying to it with scrapyd-client.

The deploy goes through the committed setup.py and scrapy.cfg exactly as a user runs it, from a
copy of the project (so the build does not litter the work tree and jobs can only import the
egg, never the source tree).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PROJECT = "newsportal"
# What a deploy needs from the repository; everything else stays behind.
PROJECT_FILES = ("setup.py", "scrapy.cfg", "pyproject.toml")
PROJECT_PACKAGE = "newsportal"

SCRAPYD_CONF = """\
[scrapyd]
bind_address = 127.0.0.1
http_port = {port}
eggs_dir = {root}/eggs
logs_dir = {root}/logs
dbs_dir = {root}/dbs
items_dir =
jobs_dir =
jobstorage = scrapyd.jobstorage.SqliteJobStorage
poll_interval = {poll_interval}
max_proc = 4
{auth}"""


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate: Any, timeout: float, interval: float = 0.2, what: str = "") -> Any:
    """Polls ``predicate`` until it returns something truthy; a timeout fails with ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}")
        time.sleep(interval)


class ScrapydServer:
    """``with ScrapydServer(tmp, env) as scrapyd: scrapyd.url ...``; stop/start keep the port
    and the data (eggs, sqlite queue and job storage), like restarting a real service."""

    def __init__(
        self,
        root: Path,
        env: dict[str, str] | None = None,
        poll_interval: float = 0.2,
        auth: tuple[str, str] | None = None,
    ) -> None:
        self.root = Path(root)
        self.auth = auth
        self.root.mkdir(parents=True, exist_ok=True)
        self.env = dict(env or {})
        self.poll_interval = poll_interval
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = self.root / "scrapyd.out"
        self.session = requests.Session()
        self.session.trust_env = False  # a developer's http_proxy must not see loopback calls
        self.session.auth = auth

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> ScrapydServer:
        auth = f"username = {self.auth[0]}\npassword = {self.auth[1]}\n" if self.auth else ""
        conf = SCRAPYD_CONF.format(
            port=self.port, root=self.root, poll_interval=self.poll_interval, auth=auth
        )
        (self.root / "scrapyd.conf").write_text(conf, "utf-8")
        env = {**os.environ, **self.env}
        env.pop("PYTHONPATH", None)  # jobs must import the deployed egg, not the source tree
        with open(self.log_path, "ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "scrapyd"],
                cwd=self.root,  # scrapyd reads ./scrapyd.conf; no scrapy.cfg up the tree
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, jobs included: see stop()
            )
        wait_until(self._ready, timeout, what=f"scrapyd on {self.url}")
        return self

    def _ready(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"scrapyd exited ({self.process.returncode}):\n{self.output()}")
        try:
            return self.api("daemonstatus.json")["status"] == "ok"
        except (requests.RequestException, ValueError):
            return False

    def stop(self) -> None:
        """Stops scrapyd and its running jobs, as a service manager does (the whole process
        group): scrapyd alone would leave its running jobs behind, unseen by the next scrapyd."""
        if self.process is None:
            return
        group = self.process.pid
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _group_alive(group):
            time.sleep(0.1)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)
        self.process = None

    def __enter__(self) -> ScrapydServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def output(self) -> str:
        return self.log_path.read_text("utf-8", errors="replace")[-5000:]

    # --- API -------------------------------------------------------------------------------------

    def api(self, endpoint: str, **params: Any) -> dict[str, Any]:
        response = self.session.get(f"{self.url}/{endpoint}", params=params, timeout=10)
        return response.json()

    def schedule(
        self,
        spider: str,
        settings: dict[str, str] | None = None,
        project: str = PROJECT,
        **args: str,
    ) -> str:
        data = [("project", project), ("spider", spider)]
        data += [("setting", f"{key}={value}") for key, value in (settings or {}).items()]
        data += list(args.items())
        payload = self.session.post(f"{self.url}/schedule.json", data=data, timeout=30).json()
        assert payload["status"] == "ok", payload
        return payload["jobid"]

    def jobs(self, project: str = PROJECT) -> dict[str, list[dict[str, Any]]]:
        return self.api("listjobs.json", project=project)

    def finished_job(self, jobid: str, project: str = PROJECT) -> dict[str, Any] | None:
        return next((job for job in self.jobs(project)["finished"] if job["id"] == jobid), None)

    def wait_finished(
        self, jobid: str, timeout: float = 120, project: str = PROJECT
    ) -> dict[str, Any]:
        return wait_until(
            lambda: self.finished_job(jobid, project),
            timeout,
            interval=0.5,
            what=f"job {jobid}",
        )

    def job_log(self, spider: str, jobid: str, project: str = PROJECT) -> str:
        return (self.root / "logs" / project / spider / f"{jobid}.log").read_text("utf-8")


def copy_project(dest: Path) -> Path:
    """The files a deploy reads (setup.py, scrapy.cfg, the package) in a directory of their own."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        shutil.copy2(ROOT / name, dest / name)
    shutil.copytree(
        ROOT / PROJECT_PACKAGE,
        dest / PROJECT_PACKAGE,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    return dest


def scrapyd_deploy(
    project_dir: Path, url: str, *args: str, target: str = "remote"
) -> subprocess.CompletedProcess[str]:
    """``SCRAPYD_URL=<url> scrapyd-deploy remote``, the documented way to deploy elsewhere."""
    env = {**os.environ, "SCRAPYD_URL": url, "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}
    env.pop("PYTHONPATH", None)
    return subprocess.run(
        [str(BIN / "scrapyd-deploy"), target, *args],
        cwd=project_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
