"""Record timeline events: validate the whole batch, attach each to an identifier, fold aggregates.

An event's identifiers are evidence like an observation's: they are stitched (an order that
names an e-mail and a phone says both are the customer's), then the event is attached to the
most trusted identifier that links, so it follows that identifier through merges and splits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from app.engine import Engine
from app.errors import Conflict
from app.services.batches import check_batch, item_loc, one_per_item
from app.services.stitching import anchor_customer, stitch_in
from app.store.protocol import GraphWriter
from resolvers.customer360 import feed
from resolvers.customer360.events import Event, EventAggregate, RawEvent, make_event, validate_event
from resolvers.errors import FieldError, ValidationFailed
from resolvers.identity.changes import AuditEntry, ChangeSet, Observation
from resolvers.identity.evidence import IdentifierState
from resolvers.identity.observations import body_hash, normalise_identifiers

EVIDENCE_PREFIX = "event:"


@dataclass(frozen=True, slots=True)
class EventResult:
    """What became of one event."""

    event_id: str
    status: str  # "recorded" or "duplicate"
    customer_id: str | None
    anchor: str | None


@dataclass(frozen=True, slots=True)
class _Checked:
    event: Event
    evidence: Observation


def validate_batch(engine: Engine, raws: Sequence[RawEvent]) -> list[_Checked]:
    """Validate every event and its identifiers, or raise naming each bad field."""
    return check_batch(
        raws, lambda raw: _check(engine, raw), lambda c: (c.event.id, c.event.body_hash)
    )


def _check(engine: Engine, raw: RawEvent) -> _Checked:
    """One event validated, with the evidence its identifiers give; ValidationFailed if bad."""
    problems: list[FieldError] = []
    try:
        event_type, data = validate_event(raw, engine.account_currency, engine.fx_rates)
    except ValidationFailed as failed:
        problems.extend(failed.errors)
        event_type, data = raw.type, {}
    found = normalise_identifiers(raw.identifiers, engine.normaliser, problems)
    if not found.identifiers and not problems:
        message = "needs at least one identifier with a value"
        problems.append(FieldError(("identifiers",), "no_identifier", message))
    if problems:
        raise ValidationFailed(problems)
    event = make_event(raw, [i.key for i in found.identifiers], event_type, data)
    evidence = Observation(
        id=EVIDENCE_PREFIX + event.id,
        source=event.source,
        observed_at=event.occurred_at,
        identifiers=tuple(found.identifiers),
        placeholders=frozenset(found.placeholders),
        attributes={},
        body_hash=body_hash(event.source, event.occurred_at, found.identifiers, {}),
        variants=found.variants,
    )
    return _Checked(event, evidence)


def record_events(engine: Engine, raws: Sequence[RawEvent], actor: str) -> list[EventResult]:
    """Validate and record a batch atomically; one result per item, in the batch's order.

    An id the batch repeats with the same body is recorded once and answered ``duplicate``
    where it repeats.
    """
    checked = validate_batch(engine, raws)
    done = engine.store.write(lambda tx: record_in(tx, engine, checked, actor=actor))
    engine.sink.committed(done.audit, 0)
    return one_per_item(
        [raw.id for raw in raws],
        done.results,
        lambda r: r.event_id,
        lambda r: replace(r, status="duplicate"),
    )


@dataclass(frozen=True, slots=True)
class Recorded:
    """What recording did inside a transaction: a result per distinct event, and its audit."""

    results: list[EventResult]
    audit: list[AuditEntry]


def record_in(
    tx: GraphWriter,
    engine: Engine,
    checked: Sequence[_Checked],
    *,
    actor: str,
) -> Recorded:
    """Record validated events inside an open write transaction."""
    stored = tx.event_hashes([c.event.id for c in checked])
    clashes = [
        FieldError(item_loc(i, "id"), "id_reused", "this id was stored with a different body")
        for i, c in enumerate(checked)
        if c.event.id in stored and stored[c.event.id] != c.event.body_hash
    ]
    if clashes:
        raise Conflict(
            f"{len(clashes)} event id(s) were already stored with a different body",
            code="id_reused",
            errors=clashes,
        )
    fresh = [c for c in checked if c.event.id not in stored]
    audit: list[AuditEntry] = []
    if fresh:
        evidence = [c.evidence for c in fresh]
        audit = stitch_in(tx, engine, evidence, actor=actor, keep_observations=False).audit
    keys = {k for c in checked for k in c.event.identifiers}
    states = tx.identifiers(keys)
    anchored = [_anchored(c.event, states, engine) for c in fresh]
    if anchored:
        tx.append_events(anchored, [e.anchor for e in anchored], engine.clock())
        aggregates = tx.aggregates({e.anchor for e in anchored})
        # Time order keeps the capped parts of an aggregate exact (see customer360.aggregates).
        for event in sorted(anchored, key=lambda e: (e.occurred_at, e.id)):
            aggregates.setdefault(event.anchor, EventAggregate()).fold(event)
        tx.put_aggregates(aggregates)
    anchors = {e.id: e.anchor for e in anchored}
    if anchored:
        now = engine.clock()
        timeline = feed.of_events(
            now, [(e, anchor_customer([e.anchor], states, engine)) for e in anchored]
        )
        if timeline:
            tx.apply(ChangeSet(at=now, feed=timeline))
    results = []
    for item in checked:
        event = item.event
        anchor = anchors.get(event.id) or _anchored(event, states, engine).anchor
        results.append(
            EventResult(
                event_id=event.id,
                status="duplicate" if event.id in stored else "recorded",
                customer_id=anchor_customer([anchor], states, engine),
                anchor=anchor,
            )
        )
    return Recorded(results, audit)


def _anchored(event: Event, states: dict[str, IdentifierState], engine: Engine) -> Event:
    """The event attached to its most trusted live identifier (its first one if none links)."""
    found = (states.get(key) for key in event.identifiers)
    best = engine.policy.most_trusted(s for s in found if s is not None and s.live)
    anchor = best.key if best else event.identifiers[0]
    return Event(
        id=event.id,
        type=event.type,
        occurred_at=event.occurred_at,
        source=event.source,
        identifiers=event.identifiers,
        data=event.data,
        body_hash=event.body_hash,
        anchor=anchor,
    )
