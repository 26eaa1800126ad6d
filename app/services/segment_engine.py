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
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.engine import Engine
from app.services.segments import (
    Outcome,
    decide,
    definitions,
    evaluate_customer,
    leave_all,
    write_outcome,
)
from app.store.protocol import GraphWriter, StoreConflict, StoreUnavailable
from app.store.segments import Membership
from resolvers.feed import ChangeRecord, Topic, matches
from resolvers.segments import reads

FOLLOWER = "segments"
STEP = 200
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


def _first_sight(tx: GraphWriter, record: ChangeRecord) -> bool:
    """Whether a change is the first the feed says about its customer: an event for an
    identifier nobody had seen makes a customer, who may belong to any segment at once."""
    first = tx.changes(0, 1, [record.change.customer_id])
    return bool(first) and first[0].seq == record.seq


def follow(engine: Engine, *, limit: int = STEP) -> StepResult:
    """Process the next changes of the feed; nothing when the follower is caught up."""
    return engine.store.write(lambda tx: _follow(engine, tx, limit))


def _follow(engine: Engine, tx: GraphWriter, limit: int) -> StepResult:
    now = engine.clock()
    cursor = tx.take_cursor(FOLLOWER)
    records = tx.changes(cursor, limit)
    if not records:
        return StepResult()
    segments = tx.segment_records()
    outcome = Outcome()
    if segments:
        known = definitions(segments)
        read_by = {sid: reads(cond, known) for sid, cond in known.items()}
        plan: dict[str, tuple[set[str], dict[str, Any]]] = {}
        for record in records:
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
        _decide(engine, tx, outcome, plan, known, {s.id: s.name for s in segments})
    write_outcome(tx, outcome, now)
    tx.set_cursor(FOLLOWER, records[-1].seq)
    return StepResult(len(records), 0, outcome.entered, outcome.exited)


def _decide(
    engine: Engine,
    tx: GraphWriter,
    outcome: Outcome,
    plan: Mapping[str, tuple[set[str], Mapping[str, Any]]],
    known: Mapping[str, Any],
    names: Mapping[str, str],
) -> None:
    now = engine.clock()
    ids = sorted(cid for cid, (wanted, _) in plan.items())
    live = tx.customers(ids)
    held: dict[str, dict[str, Membership]] = {}
    for m in tx.customer_memberships(ids):
        held.setdefault(m.customer_id, {})[m.segment_id] = m
    for cid in ids:
        wanted, cause = plan[cid]
        mine = held.get(cid, {})
        if cid not in live:
            gone = [m for sid, m in sorted(mine.items()) if sid in wanted]
            leave_all(outcome, cid, gone, names, now, cause)
            for sid in wanted:
                outcome.delta.recheck[(sid, cid)] = None
            continue
        if not wanted:
            continue
        subset = {sid: known[sid] for sid in sorted(wanted)}
        verdicts = evaluate_customer(engine, tx, live[cid], subset, known, now)
        decide(outcome, cid, verdicts, mine, names, now, cause)


def sweep(engine: Engine, *, limit: int = SWEEP) -> StepResult:
    """Re-evaluate the memberships whose time has come (rolling windows, relative times)."""
    return engine.store.write(lambda tx: _sweep(engine, tx, limit))


def _sweep(engine: Engine, tx: GraphWriter, limit: int) -> StepResult:
    now = engine.clock()
    due = tx.rechecks_due(now, limit)
    if not due:
        return StepResult()
    segments = tx.segment_records()
    known = definitions(segments)
    plan: dict[str, tuple[set[str], Mapping[str, Any]]] = {}
    outcome = Outcome()
    for sid, cid in due:
        if sid not in known:
            outcome.delta.recheck[(sid, cid)] = None
            continue
        wanted, _ = plan.get(cid, (set(), {}))
        plan[cid] = (wanted | {sid}, {"type": "time", "at": now.isoformat()})
    _decide(engine, tx, outcome, plan, known, {s.id: s.name for s in segments})
    write_outcome(tx, outcome, now)
    return StepResult(0, len(due), outcome.entered, outcome.exited)


def catch_up(engine: Engine) -> StepResult:
    """Follow the feed to its end, then sweep what is due; the totals."""
    changes = rechecked = entered = exited = 0
    while True:
        step = follow(engine)
        changes, entered, exited = (
            changes + step.changes,
            entered + step.entered,
            exited + step.exited,
        )
        if not step.changes:
            break
    while True:
        step = sweep(engine)
        rechecked += step.rechecked
        entered, exited = entered + step.entered, exited + step.exited
        if step.rechecked < SWEEP:
            break
    return StepResult(changes, rechecked, entered, exited)


class SegmentFollower:
    """A background thread running ``catch_up`` every ``interval`` seconds (and when woken)."""

    def __init__(self, engine: Engine, interval: float = 0.2) -> None:
        self.engine = engine
        self.interval = interval
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="segment-follower", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                catch_up(self.engine)
            except (StoreUnavailable, StoreConflict) as error:
                log.warning("segment follower: %s; trying again", error)
            except Exception:  # a bug must not kill the thread silently, nor the server
                log.exception("segment follower failed; trying again")
            self._wake.wait(self.interval)
            self._wake.clear()
