"""Segments: define, preview, list members, export, and a customer's segments with why.

Conditions are parsed and evaluated by ``resolvers.customer360.segments``; memberships are
materialised in the store and kept current by the segment follower
(``app.services.segment_engine``). Evaluating one customer reads the profile as the API
serves it and the events the segments look at, inside one transaction.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

import orjson

from app.engine import Engine
from app.errors import NotFound, Unprocessable
from app.services.customers import find_customer
from app.services.profiles import served_profile
from app.store.protocol import GraphReader, GraphWriter
from app.store.segments import Membership, MembershipChange, MembershipDelta, SegmentRecord
from resolvers.customer360.feed import SEGMENT_ENTERED, SEGMENT_EXITED, Change, Topic
from resolvers.customer360.segments import (
    Condition,
    ConditionError,
    Subject,
    Verdict,
    evaluate,
    evaluate_all,
    event_window,
    find_cycle,
    parse_condition,
    references,
)
from resolvers.errors import FieldError, Loc, ValidationFailed
from resolvers.identity.changes import ChangeSet
from resolvers.identity.evidence import CustomerState

EVENTS_READ = 10_000
SCAN_BATCH = 200
PREVIEW_SAMPLE = 20
MAX_NAME = 200


# -- definitions -----------------------------------------------------------------------------


def definitions(records: Sequence[SegmentRecord]) -> dict[str, Condition]:
    """The parsed condition of every stored segment."""
    return {r.id: parse_condition(r.condition) for r in records}


def _invalid(loc: Loc, message: str) -> ValidationFailed:
    return ValidationFailed([FieldError(loc, "invalid_condition", message)])


def _checked(
    raw: Any, known: Mapping[str, Condition], loc: Loc, segment_id: str | None = None
) -> Condition:
    """A condition that parses, names existing segments and closes no cycle."""
    try:
        condition = parse_condition(raw, loc)
    except ConditionError as error:
        raise _invalid(error.loc, error.message) from None
    for ref in sorted(references(condition)):
        if ref not in known:
            raise _invalid(loc, f"no segment {ref}")
    if segment_id is not None:
        cycle = find_cycle({**known, segment_id: condition}, segment_id)
        if cycle:
            raise _invalid(loc, f"segments may not refer to themselves: {' -> '.join(cycle)}")
    return condition


def _name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise ValidationFailed(
            [FieldError(("name",), "invalid_name", f"a name of 1 to {MAX_NAME} characters")]
        )
    return name


def create_segment(
    engine: Engine,
    name: str,
    condition: Any,
    *,
    description: str = "",
    loc: Loc = ("condition",),
) -> SegmentRecord:
    """Store a new segment and compute its members."""
    name = _name(name)
    now = engine.clock()
    segment_id = f"seg_{secrets.token_hex(8)}"

    def work(tx: GraphWriter) -> SegmentRecord:
        _checked(condition, definitions(tx.segment_records()), loc, segment_id)
        record = SegmentRecord(segment_id, name, description, condition, now, now)
        tx.put_segment(record)
        return record

    record = engine.store.write(work)
    recompute(engine, [record.id], cause={"type": "segment.created"})
    return record


def update_segment(
    engine: Engine,
    segment_id: str,
    name: str,
    condition: Any,
    *,
    description: str = "",
    loc: Loc = ("condition",),
) -> SegmentRecord:
    """Replace a segment's definition and re-evaluate its members."""
    name = _name(name)
    now = engine.clock()

    def work(tx: GraphWriter) -> SegmentRecord:
        records = {r.id: r for r in tx.segment_records()}
        old = records.get(segment_id)
        if old is None:
            raise NotFound(f"no segment {segment_id}", code="segment_not_found")
        known = definitions([r for r in records.values() if r.id != segment_id])
        known[segment_id] = parse_condition(old.condition)
        _checked(condition, known, loc, segment_id)
        record = SegmentRecord(segment_id, name, description, condition, old.created_at, now)
        tx.put_segment(record)
        return record

    record = engine.store.write(work)
    dependents = [
        sid
        for sid, cond in engine.store.read(lambda tx: definitions(tx.segment_records())).items()
        if sid == segment_id or segment_id in references(cond)
    ]
    recompute(engine, dependents, cause={"type": "segment.updated", "segment_id": segment_id})
    return record


