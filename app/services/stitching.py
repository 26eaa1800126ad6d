"""Stitch observations into customers: validate the whole batch, then one atomic unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from itertools import combinations

from app.engine import Engine
from app.errors import Conflict
from app.services.batches import check_batch, item_loc, one_per_item
from app.services.evidence import owned_customers, reresolve
from app.services.matching import match_in
from app.store.protocol import GraphWriter, Pair
from resolvers.customer360 import feed
from resolvers.errors import FieldError
from resolvers.identity.changes import AuditEntry, ChangeSet, Ignored, Observation
from resolvers.identity.evidence import IdentifierState, LinkRecord, LinkState, pair_of
from resolvers.identity.observations import RawObservation, normalise_observation
from resolvers.identity.stitching import Workspace


@dataclass(frozen=True, slots=True)
class RejectedLink:
    """A link of an observation that did not join, and why."""

    a: str
    b: str
    reason: str


@dataclass(frozen=True, slots=True)
class StitchResult:
    """What became of one observation."""

    observation_id: str
    status: str  # "stitched" or "duplicate"
    customer_id: str | None
    identifiers: list[str]
    merged: list[str] = field(default_factory=list)
    rejected: list[RejectedLink] = field(default_factory=list)
    ignored: list[Ignored] = field(default_factory=list)
    placeholders: list[str] = field(default_factory=list)


def normalise_batch(engine: Engine, raws: Sequence[RawObservation]) -> list[Observation]:
    """Normalise a whole batch or raise ValidationFailed naming every bad item and field."""
    return check_batch(
        raws,
        lambda raw: normalise_observation(raw, engine.normaliser),
        lambda obs: (obs.id, obs.body_hash),
    )


def stitch(
    engine: Engine,
    raws: Sequence[RawObservation],
    actor: str,
) -> list[StitchResult]:
    """Validate and stitch a batch atomically; one result per item, in the batch's order.

    An id the batch repeats with the same body is written once and answered ``duplicate``
    where it repeats.
    """
    observations = normalise_batch(engine, raws)
    done = engine.store.write(lambda tx: stitch_in(tx, engine, observations, actor=actor))
    rejected = sum(len(r.rejected) for r in done.results if r.status == "stitched")
    engine.sink.committed(done.audit, rejected)
    return one_per_item(
        [raw.id for raw in raws],
        done.results,
        lambda r: r.observation_id,
        lambda r: replace(r, status="duplicate", merged=[], rejected=[]),
    )


@dataclass(frozen=True, slots=True)
class Stitched:
    """What stitching did inside a transaction: a result per distinct record, and its audit."""

    results: list[StitchResult]
    audit: list[AuditEntry]


def stitch_in(
    tx: GraphWriter,
    engine: Engine,
    observations: Sequence[Observation],
    *,
    actor: str,
    keep_observations: bool = True,
) -> Stitched:
    """Stitch already-normalised observations inside an open write transaction.

    ``keep_observations=False`` stitches evidence whose caller keeps its own record (events):
    the links and identifiers are written, not an observation row.
    """
    stored = tx.observation_hashes([o.id for o in observations]) if keep_observations else {}
    clashes = [
        FieldError(item_loc(i, "id"), "id_reused", "this id was stored with a different body")
        for i, o in enumerate(observations)
        if o.id in stored and stored[o.id] != o.body_hash
    ]
    if clashes:
        raise Conflict(
            f"{len(clashes)} observation id(s) were already stored with a different body",
            code="id_reused",
            errors=clashes,
        )
    fresh = [o for o in observations if o.id not in stored]
    final_links: dict[Pair, LinkRecord] = {}
    final_ids: dict[str, IdentifierState] = {}
    merged: dict[str, list[str]] = {}
    absorbed: dict[str, list[str]] = {}
    audit: list[AuditEntry] = []
    if fresh:
        keys = {k for o in fresh for k in o.keys}
        identifiers = tx.identifiers(keys)
        customers = owned_customers(
            tx, {s.customer_id for s in identifiers.values() if s.customer_id}
        )
        pairs = {
            pair_of(a, b)
            for o in fresh
            for a, b in combinations(o.keys, 2)
            if a in identifiers and b in identifiers
        }
        workspace = Workspace(
            engine.policy, engine.clock(), actor, identifiers, customers, tx.links(pairs)
        )
        outcomes = [workspace.observe(o, keep=keep_observations) for o in fresh]
        changes = workspace.changes()
        changes.feed.extend(feed.of_audit(changes.audit))
        tx.apply(changes)
        _collect(changes, final_ids, final_links)
        audit.extend(changes.audit)
        if workspace.seed_keys or workspace.seed_customers:
            deferred = [o.observation_id for o in outcomes if o.deferred]
            reason = _reason(deferred)
            again = reresolve(
                tx,
                engine,
                workspace.seed_keys,
                workspace.seed_customers,
                actor=actor,
                reason=reason,
            )
            _collect(again, final_ids, final_links)
            audit.extend(again.audit)
            for outcome in outcomes:
                if outcome.deferred:
                    outcome.merged.extend(_absorbed_by(again))
        if keep_observations:
            matched = match_in(tx, engine, fresh, actor)
            if matched is not None:
                _collect(matched, final_ids, final_links)
                audit.extend(matched.audit)
                absorbed = _absorbed_into(matched)
        merged = {o.observation_id: o.merged for o in outcomes}
    results = _results(tx, engine, observations, stored, final_ids, final_links, merged, absorbed)
    if fresh and keep_observations:
        _report(tx, engine, results, actor)
    return Stitched(results, audit)


def _absorbed_into(matched: ChangeSet) -> dict[str, list[str]]:
    """Customers person evidence merged after the records were stitched: survivor -> absorbed.

    Each record whose customer absorbed others names them in its ``merged``, as an identifier
    merge would.
    """
    absorbed: dict[str, list[str]] = {}
    for old, new in matched.aliases.items():
        if new is not None:
            absorbed.setdefault(new, []).append(old)
    return absorbed


def _report(tx: GraphWriter, engine: Engine, results: Sequence[StitchResult], actor: str) -> None:
    """Append to the change feed the profiles that new records updated."""
    updated: dict[str, list[str]] = {}
    for result in results:
        if result.status == "stitched" and result.customer_id is not None:
            updated.setdefault(result.customer_id, []).append(result.observation_id)
    now = engine.clock()
    changes = feed.of_profiles(now, updated, actor=actor)
    if changes:
        tx.apply(ChangeSet(at=now, feed=changes))


def _collect(
    changes: ChangeSet, ids: dict[str, IdentifierState], links: dict[Pair, LinkRecord]
) -> None:
    ids.update(changes.identifiers)
    links.update(changes.links)


def _absorbed_by(changes: ChangeSet) -> list[str]:
    return [old for old, new in changes.aliases.items() if new is not None]


def _reason(deferred: list[str]) -> str:
    shown = ", ".join(deferred[:5]) + (
        f" and {len(deferred) - 5} more" if len(deferred) > 5 else ""
    )
    return f"re-resolved from the whole evidence after observation(s) {shown}"


def _results(
    tx: GraphWriter,
    engine: Engine,
    observations: Sequence[Observation],
    stored: dict[str, str],
    final_ids: dict[str, IdentifierState],
    final_links: dict[Pair, LinkRecord],
    merged: dict[str, list[str]],
    absorbed: dict[str, list[str]],
) -> list[StitchResult]:
    unknown = {k for o in observations for k in o.keys if k not in final_ids}
    states = {**tx.identifiers(unknown), **final_ids} if unknown else final_ids
    unknown_pairs = {
        pair_of(a, b) for o in observations if o.id in stored for a, b in combinations(o.keys, 2)
    } - final_links.keys()
    links = {**tx.links(unknown_pairs), **final_links} if unknown_pairs else final_links
    results = []
    for obs in observations:
        rejected = []
        for a, b in combinations(obs.keys, 2):
            link = links.get(pair_of(a, b))
            if link is not None and link.state in (LinkState.REJECTED, LinkState.SUPPRESSED):
                rejected.append(RejectedLink(link.a, link.b, link.reason or link.state.value))
        customer = anchor_customer(obs.keys, states, engine)
        joined = merged.get(obs.id, [])
        if customer in absorbed and obs.id not in stored:
            joined = [*joined, *absorbed[customer]]
        results.append(
            StitchResult(
                observation_id=obs.id,
                status="duplicate" if obs.id in stored else "stitched",
                customer_id=customer,
                identifiers=list(obs.keys),
                merged=sorted(set(joined)),
                rejected=rejected,
                ignored=list(obs.ignored),
                placeholders=sorted(obs.placeholders),
            )
        )
    return results


def anchor_customer(
    keys: Sequence[str], states: dict[str, IdentifierState], engine: Engine
) -> str | None:
    """The customer of a record: that of its most trusted live identifier (first on a tie)."""
    found = (states.get(key) for key in keys)
    best = engine.policy.most_trusted(
        s for s in found if s is not None and s.live and s.customer_id is not None
    )
    return best.customer_id if best else None
