"""``c360 match train``: the matcher's weights estimated from the store's own records."""

from __future__ import annotations

from collections.abc import Mapping

from app.engine import Engine
from app.store.protocol import GraphReader, StoredObservation
from resolvers.identity.person.blocking import blocking_keys, fields_of
from resolvers.identity.person.record import PersonRecord, person_record
from resolvers.identity.person.training import Trained, estimate

MAX_BLOCK = 50  # a blocking key shared by more records is too common to pair all of them
RECORDS_PER_LABEL = 20  # records of each identifier a steward's answer is spread over


def train(
    engine: Engine,
    *,
    max_records: int = 200_000,
    random_pairs: int = 50_000,
    labels: Mapping[tuple[str, str], bool] | None = None,
) -> Trained:
    """Read up to ``max_records`` records with person evidence and estimate weights from them.

    ``labels``: steward answers by observation-id pair (True: one person); where a store keeps
    review decisions, pass them here and they anchor the estimate.
    """
    records: dict[str, PersonRecord] = {}
    for batch in engine.store.scan_identifiers(1000):
        keys = [s.key for s in batch]

        def read(tx: GraphReader, keys: list[str] = keys) -> list[StoredObservation]:
            return tx.observations_of(keys, 1_000_000)

        _add(records, engine.store.read(read))
        if len(records) >= max_records:
            break
    ids = sorted(records)[:max_records]
    people = [records[i] for i in ids]
    index = {oid: n for n, oid in enumerate(ids)}
    blocks: dict[str, list[int]] = {}
    for n, record in enumerate(people):
        for key in blocking_keys(record):
            blocks.setdefault(key, []).append(n)
    sessions: dict[frozenset[str], set[tuple[int, int]]] = {}
    for key, members in sorted(blocks.items()):
        if len(members) > MAX_BLOCK:
            continue
        session = sessions.setdefault(frozenset(fields_of(key)), set())
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                session.add((a, b) if a < b else (b, a))
    known = {
        (index[a], index[b]) if index[a] < index[b] else (index[b], index[a]): same
        for (a, b), same in (labels or {}).items()
        if a in index and b in index
    }
    return estimate(
        people,
        {used: sorted(pairs) for used, pairs in sessions.items()},
        engine.policy.match,
        random_pairs=random_pairs,
        labels=known,
    )


def _add(records: dict[str, PersonRecord], found: list[StoredObservation]) -> None:
    for obs in found:
        if obs.id not in records:
            record = person_record(obs.attributes)
            if record.evidence >= 2:
                records[obs.id] = record


def steward_labels(engine: Engine) -> dict[tuple[str, str], bool]:
    """Stewards' review answers as labels of record pairs: ``link`` says the records of the two
    identifiers describe one person, ``never`` that they do not; ``skip`` says nothing.

    A later answer about the same pair overrides an earlier one.
    """
    out: dict[tuple[str, str], bool] = {}
    for label in engine.store.review_labels():
        if label.decision not in ("link", "never"):
            continue

        def read(tx: GraphReader, a: str = label.a, b: str = label.b) -> tuple[list[str], ...]:
            return tuple(
                [o.id for o in tx.observations_of([key], RECORDS_PER_LABEL)] for key in (a, b)
            )

        left, right = engine.store.read(read)
        for x in left:
            for y in right:
                if x != y:
                    out[(x, y) if x < y else (y, x)] = label.decision == "link"
    return out
