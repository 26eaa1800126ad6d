"""The segment follower: keeps memberships current from the change feed and the clock.

Each step runs in ONE write transaction: it takes the follower's cursor (locked), reads the
next changes, re-evaluates only the segments a change can move for only the customers it
names, writes the memberships, their history and the ``segment.entered``/``segment.exited``
feed changes, and moves the cursor. Several API workers can each run a follower: the locked
cursor serialises them, and a crash loses nothing (the transaction did all of it or none).

A merge: the absorbed customers are gone, so they exit; the survivor is evaluated. A split:
every part is. Time moves memberships on its own (a rolling window losing its last event):
each evaluation stores when its answer can next change, and ``sweep`` re-evaluates those due.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.engine import Engine
from app.services.background import Periodic
from app.services.segments import (
    Outcome,
    Window,
    decide,
    definitions,
    evaluate_customer,
    leave_all,
    window_of,
    write_outcome,
)
from app.store.protocol import GraphReader, GraphWriter
from app.store.segments import Membership
from resolvers.customer360.feed import ChangeRecord, Topic, matches
from resolvers.customer360.segments import Verdict, reads

FOLLOWER = "segments"
STEP = 1000
SWEEP = 500
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StepResult:
    """What one step did: feed changes read, pairs re-checked, entries and exits."""

    changes: int = 0
    rechecked: int = 0
    entered: int = 0
    exited: int = 0


def _cause(record: ChangeRecord) -> dict[str, Any]:
    change = record.change
    cause: dict[str, Any] = {"change": record.seq, "type": change.type}
    for name in ("event_id", "actor", "action", "reason"):
        if name in change.data:
            cause[name] = change.data[name]
    return cause


def _customers_of(record: ChangeRecord) -> list[str]:
    change = record.change
    ids = list(change.customer_ids)
    if change.topic is Topic.SPLIT:
        ids.extend(str(p) for p in change.data.get("parts", []))
    return list(dict.fromkeys(ids))


def _first_sight(tx: GraphReader, record: ChangeRecord) -> bool:
    """Whether a change is the first the feed says about its customer: an event for an
    identifier nobody had seen makes a customer, who may belong to any segment at once."""
    first = tx.changes(0, 1, [record.change.customer_id])
    return bool(first) and first[0].seq == record.seq


Plan = dict[str, tuple[set[str], Mapping[str, Any]]]
Verdicts = dict[str, dict[str, Verdict] | None]  # None: the customer is gone


@dataclass(frozen=True, slots=True)
class _Seen:
    """What a step read and decided in a snapshot, to write in a short transaction."""

    cursor: int
    last: int
    count: int
    plan: Plan
    verdicts: Verdicts
    names: Mapping[str, str]


def follow(engine: Engine, *, limit: int = STEP) -> StepResult:
    """Process the next changes of the feed; nothing when the follower is caught up.

    Customers are evaluated in a read snapshot, so ingest is not held up; the write takes
    the cursor's lock, gives up if another worker moved it meanwhile, decides entries and
    exits against the memberships held then, and moves the cursor, all in one transaction.
    """
    now = engine.clock()
    seen = engine.store.read(lambda tx: _look(engine, tx, limit, now))
    if seen is None:
        return StepResult()
    return engine.store.write(lambda tx: _commit(tx, seen, now))


def _look(engine: Engine, tx: GraphReader, limit: int, now: datetime) -> _Seen | None:
    cursor = tx.cursor_of(FOLLOWER)
    records = tx.changes(cursor, limit)
    if not records:
        return None
    segments = tx.segment_records()
    known = definitions(segments)
    read_by = {sid: reads(cond, known) for sid, cond in known.items()}
    plan: Plan = {}
    for record in records if known else []:
        change = record.change
        if change.topic is Topic.SEGMENT:
            continue  # our own output; nested segments are evaluated through their tree
        if change.topic is Topic.TIMELINE and not _first_sight(tx, record):
            touched = {
                sid
                for sid, r in read_by.items()
                if r.profile or matches(change.type, r.event_types)
            }
        else:  # a new customer, profile update, merge, split, steward action: anything
            touched = set(known)
        for cid in _customers_of(record):
            wanted, _ = plan.get(cid, (set(), {}))
            plan[cid] = (wanted | touched, _cause(record))
    verdicts = _evaluate(engine, tx, plan, known, now)
    names = {s.id: s.name for s in segments}
    return _Seen(cursor, records[-1].seq, len(records), plan, verdicts, names)


def _commit(tx: GraphWriter, seen: _Seen, now: datetime) -> StepResult:
    if tx.take_cursor(FOLLOWER) != seen.cursor:
        return StepResult()  # another worker took these changes first
    outcome = Outcome()
    _apply(tx, outcome, seen.plan, seen.verdicts, seen.names, now)
    write_outcome(tx, outcome, now)
    tx.set_cursor(FOLLOWER, seen.last)
    return StepResult(seen.count, 0, outcome.entered, outcome.exited)


def _evaluate(
    engine: Engine, tx: GraphReader, plan: Plan, known: Mapping[str, Any], now: datetime
) -> Verdicts:
    live = tx.customers(list(plan))
    windows: dict[frozenset[str], Window] = {}
    out: Verdicts = {}
    for cid in sorted(plan):
        wanted, _ = plan[cid]
        if cid not in live:
            out[cid] = None
            continue
        subset = {sid: known[sid] for sid in sorted(wanted) if sid in known}
        key = frozenset(subset)
        if key not in windows:
            windows[key] = window_of(list(subset.values()), known, now)
        out[cid] = (
            evaluate_customer(engine, tx, live[cid], subset, known, now, windows[key])
            if subset
            else {}
        )
    return out


def _apply(
    tx: GraphWriter,
    outcome: Outcome,
    plan: Plan,
    verdicts: Verdicts,
    names: Mapping[str, str],
    now: datetime,
) -> None:
    ids = sorted(plan)
    held: dict[str, dict[str, Membership]] = {}
    for m in tx.customer_memberships(ids):
        held.setdefault(m.customer_id, {})[m.segment_id] = m
    for cid in ids:
        wanted, cause = plan[cid]
        mine = held.get(cid, {})
        found = verdicts.get(cid)
        if found is None:
            gone = [m for sid, m in sorted(mine.items()) if sid in wanted]
            leave_all(outcome, cid, gone, names, now, cause)
            for sid in wanted:
                outcome.delta.recheck[(sid, cid)] = None
            continue
        decide(outcome, cid, found, mine, names, now, cause)


def sweep(engine: Engine, *, limit: int = SWEEP) -> StepResult:
    """Re-evaluate the memberships whose time has come (rolling windows, relative times)."""
    now = engine.clock()

    def look(tx: GraphReader) -> tuple[Plan, Verdicts, dict[str, str], list[tuple[str, str]]]:
        due = tx.rechecks_due(now, limit)
        segments = tx.segment_records()
        known = definitions(segments)
        plan: Plan = {}
        for sid, cid in due:
            wanted, _ = plan.get(cid, (set(), {}))
            plan[cid] = (wanted | {sid}, {"type": "time", "at": now.isoformat()})
        names = {s.id: s.name for s in segments}
        return plan, _evaluate(engine, tx, plan, known, now), names, due

    plan, verdicts, names, due = engine.store.read(look)
    if not due:
        return StepResult()

    def commit(tx: GraphWriter) -> StepResult:
        outcome = Outcome()
        for sid, cid in due:
            if sid not in names:
                outcome.delta.recheck[(sid, cid)] = None
        _apply(tx, outcome, plan, verdicts, names, now)
        write_outcome(tx, outcome, now)
        return StepResult(0, len(due), outcome.entered, outcome.exited)

    return engine.store.write(commit)


def catch_up(engine: Engine, should_stop: Callable[[], bool] = lambda: False) -> StepResult:
    """Follow the feed to its end, then sweep what is due; the totals. ``should_stop`` is
    asked between steps (a step is bounded: at most STEP changes or SWEEP re-checks)."""
    changes = rechecked = entered = exited = 0
    while not should_stop():
        step = follow(engine)
        changes += step.changes
        entered, exited = entered + step.entered, exited + step.exited
        if not step.changes:
            break
    while not should_stop():
        step = sweep(engine)
        rechecked += step.rechecked
        entered, exited = entered + step.entered, exited + step.exited
        if step.rechecked < SWEEP:
            break
    return StepResult(changes, rechecked, entered, exited)


class SegmentFollower(Periodic):
    """A background thread running ``catch_up`` every ``interval`` seconds."""

    def __init__(self, engine: Engine, interval: float = 0.2) -> None:
        super().__init__("segment follower", interval)
        self.engine = engine

    def step(self) -> None:
        catch_up(self.engine, self.stopping)
