"""The offline demo site: ``python -m tests.replica serve --root DIR --port 8800 [--articles N]``.

Builds the replica when DIR has no truth.json, then serves it until Ctrl-C. ``--family NAME``
builds one of the CMS family replicas (tests/replica/cms: phpcms, dedecms, empirecms, trs_gov,
trs_media, wordpress) instead of 九龙网. ``--hostile`` serves it misbehaving (see
:mod:`tests.replica.hostile`): hanging, resetting, bomb and 50 MB pages, a redirect loop, links
to private IPs and ``file:``, and login walls and 系统繁忙 pages at some article URLs the first
time each is requested.
"""

import argparse
import signal
import time
from pathlib import Path

from tests.replica.cms import FAMILIES, build_family
from tests.replica.server import ReplicaServer
from tests.replica.site import build_site


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.replica")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="build the replica (if needed) and serve it")
    serve.add_argument("--root", type=Path, required=True)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8800)
    serve.add_argument("--articles", type=int, default=220)
    serve.add_argument("--extra", type=int, default=0)
    serve.add_argument("--seed", type=int, default=7)
    serve.add_argument("--family", choices=FAMILIES, help="a CMS family replica instead")
    serve.add_argument("--hostile", action="store_true", help="serve it misbehaving")
    build = sub.add_parser("build", help="(re)build the replica into ROOT and exit")
    build.add_argument("--root", type=Path, required=True)
    build.add_argument("--articles", type=int, default=220)
    build.add_argument("--extra", type=int, default=0)
    build.add_argument("--seed", type=int, default=7)
    build.add_argument("--family", choices=FAMILIES, help="a CMS family replica instead")
    args = parser.parse_args(argv)

    if args.command == "serve" and args.hostile:
        from tests.replica.hostile import HostileServer, build_hostile_site

        site = build_hostile_site(args.root, articles=args.articles, seed=args.seed)
        print(f"built {len(site.truth['articles'])} articles into {args.root}", flush=True)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        with HostileServer(site, host=args.host, port=args.port) as server:
            print(f"hostile replica serving; use: http_proxy={server.proxy_url}", flush=True)
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                print("stopped", flush=True)
        return
    if args.command == "build" or not (args.root / "truth.json").exists():
        if args.family:
            truth = build_family(args.root, args.family, articles=args.articles, seed=args.seed)
            print(f"crawl it with: scrapy crawl portal -a url={truth['home']}", flush=True)
        else:
            truth = build_site(args.root, articles=args.articles, extra=args.extra, seed=args.seed)
        print(f"built {len(truth['articles'])} articles into {args.root}", flush=True)
    if args.command == "build":
        return
    # Background jobs inherit SIGINT as ignored; make both INT and TERM stop the server cleanly.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with ReplicaServer(args.root, host=args.host, port=args.port) as server:
        print(f"replica serving; use: http_proxy={server.proxy_url}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print("stopped", flush=True)


if __name__ == "__main__":
    main()