def delete_segment(engine: Engine, segment_id: str) -> None:
    """Delete a segment that no other segment names, with its memberships."""

    def work(tx: GraphWriter) -> None:
        known = definitions(tx.segment_records())
        if segment_id not in known:
            raise NotFound(f"no segment {segment_id}", code="segment_not_found")
        users = sorted(s for s, c in known.items() if segment_id in references(c))
        if users:
            raise Unprocessable(
                f"segment {segment_id} is named by {', '.join(users)}", code="segment_in_use"
            )
        tx.delete_segment(segment_id)

    engine.store.write(work)


def list_segments(engine: Engine) -> list[SegmentRecord]:
    """Every segment, in id order."""
    return engine.store.read(lambda tx: tx.segment_records())


def get_segment(engine: Engine, segment_id: str) -> SegmentRecord:
    """One segment; NotFound otherwise."""
    for record in list_segments(engine):
        if record.id == segment_id:
            return record
    raise NotFound(f"no segment {segment_id}", code="segment_not_found")


# -- evaluation ------------------------------------------------------------------------------


Window = tuple[tuple[str, ...], datetime | None]


def window_of(
    conditions: Collection[Condition], known: Mapping[str, Condition], now: datetime
) -> Window:
    """The event types these conditions read and the earliest time they look at."""
    types: set[str] = set()
    starts: list[datetime | None] = []
    for condition in conditions:
        wanted, start = event_window(condition, known, now)
        types.update(wanted)
        if wanted:
            starts.append(start)
    since = None if any(s is None for s in starts) else min((s for s in starts if s), default=None)
    return tuple(sorted(types)), since


def subject_of(engine: Engine, tx: GraphReader, customer: CustomerState, window: Window) -> Subject:
    """One customer as conditions see them: the served profile and the events they read."""
    types, since = window
    events: list[Any] = []
    if types:
        keys = list(tx.members([customer.id]))
        events = tx.timeline(keys, EVENTS_READ, None, types, since, None).events
    return Subject(customer.id, served_profile(engine, tx, customer), events)


def evaluate_customer(
    engine: Engine,
    tx: GraphReader,
    customer: CustomerState,
    segments: Mapping[str, Condition],
    known: Mapping[str, Condition],
    now: datetime,
    window: Window | None = None,
) -> dict[str, Verdict]:
    """The verdict of each segment for one live customer (``window``: from window_of, when
    the caller evaluates the same segments for many customers)."""
    window = window or window_of(list(segments.values()), known, now)
    subject = subject_of(engine, tx, customer, window)
    return evaluate_all(segments, subject, now, known)


@dataclass(slots=True)
class Outcome:
    """What one evaluation step decided: the delta to write and the feed changes it reports."""

    delta: MembershipDelta = field(default_factory=MembershipDelta)
    feed: list[Change] = field(default_factory=list)

    @property
    def entered(self) -> int:
        return sum(1 for h in self.delta.history if h.entered)

    @property
    def exited(self) -> int:
        return sum(1 for h in self.delta.history if not h.entered)


def decide(
    outcome: Outcome,
    customer_id: str,
    verdicts: Mapping[str, Verdict],
    current: Mapping[str, Membership],
    names: Mapping[str, str],
    now: datetime,
    cause: Mapping[str, Any],
) -> None:
    """Compare verdicts with the memberships held and record the entries and exits."""
    for sid, verdict in verdicts.items():
        held = current.get(sid)
        outcome.delta.recheck[(sid, customer_id)] = verdict.recheck_at
        if verdict.member and held is None:
            outcome.delta.upsert.append(Membership(sid, customer_id, now, verdict.why))
            _report(outcome, sid, customer_id, names, now, cause, verdict.why, entered=True)
        elif verdict.member and held is not None and held.why != verdict.why:
            outcome.delta.upsert.append(Membership(sid, customer_id, held.since, verdict.why))
        elif not verdict.member and held is not None:
            outcome.delta.remove.append((sid, customer_id))
            _report(outcome, sid, customer_id, names, now, cause, verdict.why, entered=False)


