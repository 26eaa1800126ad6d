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

from bench.linkage import print_table, stitch_and_score
from resolvers.errors import InvalidIdentifier
from resolvers.identity.normalise import Normaliser
from resolvers.identity.observations import RawIdentifier, RawObservation
from resolvers.identity.policy import load_policy

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


def _valid(normaliser: Normaliser, raw: RawObservation) -> RawObservation:
    """The record without identifiers the service refuses (an e-mail with misplaced dots):
    a real feed is told so and sends the record again without them."""
    kept = []
    for ident in raw.identifiers:
        try:
            normaliser.normalise(ident.kind, ident.value)
        except InvalidIdentifier:
            continue
        kept.append(ident)
    return replace(raw, identifiers=kept)


def measure(
    name: str, data: list[dict[str, str]], variant: str, workdir: Path, extra: str = ""
) -> dict[str, Any]:
    """Stitch every record under a variant's policy (and ``extra`` policy text) and score the
    customers."""
    base = "" if variant == TRAINED else VARIANTS[variant]
    policy = load_policy(POLICY + extra)
    normaliser = Normaliser(policy, "GB")
    records = [_valid(normaliser, observation(name, i, row)) for i, row in enumerate(data)]
    truth = {row["unique_id"]: row["cluster"] for row in data}
    return stitch_and_score(
        name, variant, records, truth, POLICY + extra + base,
        trained=variant == TRAINED, region="GB", workdir=workdir,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="folder of the data sets")
    parser.add_argument("--only", choices=sorted(FIELDS), default=None)
    parser.add_argument("--no-train", action="store_true", help="skip the trained variant")
    parser.add_argument("--policy", type=Path, default=None, help="policy text added to all")
    args = parser.parse_args()
    extra = "\n" + args.policy.read_text() if args.policy is not None else ""
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in [args.only] if args.only else list(FIELDS):
            data = read(args.data, name)
            variants = [*VARIANTS] + ([] if args.no_train else [TRAINED])
            for variant in variants:
                results.append(measure(name, data, variant, Path(tmp), extra))
                r = results[-1]
                print(f"  {name} / {variant}: {r['precision']} / {r['recall']}", flush=True)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / (f"splink-{args.only}.json" if args.only else "splink_datasets.json")
    out.write_text(json.dumps(results, indent=2) + "\n")
    print_table(results)


if __name__ == "__main__":
    main()
