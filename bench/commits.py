"""What a commit costs on a filled store: checkpoints inline against on their own thread.

    PYTHONPATH=. python bench/commits.py --store FILE [--records 20000] [--pairs 2] [--pages]

``FILE`` is a filled SQLite store (``bench/stitch_profile.py --fill N --store FILE`` makes
one). Each run copies it afresh, stitches ``--records`` fresh people's records
(``stitch_profile.fresh_records``, the records that benchmark measures) in batches of 1,000 and
reports the wall and process time of the whole and of the ``COMMIT`` statements alone, and
the size the write-ahead log reached. Runs alternate: inline checkpoints (SQLite's default,
the writer checkpoints inside the commit that takes the log past 1,000 pages), then the
store's checkpoint thread, ``--pairs`` times. ``--pages`` first counts the pages one batch
of 1,000 changes, by b-tree: the log is read frame by frame with checkpoints off, and each
frame's page is named through ``dbstat``.
Results: bench/results/commits.json (``--out NAME``) and a markdown table on stdout.
"""

from __future__ import annotations

import argparse
import gc
import json
import shutil
import sqlite3
import struct
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from stitch_profile import fresh_records  # a sibling: python puts bench/ on the path

import app.store.sqlite.store as sqlite_store
from app.engine import Engine
from app.runtime import GC_THRESHOLDS
from app.services.stitching import stitch
from resolvers.identity.normalise import Normaliser
from resolvers.identity.observations import RawObservation
from resolvers.identity.policy import load_policy

RESULTS = Path(__file__).parent / "results"
BATCH = 1000


class Commits:
    """Wall and process time spent in COMMIT statements."""

    wall = 0.0
    process = 0.0
    count = 0


class TimedConnection(sqlite3.Connection):
    """A connection that times its COMMITs into ``Commits``."""

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:  # type: ignore[override]
        if sql != "COMMIT":
            return super().execute(sql, *args)
        wall, process = time.perf_counter(), time.process_time()
        try:
            return super().execute(sql, *args)
        finally:
            Commits.wall += time.perf_counter() - wall
            Commits.process += time.process_time() - process
            Commits.count += 1


@contextmanager
def timed_commits() -> Iterator[None]:
    connect = sqlite3.connect
    sqlite_store.sqlite3.connect = (  # type: ignore[assignment]
        lambda *a, **k: connect(*a, factory=TimedConnection, **k)
    )
    try:
        yield
    finally:
        sqlite_store.sqlite3.connect = connect


def copy_store(source: Path, workdir: Path) -> Path:
    target = workdir / "c360.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, target)
    return target


def run(source: Path, workdir: Path, records: list[RawObservation], thread: bool) -> dict[str, Any]:
    path = copy_store(source, workdir)
    Commits.wall = Commits.process = 0.0
    Commits.count = 0
    policy = load_policy(None)
    with timed_commits():
        store = sqlite_store.SqliteStore(str(path), background_checkpoint=thread)
    engine = Engine(store, policy, Normaliser(policy, "TW"))
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    wall, process = time.perf_counter(), time.process_time()
    with timed_commits():
        for i in range(0, len(records), BATCH):
            stitch(engine, records[i : i + BATCH], "bench")
    wall, process = time.perf_counter() - wall, time.process_time() - process
    log_bytes = Path(f"{path}-wal").stat().st_size
    store.close()
    gc.unfreeze()
    return {
        "checkpoints": "thread" if thread else "inline",
        "records": len(records),
        "wall_s": round(wall, 3),
        "process_s": round(process, 3),  # the checkpoint thread's time included
        "commits": Commits.count,
        "commit_wall_s": round(Commits.wall, 3),
        "commit_process_s": round(Commits.process, 3),
        "log_mb": round(log_bytes / 1e6, 1),
    }


def pages_of_a_batch(source: Path, workdir: Path, records: list[RawObservation]) -> dict[str, int]:
    """The pages one batch changes, by b-tree (a warm-up batch first, then the log emptied)."""
    path = copy_store(source, workdir)
    policy = load_policy(None)
    store = sqlite_store.SqliteStore(str(path), background_checkpoint=False)
    conn = store._connection()
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    engine = Engine(store, policy, Normaliser(policy, "TW"))
    stitch(engine, records[:BATCH], "bench")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    stitch(engine, records[BATCH : 2 * BATCH], "bench")
    log = Path(f"{path}-wal").read_bytes()
    page_size = struct.unpack(">I", log[8:12])[0]
    pages = set()
    for offset in range(32, len(log) - 24 - page_size + 1, 24 + page_size):
        pages.add(struct.unpack(">I", log[offset : offset + 4])[0])
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    names = dict(conn.execute("SELECT pageno, name FROM dbstat"))
    store.close()
    counted = Counter(names.get(page, "(new page)") for page in pages)
    return dict(counted.most_common())


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--store", type=Path, required=True, help="a filled SQLite store")
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--pairs", type=int, default=2, help="runs of each, alternated")
    parser.add_argument("--pages", action="store_true", help="count one batch's pages")
    parser.add_argument("--out", default="commits.json", help="file name in bench/results/")
    args = parser.parse_args()
    if not args.store.exists():
        parser.error(f"no store at {args.store}")
    records = fresh_records(max(args.records, 2 * BATCH))
    report: dict[str, Any] = {
        "benchmark": "commits",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "store": str(args.store),
        "store_mb": round(args.store.stat().st_size / 1e6),
        "sqlite": sqlite3.sqlite_version,
    }
    with tempfile.TemporaryDirectory(prefix="c360-commits-", dir=args.store.parent) as tmp:
        if args.pages:
            report["pages_of_a_batch"] = pages_of_a_batch(args.store, Path(tmp), records)
            print(f"pages one batch of {BATCH:,} changes: {report['pages_of_a_batch']}")
        report["runs"] = [
            run(args.store, Path(tmp), records[: args.records], thread)
            for _ in range(args.pairs)
            for thread in (False, True)
        ]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / args.out).write_text(json.dumps(report, indent=2) + "\n")
    print("| checkpoints | records | wall s | process s | commits: wall s | log MB |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in report["runs"]:
        print(
            f"| {r['checkpoints']} | {r['records']:,} | {r['wall_s']:.2f} | {r['process_s']:.2f} "
            f"| {r['commit_wall_s']:.2f} | {r['log_mb']:.1f} |"
        )


if __name__ == "__main__":
    main()
