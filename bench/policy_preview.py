"""Policy preview against applying the policy, on the demo data set, in one run.

    PYTHONPATH=. python bench/policy_preview.py [--people 2000] [--repeat 3]

Loads the demo data set into a temporary SQLite store, then times, under a candidate policy
(``[generic] max_persons = 2``, which merges and splits a few customers):

- ``preview``: ``preview_policy`` (the reresolve walk in a rolled-back transaction, plus two
  reads of the identity map and the comparison);
- ``reresolve``: ``reresolve_store`` on a fresh copy of the same store (what applying costs).

It reports the best of ``--repeat`` runs of each and their ratio (preview / reresolve), and
checks that the preview's prediction matches what reresolve did. Results:
bench/results/policy_preview.json and a markdown table on stdout.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import tempfile
import time
from pathlib import Path

from app.engine import Engine
from app.services.demo import load_demo
from app.services.policy_preview import preview_policy
from app.services.reresolution import reresolve_store
from app.store.sqlite.store import SqliteStore
from resolvers.identity.normalise import Normaliser
from resolvers.identity.policy import load_policy

CANDIDATE = "[generic]\nmax_persons = 2\n"
RESULTS = Path(__file__).parent / "results" / "policy_preview.json"


def engine_on(path: Path, policy_text: str | None = None) -> Engine:
    policy = load_policy(policy_text)
    return Engine(
        SqliteStore(str(path)), policy, Normaliser(policy, "TW"), fx_rates=policy.fx_rates
    )


def customers_of(engine: Engine) -> int:
    return engine.store.counts()["customers"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base.db"
        seeded = engine_on(base)
        load_demo(seeded, people=args.people, seed=7)
        identifiers = seeded.store.counts()["identifiers"]
        seeded.store.close()

        previews, applies, predicted, applied = [], [], 0, 0
        for run in range(args.repeat):
            engine = engine_on(base)
            started = time.perf_counter()
            report = preview_policy(engine, CANDIDATE)
            previews.append(time.perf_counter() - started)
            predicted = report.diff.customers_after
            engine.store.close()

            copy = Path(tmp) / f"copy-{run}.db"
            shutil.copy(base, copy)
            applying = engine_on(copy, CANDIDATE)
            started = time.perf_counter()
            reresolve_store(applying, "bench")
            applies.append(time.perf_counter() - started)
            applied = customers_of(applying)
            applying.store.close()

    result = {
        "people": args.people,
        "identifiers": identifiers,
        "preview_s": round(min(previews), 3),
        "reresolve_s": round(min(applies), 3),
        "ratio_preview_to_reresolve": round(min(previews) / min(applies), 2),
        "customers_predicted": predicted,
        "customers_after_reresolve": applied,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    columns = ["identifiers", "preview (s)", "reresolve (s)", "preview / reresolve"]
    print("| " + " | ".join([*columns, "customers predicted", "after reresolve"]) + " |")
    print("|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {identifiers:,} | {result['preview_s']} | {result['reresolve_s']} | "
        f"{result['ratio_preview_to_reresolve']} | {predicted:,} | {applied:,} |"
    )
    if predicted != applied:
        raise SystemExit("the preview predicted a different partition from what reresolve did")


if __name__ == "__main__":
    main()