def leave_all(
    outcome: Outcome,
    customer_id: str,
    current: Sequence[Membership],
    names: Mapping[str, str],
    now: datetime,
    cause: Mapping[str, Any],
) -> None:
    """A customer that no longer exists (absorbed, dissolved) exits every segment."""
    for held in current:
        outcome.delta.remove.append((held.segment_id, customer_id))
        outcome.delta.recheck[(held.segment_id, customer_id)] = None
        _report(outcome, held.segment_id, customer_id, names, now, cause, [], entered=False)


def _report(
    outcome: Outcome,
    segment_id: str,
    customer_id: str,
    names: Mapping[str, str],
    now: datetime,
    cause: Mapping[str, Any],
    why: list[dict[str, Any]],
    *,
    entered: bool,
) -> None:
    outcome.delta.history.append(MembershipChange(segment_id, customer_id, now, entered, cause))
    outcome.feed.append(
        Change(
            SEGMENT_ENTERED if entered else SEGMENT_EXITED,
            Topic.SEGMENT,
            now,
            (customer_id,),
            {
                "customer_id": customer_id,
                "segment_id": segment_id,
                "segment": names.get(segment_id, segment_id),
                "why": why,
                "cause": dict(cause),
            },
        )
    )


def write_outcome(tx: GraphWriter, outcome: Outcome, now: datetime) -> None:
    """Memberships, history, re-checks and the feed's segment changes, in the caller's
    transaction."""
    if outcome.delta:
        tx.write_memberships(outcome.delta)
    if outcome.feed:
        tx.apply(ChangeSet(at=now, feed=outcome.feed))


def recompute(
    engine: Engine, segment_ids: Collection[str] | None, *, cause: Mapping[str, Any]
) -> Outcome:
    """Evaluate segments (all when None) for every live customer and write what differs;
    customers that are gone leave. Answers what changed (nothing, after incremental upkeep)."""
    total = Outcome()
    for batch in engine.store.scan_customers(SCAN_BATCH):
        outcome = engine.store.write(
            partial(
                _recompute_batch,
                engine,
                ids=[c.id for c in batch],
                segment_ids=segment_ids,
                cause=cause,
            )
        )
        total.delta.history.extend(outcome.delta.history)
    outcome = engine.store.write(lambda tx: _drop_gone(engine, tx, segment_ids, cause))
    total.delta.history.extend(outcome.delta.history)
    return total


def _recompute_batch(
    engine: Engine,
    tx: GraphWriter,
    *,
    ids: Sequence[str],
    segment_ids: Collection[str] | None,
    cause: Mapping[str, Any],
) -> Outcome:
    now = engine.clock()
    records = tx.segment_records()
    known = definitions(records)
    names = {r.id: r.name for r in records}
    wanted = {s: c for s, c in known.items() if segment_ids is None or s in segment_ids}
    outcome = Outcome()
    live = tx.customers(ids)
    held: dict[str, dict[str, Membership]] = {}
    for m in tx.customer_memberships(ids):
        held.setdefault(m.customer_id, {})[m.segment_id] = m
    window = window_of(list(wanted.values()), known, now)
    for cid in ids:
        if cid not in live or not wanted:
            continue
        verdicts = evaluate_customer(engine, tx, live[cid], wanted, known, now, window)
        decide(outcome, cid, verdicts, held.get(cid, {}), names, now, cause)
    write_outcome(tx, outcome, now)
    return outcome


def _drop_gone(
    engine: Engine, tx: GraphWriter, segment_ids: Collection[str] | None, cause: Mapping[str, Any]
) -> Outcome:
    now = engine.clock()
    records = tx.segment_records()
    names = {r.id: r.name for r in records}
    outcome = Outcome()
    for record in records:
        if segment_ids is not None and record.id not in segment_ids:
            continue
        after = ""
        while True:
            page = tx.segment_members(record.id, after, SCAN_BATCH)
            if not page:
                break
            live = tx.live_customer_ids([m.customer_id for m in page])
            for m in page:
                if m.customer_id not in live:
                    leave_all(outcome, m.customer_id, [m], names, now, cause)
            after = page[-1].customer_id
    write_outcome(tx, outcome, now)
    return outcome


