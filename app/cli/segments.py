"""``c360 segments`` (refresh, list) and ``c360 follow``: audiences and their activation."""

from __future__ import annotations

import argparse

from app.cli.common import Subcommands, open_engine
from app.settings import Settings


def _segments_refresh(args: argparse.Namespace, settings: Settings) -> int:
    from app.services import segment_engine, segments

    engine = open_engine(settings)
    followed = segment_engine.catch_up(engine)
    print(
        f"caught up: {followed.changes:,} change(s) followed, {followed.rechecked:,} re-checked, "
        f"{followed.entered:,} entered, {followed.exited:,} exited"
    )
    outcome = segments.recompute(engine, None, cause={"type": "refresh"})
    if not outcome.delta.history:
        print("refreshed: nothing to change, every membership was current")
        return 0
    print(f"refreshed: {outcome.entered:,} entered, {outcome.exited:,} exited")
    return 0


def _follow(args: argparse.Namespace, settings: Settings) -> int:
    import signal
    import threading

    from app.services.workers import feed_workers

    engine = open_engine(settings)
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    workers = feed_workers(engine, settings)
    for worker in workers:
        worker.start()
    print("following the change feed: segments and webhooks (Ctrl-C stops)", flush=True)
    done.wait()
    for worker in reversed(workers):
        worker.stop()
    return 0


def _segments_list(args: argparse.Namespace, settings: Settings) -> int:
    from app.services import segments

    for record in segments.list_segments(open_engine(settings)):
        print(f"{record.id}\t{record.name}")
    return 0


def register(sub: Subcommands) -> None:
    """Add the commands to the ``c360`` parser."""
    sub.add_parser(
        "follow", help="run the segment follower and webhook dispatcher (with C360_FOLLOWERS=false)"
    ).set_defaults(run=_follow)
    seg = sub.add_parser("segments", help="segments").add_subparsers(metavar="action")
    seg.add_parser(
        "refresh", help="follow the feed, then recompute every membership and report changes"
    ).set_defaults(run=_segments_refresh)
    seg.add_parser("list", help="list segments (id and name)").set_defaults(run=_segments_list)
