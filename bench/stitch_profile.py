"""Where a stitch spends its time: process time by phase of the use case, unprofiled.

    PYTHONPATH=. python bench/stitch_profile.py [--observations 20000] [--fill 0] [--cprofile FILE]
        [--store FILE]

Stitches ``--observations`` generated records (the demo generator, seed 11, as
``bench/ingest.py``) in batches of 1,000 into a fresh SQLite store and reports the process
time of each phase: the phases are timed by wrapping the functions that carry them, so
nested ones (a read inside re-resolution) count in both. With ``--fill N``, N records are
stitched first, untimed, and the measured records are fresh people's (as the ingest
benchmark's probes), so the split shows what a large store costs. ``--cprofile FILE`` also
writes a cProfile of the measured part (cProfile slows Python code more than SQLite: read
its shares with that in mind). ``--store FILE`` keeps the filled store: the first run fills
FILE, later runs with the same ``--fill`` copy it and measure on the copy, so a large store is
filled once for several measurements (caches start cold on a copy: compare like with like).
Process time, not wall time: on a shared machine it moves
less with the neighbours' load.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import app.services.matching as matching
import app.services.stitching as use_case
from app.demo.channels import generate_observations
from app.engine import Engine
from app.runtime import GC_THRESHOLDS
from app.services.demo import raw_observation
from app.store.sqlite.graph import SqliteGraph
from app.store.sqlite.store import SqliteStore
from resolvers.identity.normalise import Normaliser
from resolvers.identity.observations import RawObservation
from resolvers.identity.policy import load_policy
from resolvers.identity.stitching import Workspace

SPENT: defaultdict[str, float] = defaultdict(float)
PHASES: list[tuple[Any, str, str]] = [
    (use_case, "stitch", "stitch (all)"),
    (use_case, "normalise_batch", "normalise the batch"),
    (Workspace, "observe", "fast path: Workspace.observe"),
    (use_case, "reresolve", "re-resolution (slow path)"),
    (matching, "reresolve", "re-resolution (slow path)"),
    (use_case, "match_in", "person evidence: match_in"),
    (use_case, "_results", "results"),
    (use_case, "_report", "change feed: profiles updated"),
    (SqliteGraph, "apply", "store: apply (writes)"),
    (SqliteGraph, "identifiers", "store: read identifiers"),
    (SqliteGraph, "customers", "store: read customers"),
    (SqliteGraph, "links", "store: read links"),
    (SqliteGraph, "links_touching", "store: read links touching"),
    (SqliteGraph, "weighed_links_touching", "store: read links touching"),
    (SqliteGraph, "members", "store: read members"),
    (SqliteGraph, "block_members", "store: read blocking keys' members"),
    (SqliteGraph, "person_evidence", "store: read candidates' kept evidence"),
    (SqliteGraph, "stored_observations", "store: read candidates' observations"),
]


def fresh_records(count: int) -> list[RawObservation]:
    """``count`` records of people a store filled by ``--fill`` has never seen (seed 1003,
    ids prefixed ``fresh-``), as the ingest benchmark's probes."""
    generated = generate_observations(count * 10 // 45 + 10, seed=1003)
    return [raw_observation({**g.body, "id": f"fresh-{g.body['id']}"}) for g in generated][:count]


def timed(function: Callable[..., Any], label: str) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            SPENT[label] += time.process_time() - started

    return wrapper


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--observations", type=int, default=20_000)
    parser.add_argument("--fill", type=int, default=0)
    parser.add_argument("--cprofile", type=Path, default=None)
    parser.add_argument("--batch", type=int, default=1000, help="records per stitch (1,000)")
    parser.add_argument("--store", type=Path, default=None, help="filled store to keep or reuse")
    args = parser.parse_args()
    for owner, name, label in PHASES:
        setattr(owner, name, timed(getattr(owner, name), label))
    policy = load_policy(None)
    with tempfile.TemporaryDirectory(prefix="c360-profile-") as tmp:
        path = Path(tmp) / "c360.db"
        kept = args.store is not None and args.fill and args.store.exists()
        if kept:
            shutil.copyfile(args.store, path)
        store = SqliteStore(str(path))
        engine = Engine(store, policy, Normaliser(policy, "TW"))
        gc.collect()
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)
        if args.fill:
            if not kept:
                filled = generate_observations(max(10, args.fill * 10 // 45), seed=11)[: args.fill]
                raws = [raw_observation(g.body) for g in filled]
                for i in range(0, len(raws), 1000):
                    use_case.stitch(engine, raws[i : i + 1000], "fill")
                if args.store is not None:
                    store.close()  # checkpointed: one file to copy
                    shutil.copyfile(path, args.store)
                    store = SqliteStore(str(path))
                    engine = Engine(store, policy, Normaliser(policy, "TW"))
            raws = fresh_records(args.observations)
        else:
            generated = generate_observations(max(10, args.observations * 10 // 45), seed=11)
            raws = [raw_observation(g.body) for g in generated]
        raws = raws[: args.observations]
        SPENT.clear()
        profile = cProfile.Profile() if args.cprofile else None
        started = time.perf_counter()
        if profile:
            profile.enable()
        for i in range(0, len(raws), args.batch):
            use_case.stitch(engine, raws[i : i + args.batch], "profile")
        if profile:
            profile.disable()
            profile.dump_stats(args.cprofile)
        wall = time.perf_counter() - started
        store.close()
    total = SPENT["stitch (all)"]
    print(
        f"{len(raws):,} observations after {args.fill:,} stored: process time {total:.2f} s "
        f"({len(raws) / total:,.0f}/s), wall {wall:.2f} s",
        file=sys.stderr,
    )
    print("| phase | process s | share |")
    print("|---|---:|---:|")
    for label, spent in sorted(SPENT.items(), key=lambda item: -item[1]):
        print(f"| {label} | {spent:.2f} | {100 * spent / total:.0f} % |")


if __name__ == "__main__":
    main()
