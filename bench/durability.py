"""Durability benchmark: what ``synchronous=FULL`` costs against NORMAL, in the same run.

    PYTHONPATH=. python bench/durability.py [--records 2000] [--batch 1] [--rounds 3]

The API commits once per request, so the case that pays for a sync per commit is many small
commits: each record is stitched in its own transaction (``--batch 1``), as ``POST
/v1/observations`` does; ``--batch 1000`` is the bulk import's shape. Each round stitches the
same generated observations into two fresh database files, one per setting, alternating
which goes first; the ratio of the medians is the cost. The figure depends on the disk
(fsync latency) far more than on the CPU: measure on the hardware you deploy.

Results: bench/results/durability-batch<N>.json and a markdown table on stdout.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from app.demo.channels import generate_observations
from app.engine import Engine
from app.services.demo import raw_observation
from app.services.stitching import stitch
from app.store.sqlite.store import SYNCHRONOUS, SqliteStore
from resolvers.identity.normalise import Normaliser
from resolvers.identity.observations import RawObservation
from resolvers.identity.policy import load_policy

RESULTS = Path(__file__).parent / "results"


def timed(setting: str, raws: list[RawObservation], batch: int, folder: Path) -> float:
    """Seconds to stitch ``raws`` in batches of ``batch`` into a fresh store."""
    store = SqliteStore(str(folder / f"{setting}-{time.monotonic_ns()}.db"), synchronous=setting)
    policy = load_policy(None)
    engine = Engine(store, policy, Normaliser(policy, "TW"))
    started = time.perf_counter()
    for start in range(0, len(raws), batch):
        stitch(engine, raws[start : start + batch], "bench")
    elapsed = time.perf_counter() - started
    store.close()
    return elapsed


def main() -> None:
    """Run the rounds and report medians and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    generated = generate_observations(args.records // 4 + 10, seed=7)[: args.records]
    raws = [raw_observation(g.body) for g in generated]
    seconds: dict[str, list[float]] = {s: [] for s in SYNCHRONOUS}
    with tempfile.TemporaryDirectory(prefix="c360-durability-", dir=".") as tmp:
        for n in range(args.rounds):
            order = SYNCHRONOUS if n % 2 == 0 else tuple(reversed(SYNCHRONOUS))
            for setting in order:
                seconds[setting].append(timed(setting, raws, args.batch, Path(tmp)))
    medians = {s: statistics.median(v) for s, v in seconds.items()}
    result: dict[str, Any] = {
        "records": len(raws),
        "batch": args.batch,
        "rounds": args.rounds,
        "seconds": seconds,
        "records_per_s": {s: round(len(raws) / m, 1) for s, m in medians.items()},
        "full_over_normal": round(medians["full"] / medians["normal"], 3),
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    RESULTS.mkdir(exist_ok=True)
    name = f"durability-batch{args.batch}.json"
    (RESULTS / name).write_text(json.dumps(result, indent=2) + "\n")
    print("| synchronous | records/s (median) |\n|---|---|")
    for setting in SYNCHRONOUS:
        print(f"| {setting} | {result['records_per_s'][setting]:,} |")
    print(
        f"\nFULL takes {result['full_over_normal']}x the time of NORMAL "
        f"({len(raws)} records, batches of {args.batch}, {args.rounds} rounds)"
    )


if __name__ == "__main__":
    main()
