"""Apply the current merge policy to everything stored, not only to evidence still to come.

Stitching decides under the policy of the moment. After the policy file changes (a new
placeholder, a lower limit, a kind turned ``attach``), ``reresolve_store`` walks every
identifier page by page. In one write transaction per page it works out each identifier's
policy-derived state again (:mod:`resolvers.identity.refresh`), writes those that changed, and
re-resolves the evidence components of the page from their whole evidence, as stitching's
slow path does. The result is the partition a fresh build under the new policy gives;
customer ids carry on by the usual succession, and every merge and split is audited.

A page is atomic and the walk can be interrupted and run again: a second run under the same
policy changes nothing. Stitching may go on meanwhile; what it writes is decided under the
policy the service runs with.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from app.engine import Engine
from app.services.evidence import reresolve
from app.services.matching import file_all, rematch_in
from app.store.protocol import GraphWriter, TornRead
from resolvers.identity.changes import ChangeSet
from resolvers.identity.evidence import IdentifierState, LinkRecord
from resolvers.identity.refresh import (
    count_neighbours,
    differs,
    fold_traits,
    refreshed,
    value_facts,
)

ALL_RECORDS = 2**62  # every record carrying a value: traits are folded from all of them
Progress = Callable[[int, "ReresolveReport"], None]  # identifiers done so far, report


@dataclass
class ReresolveReport:
    """What a walk did: identifiers seen, states changed (by transition), customers touched."""

    identifiers: int = 0
    changed: int = 0
    transitions: Counter[str] = field(default_factory=Counter)
    customers_written: int = 0
    customers_removed: int = 0
    audit_entries: int = 0


def reresolve_store(
    engine: Engine,
    actor: str,
    *,
    reason: str = "the merge policy was applied again to the stored evidence",
    page_size: int = 500,
    progress: Progress | None = None,
) -> ReresolveReport:
    """Walk every identifier; refresh and re-resolve a page per transaction."""
    report = ReresolveReport()
    if engine.policy.match.enabled:
        # every record filed before any page counts a key's members (docs/policy.md)
        file_all(engine, page_size, ALL_RECORDS)
    settled: set[str] = set()  # customers re-resolved under the policy during this walk
    after = ""
    while True:

        def work(tx: GraphWriter, start: str = after) -> PageResult:
            return resolve_page(
                tx,
                engine,
                after=start,
                size=page_size,
                settled=settled,
                actor=actor,
                reason=reason,
            )

        done = engine.store.write(work)
        if done.last is None:
            return report
        after = done.last
        report.identifiers += done.seen
        report.changed += len(done.refreshed)
        report.transitions.update(done.transitions)
        report.customers_written += len(done.resolved.customers)
        report.customers_removed += len(done.resolved.deleted_customers)
        report.audit_entries += len(done.resolved.audit)
        settled.update(done.settled)
        engine.sink.committed(done.resolved.audit, 0)
        if progress:
            progress(report.identifiers, report)


@dataclass(frozen=True, slots=True)
class PageResult:
    last: str | None  # the page's last key; None when there was no page
    seen: int
    refreshed: dict[str, IdentifierState]
    transitions: list[str]
    resolved: ChangeSet
    settled: set[str]


def resolve_page(
    tx: GraphWriter,
    engine: Engine,
    *,
    after: str,
    size: int,
    settled: set[str],
    actor: str,
    reason: str,
) -> PageResult:
    """The next page of identifiers, read, refreshed and re-resolved in this transaction."""
    policy = engine.policy
    now = engine.clock()
    keys = tx.identifier_keys(after, size)
    if not keys:
        return PageResult(None, 0, {}, [], ChangeSet(at=now), set())
    states = tx.identifiers(keys)
    links = tx.links_touching(list(states))
    ends = {k for pair in links for k in pair}
    known = {**tx.identifiers(ends - states.keys()), **states}
    unreadable = ends - known.keys()
    if unreadable:
        raise TornRead(f"links name identifiers the transaction cannot read: {sorted(unreadable)}")
    facts = {k: value_facts(s, policy, engine.normaliser) for k, s in known.items()}
    kinds = {k: s.kind for k, s in known.items()}
    attributes: dict[str, list[tuple[Mapping[str, object], bool]]] = {k: [] for k in states}
    records = tx.observations_of(list(states), ALL_RECORDS)
    for record in records:
        alone = len(record.identifiers) == 1
        for key in record.identifiers:
            if key in attributes:
                attributes[key].append((record.attributes, alone))
    links_of: dict[str, list[LinkRecord]] = {k: [] for k in states}
    for link in links.values():
        for key in (link.a, link.b):
            if key in links_of:
                links_of[key].append(link)
    changed: dict[str, IdentifierState] = {}
    transitions: list[str] = []
    seeds: set[str] = set()
    for key, state in sorted(states.items()):
        neighbours, persons = count_neighbours(key, links_of[key], facts, kinds, policy)
        traits = fold_traits(attributes[key], policy)
        new = refreshed(state, facts[key], traits, neighbours, persons, policy)
        if differs(state, new):
            changed[key] = new
            seeds.add(key)
            if new.status is not state.status:
                transitions.append(f"{state.status.value} -> {new.status.value}")
        elif state.customer_id is not None and state.customer_id not in settled:
            seeds.add(key)
    if changed:
        tx.apply(ChangeSet(at=now, identifiers=changed))
    # person links are proposed under the policy's weights: make those of this page again
    seeds |= rematch_in(tx, engine, list(states), records, links, now)
    if not seeds:
        return PageResult(keys[-1], len(states), changed, transitions, ChangeSet(at=now), set())
    owners = {c for k in seeds if k in states and (c := states[k].customer_id) is not None}
    resolved = reresolve(tx, engine, seeds, owners, actor=actor, reason=reason)
    # every customer of the loaded components is now what the policy makes of it
    after_ids = {s.customer_id for s in resolved.identifiers.values() if s.customer_id}
    done = owners | set(resolved.customers) | after_ids
    return PageResult(keys[-1], len(states), changed, transitions, resolved, done)
