"""Data stewards' operations: cut, detach, block, merge — each audited, each re-resolving."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from app.engine import Engine
from app.errors import Conflict, NotFound, Unprocessable
from app.services.customers import find_customer, identifier_key
from app.services.evidence import reresolve
from app.services.matching import restored
from app.store.protocol import GraphWriter, ReviewLabel
from resolvers.customer360 import feed
from resolvers.identity.changes import AuditEntry, ChangeSet
from resolvers.identity.evidence import (
    IdentifierState,
    LinkRecord,
    LinkState,
    Status,
    pair_of,
)
from resolvers.identity.generic import generic_reason
from resolvers.identity.identifiers import kind_of
from resolvers.identity.observations import RawIdentifier

MAX_REASON = 1000


@dataclass(frozen=True, slots=True)
class StewardResult:
    """The customers an operation leaves the named identifiers in, and what it changed."""

    action: str
    customers: list[str]
    identifiers: dict[str, str | None]
    changed_customers: list[str]
    audit: tuple[AuditEntry, ...] = ()


def suppress_link(
    engine: Engine, a: RawIdentifier, b: RawIdentifier, reason: str, actor: str
) -> StewardResult:
    """Cut the link between two identifiers; it stays cut when the same evidence comes again."""
    key_a, key_b = identifier_key(engine, a, ("a",)), identifier_key(engine, b, ("b",))
    if key_a == key_b:
        raise Unprocessable("a link joins two different identifiers", code="same_identifier")
    pair = pair_of(key_a, key_b)

    def work(tx: GraphWriter) -> StewardResult:
        link = tx.links([pair]).get(pair)
        if link is None:
            raise NotFound("these two identifiers were never seen together", code="link_not_found")
        now = engine.clock()
        return _decide_links(
            tx,
            engine,
            [link],
            state=LinkState.SUPPRESSED,
            action="suppress_link",
            reason=reason,
            actor=actor,
            now=now,
        )

    return _committed(engine, engine.store.write(work))


def restore_link(
    engine: Engine, a: RawIdentifier, b: RawIdentifier, reason: str, actor: str
) -> StewardResult:
    """Undo a cut or a forced link: the link goes back to being decided by the policy."""
    key_a, key_b = identifier_key(engine, a, ("a",)), identifier_key(engine, b, ("b",))
    pair = pair_of(key_a, key_b)

    def work(tx: GraphWriter) -> StewardResult:
        link = tx.links([pair]).get(pair)
        if link is None:
            raise NotFound("these two identifiers were never linked", code="link_not_found")
        if link.state not in (LinkState.SUPPRESSED, LinkState.MANUAL):
            raise Conflict("only a cut or forced link can be restored", code="not_steward_decided")
        now = engine.clock()
        if link.by_person:
            # person evidence proposed it: the policy in force decides again
            back = replace(restored(tx, engine, link), decided_by=actor, decided_at=now)
            return _decide_links(
                tx,
                engine,
                [back],
                state=back.state,
                action="restore_link",
                reason=reason,
                actor=actor,
                now=now,
                keep=True,
            )
        if link.count == 0:
            raise Conflict(
                "a forced link with no observed evidence is removed by cutting it",
                code="no_evidence",
            )
        return _decide_links(
            tx,
            engine,
            [link],
            state=LinkState.ACTIVE,
            action="restore_link",
            reason=reason,
            actor=actor,
            now=now,
        )

    return _committed(engine, engine.store.write(work))


def detach(engine: Engine, identifier: RawIdentifier, reason: str, actor: str) -> StewardResult:
    """Take an identifier out of its customer by cutting every link it has."""
    key = identifier_key(engine, identifier, ("identifier",))

    def work(tx: GraphWriter) -> StewardResult:
        state = tx.identifiers([key]).get(key)
        if state is None:
            raise NotFound("this identifier is unknown", code="identifier_not_found")
        links = [
            link
            for link in tx.links_touching([key]).values()
            if link.state is not LinkState.SUPPRESSED
        ]
        now = engine.clock()
        return _decide_links(
            tx,
            engine,
            links,
            state=LinkState.SUPPRESSED,
            action="detach",
            reason=reason,
            actor=actor,
            now=now,
            focus=[key],
        )

    return _committed(engine, engine.store.write(work))


def block(engine: Engine, identifier: RawIdentifier, reason: str, actor: str) -> StewardResult:
    """Mark a value generic by hand: it stops linking now and whenever it is seen again."""
    key = identifier_key(engine, identifier, ("identifier",))

    def work(tx: GraphWriter) -> StewardResult:
        now = engine.clock()
        state = tx.identifiers([key]).get(key)
        out = ChangeSet(at=now)
        if state is None:
            state = IdentifierState(key=key, kind=kind_of(key), first_seen_at=now, last_seen_at=now)
            out.new_identifiers.add(key)
        elif state.status is Status.BLOCKED:
            return _outcome("block", [key], tx, [])
        before = [state.customer_id] if state.customer_id else []
        blocked = replace(
            state, status=Status.BLOCKED, status_reason=f"blocked by {actor}: {reason}"
        )
        out.identifiers[key] = blocked
        tx.apply(out)
        again = reresolve(tx, engine, [key], before, actor=actor, reason=f"block: {reason}")
        return _finish(
            tx,
            now=now,
            actor=actor,
            action="block",
            reason=reason,
            keys=[key],
            before=before,
            detail={"identifier": key},
            again=again,
        )

    return _committed(engine, engine.store.write(work))


def unblock(engine: Engine, identifier: RawIdentifier, reason: str, actor: str) -> StewardResult:
    """Let a blocked value link again (unless its evidence makes it generic anyway)."""
    key = identifier_key(engine, identifier, ("identifier",))

    def work(tx: GraphWriter) -> StewardResult:
        now = engine.clock()
        state = tx.identifiers([key]).get(key)
        if state is None or state.status is not Status.BLOCKED:
            raise Conflict("this identifier is not blocked", code="not_blocked")
        active = replace(state, status=Status.ACTIVE, status_reason=None)
        why = generic_reason(active, engine.policy)
        if why is not None:
            active = replace(active, status=Status.GENERIC, status_reason=why)
        tx.apply(ChangeSet(at=now, identifiers={key: active}))
        again = reresolve(tx, engine, [key], [], actor=actor, reason=f"unblock: {reason}")
        return _finish(
            tx,
            now=now,
            actor=actor,
            action="unblock",
            reason=reason,
            keys=[key],
            before=[],
            detail={"identifier": key},
            again=again,
        )

    return _committed(engine, engine.store.write(work))


def merge_customers(
    engine: Engine, customer_ids: Sequence[str], reason: str, actor: str
) -> StewardResult:
    """Force customers together: a steward link between their anchors, which limits respect."""
    if len(customer_ids) < 2:
        raise Unprocessable("name at least two customers to merge", code="too_few_customers")

    def work(tx: GraphWriter) -> StewardResult:
        now = engine.clock()
        customers = [find_customer(tx, cid) for cid in customer_ids]
        distinct = {c.id: c for c in customers}
        if len(distinct) < 2:
            raise Conflict("these ids already name one customer", code="already_merged")
        ordered = sorted(distinct.values(), key=lambda c: c.anchor_order(engine.policy))
        first = ordered[0]
        pairs = [pair_of(first.anchor_key, other.anchor_key) for other in ordered[1:]]
        existing = tx.links(pairs)
        out = ChangeSet(at=now)
        for pair in pairs:
            link = existing.get(pair)
            if link is None:
                link = LinkRecord(
                    a=pair[0], b=pair[1], first_seen_at=now, last_seen_at=now, count=0
                )
                out.new_links.add(pair)
            out.links[pair] = replace(
                link,
                state=LinkState.MANUAL,
                reason=f"merged by {actor}: {reason}",
                decided_by=actor,
                decided_at=now,
            )
        tx.apply(out)
        before = [c.id for c in ordered]
        again = reresolve(tx, engine, [], before, actor=actor, reason=f"steward merge: {reason}")
        detail = {"links": [list(p) for p in pairs]}
        keys = [first.anchor_key]
        return _finish(
            tx,
            now=now,
            actor=actor,
            action="merge_customers",
            reason=reason,
            keys=keys,
            before=before,
            detail=detail,
            again=again,
        )

    return _committed(engine, engine.store.write(work))


REVIEW_DECISIONS = ("link", "never", "skip")


def answer_review(
    engine: Engine,
    a: RawIdentifier,
    b: RawIdentifier,
    decision: str,
    reason: str,
    actor: str,
) -> StewardResult:
    """A steward's answer to a review item, audited and kept as a labelled pair.

    ``link`` forces a link between the two identifiers (a steward link: it joins them before
    any limit is applied), ``never`` cuts it and keeps it cut when the same evidence comes again,
    ``skip`` records the answer only. The pair need not have been seen together: a proposal
    from person evidence joins identifiers no record carried together.
    """
    if decision not in REVIEW_DECISIONS:
        raise Unprocessable("decide link, never or skip", code="bad_decision")
    key_a, key_b = identifier_key(engine, a, ("a",)), identifier_key(engine, b, ("b",))
    if key_a == key_b:
        raise Unprocessable("a review item joins two different identifiers", code="same_identifier")
    pair = pair_of(key_a, key_b)

    def work(tx: GraphWriter) -> StewardResult:
        now = engine.clock()
        known = tx.identifiers(pair)
        for key in pair:
            if key not in known:
                raise NotFound(f"the identifier {key} is unknown", code="identifier_not_found")
        tx.add_review_labels([ReviewLabel(*pair, decision, reason[:MAX_REASON], actor, now)])
        action = f"review_{decision}"
        if decision == "skip":
            before = sorted({s.customer_id for s in known.values() if s.customer_id})
            detail = {"links": [list(pair)]}
            return _finish(
                tx,
                now=now,
                actor=actor,
                action=action,
                reason=reason,
                keys=pair,
                before=before,
                detail=detail,
                again=ChangeSet(at=now),
            )
        link = tx.links([pair]).get(pair)
        new = link is None
        if link is None:
            link = LinkRecord(a=pair[0], b=pair[1], first_seen_at=now, last_seen_at=now, count=0)
        state = LinkState.MANUAL if decision == "link" else LinkState.SUPPRESSED
        return _decide_links(
            tx,
            engine,
            [link],
            state=state,
            action=action,
            reason=reason,
            actor=actor,
            now=now,
            created=[pair] if new else [],
        )

    return _committed(engine, engine.store.write(work))


def _decide_links(
    tx: GraphWriter,
    engine: Engine,
    links: list[LinkRecord],
    *,
    state: LinkState,
    action: str,
    reason: str,
    actor: str,
    now: datetime,
    focus: Sequence[str] = (),
    created: Sequence[tuple[str, str]] = (),
    keep: bool = False,
) -> StewardResult:
    """Write links in a state and re-resolve; ``keep``: they come decided, write them as is."""
    keys = sorted({k for link in links for k in (link.a, link.b)} | set(focus))
    states = tx.identifiers(keys)
    before = sorted({s.customer_id for s in states.values() if s.customer_id})
    out = ChangeSet(at=now, new_links=set(created))
    for link in links:
        out.links[link.pair] = (
            link
            if keep
            else replace(
                link,
                state=state,
                reason=f"{action} by {actor}: {reason}" if state is not LinkState.ACTIVE else None,
                decided_by=actor,
                decided_at=now,
            )
        )
    tx.apply(out)
    again = reresolve(tx, engine, keys, before, actor=actor, reason=f"{action}: {reason}")
    detail = {"links": [list(pair) for pair in sorted(link.pair for link in links)]}
    return _finish(
        tx,
        now=now,
        actor=actor,
        action=action,
        reason=reason,
        keys=list(focus) or keys,
        before=before,
        detail=detail,
        again=again,
    )


def _finish(
    tx: GraphWriter,
    *,
    now: datetime,
    actor: str,
    action: str,
    reason: str,
    keys: Sequence[str],
    before: Sequence[str],
    detail: Mapping[str, object],
    again: ChangeSet,
) -> StewardResult:
    """Audit the operation with the customers before and after, and answer with them."""
    changed = sorted(set(again.customers) | again.deleted_customers)
    result = _outcome(action, keys, tx, changed)
    involved = sorted({*before, *result.customers, *changed})
    entry = AuditEntry(
        at=now,
        actor=actor,
        action=action,
        reason=reason[:MAX_REASON],
        customer_ids=tuple(involved),
        before={"customers": list(before), **detail},
        after={"customers": result.customers, "identifiers": result.identifiers},
    )
    updated = feed.of_steward(
        now, result.customers, action=action, actor=actor, reason=entry.reason
    )
    tx.apply(ChangeSet(at=now, audit=[entry], feed=updated))
    return replace(result, audit=(*again.audit, entry))


def _outcome(
    action: str, keys: Sequence[str], tx: GraphWriter, changed: list[str]
) -> StewardResult:
    states = tx.identifiers(keys)
    mapping = {k: (states[k].customer_id if k in states else None) for k in keys}
    customers = sorted({c for c in mapping.values() if c})
    return StewardResult(action, customers, mapping, changed)


def _committed(engine: Engine, result: StewardResult) -> StewardResult:
    engine.sink.committed(result.audit, 0)
    return result
