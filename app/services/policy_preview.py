"""What applying a candidate merge policy would change, worked out and written nowhere.

The preview runs the walk ``c360 reresolve`` runs (:mod:`app.services.reresolution`), under
the candidate policy, inside one write transaction that is always rolled back: the store's
own reads and writes give the partition a re-resolution would leave, and nothing of it
commits. It compares that partition with today's (:mod:`resolvers.identity.partition_diff`) and
measures both against the stewards' review answers. Applying stays ``c360 reresolve``.

The transaction holds the store's write lock while it runs (SQLite: other writers wait;
Neo4j: the identifiers it reads are locked), so preview a large store off-peak.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import NoReturn

from app.engine import Engine, NoSink
from app.services.matching import file_page
from app.services.reresolution import ALL_RECORDS, resolve_page
from app.store.protocol import GraphReader, GraphWriter
from resolvers.identity.normalise import Normaliser
from resolvers.identity.partition_diff import Agreement, PartitionDiff, agreement, compare
from resolvers.identity.policy import load_policy

PAGE = 500
ACTOR = "policy preview"


@dataclass(frozen=True, slots=True)
class PolicyPreview:
    """Today's partition against the candidate's, and both against stewards' answers."""

    diff: PartitionDiff
    transitions: dict[str, int]  # identifier status changes, "generic -> active": count
    identifiers: int
    current: Agreement
    candidate: Agreement


class _Finished(Exception):  # control flow: carries the result out of the rollback
    def __init__(self, preview: PolicyPreview) -> None:
        super().__init__("preview finished")
        self.preview = preview


def preview_policy(engine: Engine, policy_text: str, examples: int = 10) -> PolicyPreview:
    """What ``c360 reresolve`` would do under the policy in ``policy_text``; writes nothing."""
    policy = load_policy(policy_text)  # PolicyError (422) before any transaction
    candidate = replace(
        engine,
        policy=policy,
        normaliser=Normaliser(policy, engine.normaliser.region),
        fx_rates=policy.fx_rates,
        sink=NoSink(),
        keep_person_evidence=False,  # the transaction is rolled back: keeping would only write
    )
    labels = [(x.a, x.b, x.decision) for x in engine.store.review_labels()]

    def work(tx: GraphWriter) -> NoReturn:
        before = _membership(tx)
        if policy.match.enabled:
            # as `c360 reresolve` does: every record filed before any page counts members
            filed: str | None = ""
            while filed is not None:
                filed, _ = file_page(tx, candidate, filed, PAGE, ALL_RECORDS)
        transitions: Counter[str] = Counter()
        settled: set[str] = set()
        after_key = ""
        while True:
            page = resolve_page(
                tx,
                candidate,
                after=after_key,
                size=PAGE,
                settled=settled,
                actor=ACTOR,
                reason="preview",
            )
            if page.last is None:
                break
            after_key = page.last
            transitions.update(page.transitions)
            settled.update(page.settled)
        after = _membership(tx)
        raise _Finished(
            PolicyPreview(
                diff=compare(before, after, examples),
                transitions=dict(sorted(transitions.items())),
                identifiers=len(before),
                current=agreement(before, labels),
                candidate=agreement(after, labels),
            )
        )

    try:
        engine.store.write(work)
    except _Finished as done:  # the store rolled the transaction back on the way out
        return done.preview
    raise AssertionError("the preview's unit of work always raises")  # pragma: no cover


def _membership(tx: GraphReader) -> dict[str, str | None]:
    """Every identifier key and its customer, as this transaction sees them."""
    out: dict[str, str | None] = {}
    after = ""
    while keys := tx.identifier_keys(after, PAGE):
        states = tx.identifiers(keys)
        out.update((key, states[key].customer_id) for key in keys if key in states)
        after = keys[-1]
    return out
