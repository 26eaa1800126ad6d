"""``c360 serve``: the HTTP API."""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile

from app.cli.common import Subcommands
from app.engine import read_policy
from app.settings import Settings


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    host = args.host or settings.host
    port = args.port or settings.port
    read_policy(settings.policy_file)  # fail before binding the port
    metrics_dir = None
    if args.workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # one /metrics for every worker: the workers share a directory of counters
        metrics_dir = tempfile.mkdtemp(prefix="c360-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    try:
        uvicorn.run(
            "app.api.main:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=args.workers,
            log_level=settings.log_level,
            proxy_headers=True,
            server_header=False,
            access_log=False,  # ours logs the route template; uvicorn's would log query values
        )
    finally:
        if metrics_dir is not None:  # ours alone: a directory the operator named stays
            shutil.rmtree(metrics_dir, ignore_errors=True)
            del os.environ["PROMETHEUS_MULTIPROC_DIR"]
    return 0


def register(sub: Subcommands) -> None:
    """Add the command to the ``c360`` parser."""
    serve = sub.add_parser("serve", help="run the HTTP API (default 127.0.0.1:8360)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.set_defaults(run=_serve)
