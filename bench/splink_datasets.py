"""Splink's public person data sets through the real stitch use case, scored against truth.

    PYTHONPATH=. python bench/splink_datasets.py --data DIR [--only fake_1000]

``DIR`` holds the CSV files of https://github.com/moj-analytical-services/splink_datasets
(MIT licence): ``fake_1000.csv`` as published, and ``historical_figures_with_errors_50k``
as CSV (it is published as Parquet; ``.parquet`` is read too when ``pyarrow`` is
installed). Neither was looked at while the policy and the matcher were built.

- ``fake_1000``: 1,000 records of 250 people: given name, surname, birth date, city and an
  e-mail, each corrupted (typos, nicknames, missing values, an e-mail a letter off).
- ``historical_figures_with_errors_50k``: 50,578 records of 5,156 people (Wikidata's
  historical figures) with no identifier at all: names, birth date, birth place, a fake
  postcode, gender, occupation, corrupted the same way.

Each record is one observation in real time, batches of 1,000; its own id is a weak
``record_id`` identifier (it joins nothing), the e-mail an ``email``; the rest go under the
standard attribute names. Scored pairwise on record ids against the data set's ``cluster``;
results in bench/results/splink_datasets.json and a markdown table on stdout.
"""

from __future__ import annotations

import argparse
import csv
import json
import tempfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from app.engine import Engine
from app.services.customers import resolve
from app.services.reresolution import reresolve_store
from app.services.stitching import stitch
from app.services.training import train
from app.store.sqlite.store import SqliteStore
from resolvers.errors import InvalidIdentifier
from resolvers.identity.normalise import Normaliser
from resolvers.identity.observations import RawIdentifier, RawObservation
from resolvers.identity.person.training import policy_toml
from resolvers.identity.policy import load_policy
from tests.support.truth import pairwise_score

RESULTS = Path(__file__).parent / "results"
POLICY = "[kinds.record_id]\npriority = 90\nstrong = false\n"
VARIANTS = {"identifiers only": "[match]\nenabled = false\n", "person evidence (default)": ""}
TRAINED = "default, then `match train` + `reresolve`"
T0 = datetime(2026, 1, 1, tzinfo=UTC)
# data set -> its attribute for each standard attribute
FIELDS = {
    "fake_1000": {
        "first_name": "first_name",
        "last_name": "surname",
        "birth_date": "dob",
        "city": "city",
    },
    "historical_figures_with_errors_50k": {
        "first_name": "first_name",
        "last_name": "surname",
        "birth_date": "dob",
        "city": "birth_place",
        "postcode": "postcode_fake",
        "gender": "gender",
    },
}


def read(folder: Path, name: str) -> list[dict[str, str]]:
    """The data set's rows (CSV, or Parquet with pyarrow); empty values as empty strings."""
    csv_path, parquet = folder / f"{name}.csv", folder / f"{name}.parquet"
    if csv_path.is_file():
        with csv_path.open(newline="", encoding="utf-8") as handle:
            return [dict(row) for row in csv.DictReader(handle)]
    import pyarrow.parquet as pq  # optional: only for the published Parquet file

    table = pq.read_table(parquet).to_pylist()
    return [{k: "" if v is None else str(v) for k, v in row.items()} for row in table]


def observation(name: str, i: int, row: dict[str, str]) -> RawObservation:
    attributes = {std: row.get(col, "").strip() for std, col in FIELDS[name].items()}
    ids = [RawIdentifier("record_id", row["unique_id"])]
    if row.get("email", "").strip():
        ids.append(RawIdentifier("email", row["email"].strip()))
    attrs = {k: v for k, v in attributes.items() if v}
    return RawObservation(row["unique_id"], name, T0 + timedelta(seconds=i), ids, attrs)


def _valid(engine: Engine, raw: RawObservation) -> RawObservation:
    """The record without identifiers the service refuses (an e-mail with misplaced dots):
    a real feed is told so and sends the record again without them."""
    kept = []
    for ident in raw.identifiers:
        try:
            engine.normaliser.normalise(ident.kind, ident.value)
        except InvalidIdentifier:
            continue
        kept.append(ident)
    return replace(raw, identifiers=kept)


def measure(name: str, data: list[dict[str, str]], variant: str, workdir: Path) -> dict[str, Any]:
    """Stitch every record under a variant's policy and score the customers."""
    base = "" if variant == TRAINED else VARIANTS[variant]
    policy = load_policy(POLICY + base)
    slug = "".join(c if c.isalnum() else "-" for c in variant)
    store = SqliteStore(str(workdir / f"{name}-{slug}.db"))
    engine = Engine(store=store, policy=policy, normaliser=Normaliser(policy, "GB"))
    records = [_valid(engine, observation(name, i, row)) for i, row in enumerate(data)]
    started = datetime.now(UTC)
    for i in range(0, len(records), 1000):
        stitch(engine, records[i : i + 1000], "bench")
    seconds = (datetime.now(UTC) - started).total_seconds()
    if variant == TRAINED:
        trained = load_policy(POLICY + base + policy_toml(train(engine)))
        engine = Engine(store=store, policy=trained, normaliser=Normaliser(trained, "GB"))
        reresolve_store(engine, "bench")
    found = resolve(engine, [RawIdentifier("record_id", r.id) for r in records])
    predicted = {r.id: f.customer_id for r, f in zip(records, found, strict=True) if f.customer_id}
    truth = {row["unique_id"]: row["cluster"] for row in data}
    score = pairwise_score(truth, predicted)
    store.close()
    return {
        "dataset": name,
        "variant": variant,
        "records": len(records),
        "precision": round(score.precision, 4),
        "recall": round(score.recall, 4),
        "f1": round(score.f1, 4),
        "true_pairs": score.true_pairs,
        "observations_per_s": round(len(records) / seconds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="folder of the data sets")
    parser.add_argument("--only", choices=sorted(FIELDS), default=None)
    parser.add_argument("--no-train", action="store_true", help="skip the trained variant")
    parser.add_argument("--policy", type=Path, default=None, help="policy text added to all")
    args = parser.parse_args()
    global POLICY
    if args.policy is not None:
        POLICY += "\n" + args.policy.read_text()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in [args.only] if args.only else list(FIELDS):
            data = read(args.data, name)
            variants = [*VARIANTS] + ([] if args.no_train else [TRAINED])
            for variant in variants:
                results.append(measure(name, data, variant, Path(tmp)))
                r = results[-1]
                print(f"  {name} / {variant}: {r['precision']} / {r['recall']}", flush=True)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / (f"splink-{args.only}.json" if args.only else "splink_datasets.json")
    out.write_text(json.dumps(results, indent=2) + "\n")
    print("| data set | policy | precision | recall | F1 | obs/s |")
    print("|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['dataset']} | {r['variant']} | {r['precision']} "
            f"| {r['recall']} | {r['f1']} | {r['observations_per_s']} |"
        )


if __name__ == "__main__":
    main()
