"""Shared by the record-linkage benchmarks (bench/febrl.py, bench/splink_datasets.py): stitch
a data set's records under one policy through the real use case, score the customers against
its truth, print the results as a markdown table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.engine import Engine
from app.services.customers import resolve
from app.services.reresolution import reresolve_store
from app.services.stitching import stitch
from app.services.training import train
from app.store.sqlite.store import SqliteStore
from resolvers.identity.normalise import Normaliser
from resolvers.identity.observations import RawIdentifier, RawObservation
from resolvers.identity.person.training import policy_toml
from resolvers.identity.policy import load_policy
from tests.support.truth import pairwise_score


def stitch_and_score(
    name: str,
    variant: str,
    records: Sequence[RawObservation],
    truth: Mapping[str, str],
    policy_text: str,
    *,
    trained: bool,
    region: str | None,
    workdir: Path,
) -> dict[str, Any]:
    """Stitch every record (its id also a ``record_id`` identifier) in batches of 1,000 into a
    fresh store and score the customers pairwise against ``truth`` (record id -> entity).

    ``trained``: then estimate the weights from the store (``c360 match train``) and apply
    them to it (``c360 reresolve``), as an operator would.
    """
    policy = load_policy(policy_text)
    slug = "".join(c if c.isalnum() else "-" for c in variant)
    store = SqliteStore(str(workdir / f"{name}-{slug}.db"))
    engine = Engine(store=store, policy=policy, normaliser=Normaliser(policy, region))
    started = datetime.now(UTC)
    for i in range(0, len(records), 1000):
        stitch(engine, records[i : i + 1000], "bench")
    seconds = (datetime.now(UTC) - started).total_seconds()
    if trained:
        learnt = load_policy(policy_text + policy_toml(train(engine)))
        engine = Engine(store=store, policy=learnt, normaliser=Normaliser(learnt, region))
        reresolve_store(engine, "bench")
    found = resolve(engine, [RawIdentifier("record_id", r.id) for r in records])
    predicted = {r.id: f.customer_id for r, f in zip(records, found, strict=True) if f.customer_id}
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


def print_table(results: Sequence[Mapping[str, Any]]) -> None:
    """The results as a markdown table, one row a data set and policy."""
    print("| data set | policy | precision | recall | F1 | obs/s |")
    print("|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['dataset']} | {r['variant']} | {r['precision']} "
            f"| {r['recall']} | {r['f1']} | {r['observations_per_s']} |"
        )