def preview(engine: Engine, condition: Any, *, loc: Loc = ("condition",)) -> tuple[int, list[str]]:
    """How many live customers a condition holds, and a sample of them; nothing is saved."""
    now = engine.clock()
    known = engine.store.read(lambda tx: definitions(tx.segment_records()))
    parsed = _checked(condition, known, loc)
    window = window_of([parsed], known, now)
    count, sample = 0, list[str]()
    for batch in engine.store.scan_customers(SCAN_BATCH):

        def read(tx: GraphReader, batch: list[CustomerState] = batch) -> list[str]:
            found = []
            for customer in batch:
                subject = subject_of(engine, tx, customer, window)
                if evaluate(parsed, subject, now, known).member:
                    found.append(customer.id)
            return found

        members = engine.store.read(read)
        count += len(members)
        sample.extend(members[: PREVIEW_SAMPLE - len(sample)])
    return count, sample


# -- reading memberships ---------------------------------------------------------------------


def members(
    engine: Engine, segment_id: str, *, after: str, limit: int
) -> tuple[list[Membership], str | None]:
    """A page of a segment's members in customer id order, and where the next page starts."""
    get_segment(engine, segment_id)
    page = engine.store.read(lambda tx: tx.segment_members(segment_id, after, limit + 1))
    more = len(page) > limit
    page = page[:limit]
    return page, (page[-1].customer_id if more and page else None)


def export_rows(engine: Engine, segment_id: str) -> Iterator[dict[str, Any]]:
    """Every member with its identifiers, in customer id order."""
    get_segment(engine, segment_id)
    after = ""
    while True:

        def read(tx: GraphReader, after: str = after) -> list[tuple[Membership, list[str]]]:
            page = tx.segment_members(segment_id, after, SCAN_BATCH)
            keys = tx.members([m.customer_id for m in page])
            by_customer: dict[str, list[str]] = {}
            for key, state in keys.items():
                if state.customer_id:
                    by_customer.setdefault(state.customer_id, []).append(key)
            return [(m, sorted(by_customer.get(m.customer_id, []))) for m in page]

        rows = engine.store.read(read)
        if not rows:
            return
        for membership, identifiers in rows:
            yield {
                "customer_id": membership.customer_id,
                "since": membership.since.isoformat(),
                "identifiers": identifiers,
            }
        after = rows[-1][0].customer_id


def export_text(rows: Iterator[dict[str, Any]], fmt: str) -> Iterator[str]:
    """Export rows as CSV (identifiers joined by spaces) or JSON lines."""
    if fmt == "jsonl":
        for row in rows:
            yield orjson.dumps(row).decode() + "\n"
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["customer_id", "since", "identifiers"])
    for row in rows:
        writer.writerow([row["customer_id"], row["since"], " ".join(row["identifiers"])])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


@dataclass(frozen=True, slots=True)
class CustomerSegment:
    """A segment a customer is in, since when, and the leaf values that decided."""

    segment_id: str
    name: str
    since: datetime
    why: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class CustomerSegments:
    """The segments of one customer (an absorbed id answers with the survivor's)."""

    customer_id: str
    items: list[CustomerSegment]


def customer_segments(engine: Engine, customer_id: str) -> CustomerSegments:
    """The segments a customer is in, with why; what ``GET /v1/customers/{id}/segments`` and
    the MCP tool ``customer_segments`` serve."""

    def read(tx: GraphReader) -> CustomerSegments:
        customer = find_customer(tx, customer_id)
        names = {r.id: r.name for r in tx.segment_records()}
        return CustomerSegments(
            customer.id,
            [
                CustomerSegment(m.segment_id, names.get(m.segment_id, m.segment_id), m.since, m.why)
                for m in tx.customer_memberships([customer.id])
            ],
        )

    return engine.store.read(read)


def segment_history(engine: Engine, customer_id: str, *, limit: int) -> list[MembershipChange]:
    """Entries and exits of a customer (and of the ids it absorbed), newest first."""

    def read(tx: GraphReader) -> list[MembershipChange]:
        customer = find_customer(tx, customer_id)
        ids = [customer.id, *tx.absorbed_into(customer.id)]
        return tx.membership_history(ids, limit)

    return engine.store.read(read)
