"""Ingest benchmark: the engine on SQLite against a bare stitcher, in the same run.

    PYTHONPATH=. python bench/ingest.py [--sizes 20000,500000] [--batch 1000]

The bare baseline does what the simplest correct stitcher must: normalise identifiers with
the same normaliser, union-find in memory, and write identifiers, observations and the
identifier-to-root map with ``executemany`` into SQLite, one commit per batch. It has no
merge policy, no link evidence, no audit, no idempotency. The engine is the real use case
(``app.services.stitching.stitch``) on the real SQLite store. Both read the same generated
observations, in the same shuffled order, into fresh database files.

The per-batch rate of the main run mixes two effects: the store grows, and later records
more often belong to people already seen (more merges, fewer fresh customers). Probes
separate them: after 10 %, 40 %, 70 % and 100 % of the batches, 5,000 records (a tenth of
a smaller run) of people never seen before, the same mix each time, are fed and timed
apart. Flat probe rates mean cost does not grow with the store.

Results: bench/results/ingest.json and a markdown table on stdout.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.demo.channels import generate_observations
from app.engine import Engine
from app.runtime import GC_THRESHOLDS
from app.services.demo import raw_observation
from app.services.stitching import stitch
from app.store.sqlite.store import SqliteStore
from resolvers.errors import InvalidIdentifier
from resolvers.identity.normalise import Normaliser
from resolvers.identity.observations import RawObservation
from resolvers.identity.policy import load_policy

POLICY_TEXT: str | None = None  # the merge policy file laid over the defaults (--policy)

RESULTS = Path(__file__).parent / "results"
PROBE_SIZE = 5000  # records of fresh people per probe (a tenth of a smaller run)


class BareStitcher:
    """Normalise, union-find in memory, executemany: the floor any stitcher must pay."""

    def __init__(self, path: str, normaliser: Normaliser) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "cache_size = -262144"):
            self.conn.execute(f"PRAGMA {pragma}")
        self.conn.execute("CREATE TABLE identifiers (key TEXT PRIMARY KEY, root TEXT NOT NULL)")
        self.conn.execute("CREATE TABLE observations (id TEXT PRIMARY KEY, body TEXT NOT NULL)")
        self.normaliser = normaliser
        self.parent: dict[str, str] = {}

    def find(self, key: str) -> str:
        parent = self.parent
        parent.setdefault(key, key)
        root = key
        while parent[root] != root:
            root = parent[root]
        while parent[key] != root:
            parent[key], key = root, parent[key]
        return root

    def ingest(self, batch: Sequence[RawObservation]) -> None:
        touched: set[str] = set()
        rows = []
        for raw in batch:
            keys = []
            for item in raw.identifiers:
                try:
                    out = self.normaliser.normalise(item.kind, item.value)
                except InvalidIdentifier:
                    continue
                keys.extend(n.identifier.key for n in out or ())
            for a, b in itertools.pairwise(keys):
                ra, rb = self.find(a), self.find(b)
                if ra != rb:
                    self.parent[max(ra, rb)] = min(ra, rb)
            touched.update(keys)
            rows.append((raw.id, json.dumps(keys)))
        self.conn.execute("BEGIN")
        self.conn.executemany("INSERT OR IGNORE INTO observations VALUES (?, ?)", rows)
        self.conn.executemany(
            "INSERT INTO identifiers VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET root = excluded.root",
            [(k, self.find(k)) for k in touched],
        )
        self.conn.execute("COMMIT")


def run(
    label: str,
    batches: list[list[RawObservation]],
    ingest: Callable[[list[RawObservation]], Any],
    probes: dict[int, list[list[RawObservation]]],
) -> dict[str, Any]:
    """Feed every batch; per-batch rates show whether cost grows with the store.

    ``probes`` maps a batch index to a probe: fresh people's records (the same mix at every
    checkpoint) fed after that batch and timed apart, so that their rates compare stores of
    different sizes on the same kind of work. The overall rate leaves the probes out.
    """
    gc.collect()
    rates = []
    probe_rates = []
    elapsed = 0.0
    done = 0
    stored = 0  # observations in the store, the probes' included
    for i, batch in enumerate(batches):
        t = time.perf_counter()
        ingest(batch)
        took = time.perf_counter() - t
        elapsed += took
        rates.append(len(batch) / took)
        done += len(batch)
        stored += len(batch)
        if i % 50 == 0:
            print(f"  {label}: {done:,} observations, {rates[-1]:,.0f}/s", file=sys.stderr)
        if i in probes:
            probe = probes[i]
            t = time.perf_counter()
            for part in probe:
                ingest(part)
            size = sum(len(p) for p in probe)
            rate = size / (time.perf_counter() - t)
            probe_rates.append({"store_observations": stored, "rate": round(rate)})
            print(f"  {label}: probe at {stored:,}: {rate:,.0f}/s", file=sys.stderr)
            stored += size
    tenth = max(1, len(rates) // 10)
    return {
        "observations": done,
        "seconds": round(elapsed, 2),
        "rate": round(done / elapsed),
        "first_tenth_rate": round(statistics.median(rates[:tenth])),
        "last_tenth_rate": round(statistics.median(rates[-tenth:])),
        "probes": probe_rates,
    }


def probe_sets(batches: int, batch: int, size: int) -> dict[int, list[list[RawObservation]]]:
    """Four probes of ``size`` fresh records, after 10 %, 40 %, 70 % and 100 % of the batches."""
    out = {}
    for n, share in enumerate((0.1, 0.4, 0.7, 1.0)):
        generated = generate_observations(size * 10 // 45 + 10, seed=1000 + n)[:size]
        raws = [raw_observation({**g.body, "id": f"probe{n}-{g.body['id']}"}) for g in generated]
        out[max(0, round(batches * share) - 1)] = [
            raws[i : i + batch] for i in range(0, len(raws), batch)
        ]
    return out


def bench_size(observations: int, batch: int, workdir: Path) -> dict[str, Any]:
    """Engine and baseline over the same ``observations`` generated records."""
    people = max(10, observations * 10 // 45)  # the generator makes about 4.5 records a person
    generated = generate_observations(people, seed=11)[:observations]
    raws = [raw_observation(g.body) for g in generated]
    batches = [raws[i : i + batch] for i in range(0, len(raws), batch)]
    probes = probe_sets(len(batches), batch, min(PROBE_SIZE, observations // 10))
    del generated
    # The input is built up front; keep the collector from rescanning it on every cycle (a
    # streaming import never holds it). Both contenders run with it frozen, and with the
    # collector's thresholds as `c360 import` sets them (app/runtime.py).
    gc.collect()
    gc.freeze()
    thresholds = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    policy = load_policy(POLICY_TEXT)

    bare = BareStitcher(str(workdir / f"bare-{observations}.db"), Normaliser(policy, "TW"))
    baseline = run("baseline", batches, bare.ingest, probes)
    bare.conn.close()
    del bare  # its normaliser's caches must not weigh on the engine's collections

    store = SqliteStore(str(workdir / f"engine-{observations}.db"))
    engine = Engine(store, policy, Normaliser(policy, "TW"))
    result = run("engine", batches, lambda b: stitch(engine, b, "bench"), probes)
    counts = store.counts()
    store.close()
    gc.unfreeze()
    gc.set_threshold(*thresholds)
    return {
        "observations": len(raws),
        "batch": batch,
        "baseline": baseline,
        "engine": result,
        "engine_over_baseline": round(result["rate"] / baseline["rate"], 3),
        "store": counts,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default="20000,500000")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--policy", type=Path, default=None, help="a merge policy file")
    args = parser.parse_args()
    global POLICY_TEXT
    POLICY_TEXT = args.policy.read_text(encoding="utf-8") if args.policy else None
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="c360-bench-") as tmp:
        results = [bench_size(n, args.batch, Path(tmp)) for n in sizes]
    report = {
        "benchmark": "ingest",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "cpus": _cpus(),
            "platform": platform.platform(),
        },
        "sqlite": sqlite3.sqlite_version,
        "results": results,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "ingest.json").write_text(json.dumps(report, indent=2) + "\n")
    print(
        "| observations | baseline obs/s | engine obs/s | engine / baseline "
        "| engine first → last tenth |"
    )
    print("|---:|---:|---:|---:|---|")
    for r in results:
        e = r["engine"]
        print(
            f"| {r['observations']:,} | {r['baseline']['rate']:,} | {e['rate']:,} | "
            f"{r['engine_over_baseline']:.2f} | "
            f"{e['first_tenth_rate']:,} → {e['last_tenth_rate']:,} |"
        )
    print()
    print("| observations | store size at probe | baseline probe obs/s | engine probe obs/s |")
    print("|---:|---:|---:|---:|")
    for r in results:
        for b, e in zip(r["baseline"]["probes"], r["engine"]["probes"], strict=True):
            print(
                f"| {r['observations']:,} | {e['store_observations']:,} | {b['rate']:,} | "
                f"{e['rate']:,} |"
            )


def _cpus() -> int:
    import os

    return (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    )


if __name__ == "__main__":
    main()
