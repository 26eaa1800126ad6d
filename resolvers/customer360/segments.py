"""Segments: the condition language, parsed with precise errors and evaluated for one customer.

A condition is a JSON tree (CONTRACT.md "Segments") over the profile document as
``GET /v1/customers/{id}`` serves it, the customer's events, consent state and membership of
other segments. Evaluation is a function of (condition, subject, now): it answers whether the
customer is in, the leaf values that decided (``why``), and the first moment the answer could
change with no new data (a rolling window losing its oldest event), so that memberships can
be re-checked when time alone moves them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from resolvers.customer360.events import Event
from resolvers.customer360.feed import matches

OPS = ("eq", "ne", "lt", "lte", "gt", "gte", "in", "between", "contains", "exists")
# Parts of the profile computed as of now (RFM recency, live vouchers, warranty status,
# upcoming bookings): a condition on them is re-checked daily even when nothing happens.
TIME_DEPENDENT = frozenset({"rfm", "loyalty", "service", "as_of"})
COMPARISONS = ("eq", "ne", "lt", "lte", "gt", "gte")
AGGREGATES = ("sum", "min", "max")
CONSENT_STATES = ("granted", "revoked", "unknown")
MAX_DEPTH = 12
MAX_WINDOW_DAYS = 3660
Loc = tuple[str | int, ...]


class ConditionError(ValueError):
    """A condition that cannot be evaluated, with the location of the faulty part."""

    def __init__(self, message: str, loc: Loc) -> None:
        super().__init__(message)
        self.message = message
        self.loc = loc


# -- the tree --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class All:
    """Every part holds."""

    parts: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    """At least one part holds."""

    parts: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Not:
    """The part does not hold."""

    part: Condition


@dataclass(frozen=True, slots=True)
class ProfileTest:
    """A dotted path into the profile compared with a value (a relative time is resolved at
    evaluation: ``{"days_ago": 30}`` or ``{"days_ahead": 60}``)."""

    path: str
    op: str
    value: Any


@dataclass(frozen=True, slots=True)
class EventsTest:
    """An aggregate of the events of a type whose data fields match, in a time window."""

    type: str
    where: Mapping[str, Any]
    within_days: int | None
    since: datetime | None
    until: datetime | None
    aggregate: str  # count | sum | min | max
    field: str | None
    compare: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ConsentTest:
    """The latest consent decision for a channel and purpose."""

    channel: str
    purpose: str
    state: str


@dataclass(frozen=True, slots=True)
class SegmentTest:
    """Membership of another segment."""

    segment_id: str


Condition = All | AnyOf | Not | ProfileTest | EventsTest | ConsentTest | SegmentTest


# -- parsing ---------------------------------------------------------------------------------


def parse_condition(raw: Any, loc: Loc = ("condition",)) -> Condition:
    """The condition tree of a JSON value; ConditionError names the faulty part."""
    return _parse(raw, loc, 0)


def _parse(raw: Any, loc: Loc, depth: int) -> Condition:
    if depth > MAX_DEPTH:
        raise ConditionError(f"conditions nest at most {MAX_DEPTH} deep", loc)
    if not isinstance(raw, dict) or not raw:
        raise ConditionError(
            "a condition is an object: all, any, not, profile, events, consent or segment", loc
        )
    for name in ("all", "any"):
        if name in raw:
            _only(raw, {name}, loc)
            items = raw[name]
            if not isinstance(items, list) or not items:
                raise ConditionError(f"{name} takes a non-empty list of conditions", (*loc, name))
            parts = tuple(_parse(c, (*loc, name, i), depth + 1) for i, c in enumerate(items))
            return All(parts) if name == "all" else AnyOf(parts)
    if "not" in raw:
        _only(raw, {"not"}, loc)
        return Not(_parse(raw["not"], (*loc, "not"), depth + 1))
    if "profile" in raw:
        return _profile(raw, loc)
    if "events" in raw:
        return _events(raw, loc)
    if "consent" in raw:
        return _consent(raw, loc)
    if "segment" in raw:
        _only(raw, {"segment"}, loc)
        sid = raw["segment"]
        if not isinstance(sid, str) or not sid.startswith("seg_"):
            raise ConditionError("segment names a segment id (seg_…)", (*loc, "segment"))
        return SegmentTest(sid)
    raise ConditionError(
        f"unknown condition {sorted(raw)[0]!r}: use all, any, not, profile, events, consent "
        "or segment",
        (*loc, sorted(raw)[0]),
    )


def _only(raw: Mapping[str, Any], allowed: set[str], loc: Loc) -> None:
    extra = sorted(set(raw) - allowed)
    if extra:
        raise ConditionError(f"unexpected field {extra[0]!r}", (*loc, extra[0]))


def _profile(raw: Mapping[str, Any], loc: Loc) -> ProfileTest:
    _only(raw, {"profile", "op", "value"}, loc)
    path = raw["profile"]
    if not isinstance(path, str) or not path or any(not p for p in path.split(".")):
        raise ConditionError("profile is a dotted path such as loyalty.tier", (*loc, "profile"))
    op = raw.get("op")
    if op not in OPS:
        raise ConditionError(f"op is one of {', '.join(OPS)}", (*loc, "op"))
    if "value" not in raw and op != "exists":
        raise ConditionError(f"op {op} needs a value", (*loc, "value"))
    value = raw.get("value", True)
    if op == "in" and not isinstance(value, list):
        raise ConditionError("op in takes a list of values", (*loc, "value"))
    if op == "between":
        if not isinstance(value, list) or len(value) != 2:
            raise ConditionError("op between takes [low, high], both included", (*loc, "value"))
        for i, bound in enumerate(value):
            if isinstance(bound, dict):
                _relative(bound, (*loc, "value", i))
        return ProfileTest(path, op, value)
    if op == "exists" and not isinstance(value, bool):
        raise ConditionError("op exists takes true or false", (*loc, "value"))
    if isinstance(value, dict):
        _relative(value, (*loc, "value"))
    return ProfileTest(path, op, value)


def _relative(value: Mapping[str, Any], loc: Loc) -> None:
    if len(value) != 1 or next(iter(value)) not in ("days_ago", "days_ahead"):
        raise ConditionError("a relative time is {days_ago: N} or {days_ahead: N}", loc)
    days = next(iter(value.values()))
    if not _is_int(days) or not 0 <= days <= MAX_WINDOW_DAYS:
        raise ConditionError(f"days is a whole number from 0 to {MAX_WINDOW_DAYS}", loc)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _events(raw: Mapping[str, Any], loc: Loc) -> EventsTest:
    aggregates = [a for a in ("count", *AGGREGATES) if a in raw]
    flat = {op for op in COMPARISONS if op in raw}
    _only(raw, {"events", *aggregates, *flat}, loc)
    spec = raw["events"]
    sloc = (*loc, "events")
    if not isinstance(spec, dict):
        raise ConditionError("events is an object with type, where and a window", sloc)
    _only(spec, {"type", "where", "within_days", "since", "until"}, sloc)
    kind = spec.get("type")
    if not isinstance(kind, str) or not kind or " " in kind or kind.count("*") > 1:
        raise ConditionError("type is an event type (order.placed) or a family (order.*)", sloc)
    if "*" in kind and not kind.endswith(".*"):
        raise ConditionError("a family ends in .* (order.*)", (*sloc, "type"))
    where = spec.get("where", {})
    if not isinstance(where, dict):
        raise ConditionError("where maps data fields to values", (*sloc, "where"))
    for name, wanted in where.items():
        if isinstance(wanted, dict):
            _compare(wanted, (*sloc, "where", name), allow_in=True)
    within = spec.get("within_days")
    if within is not None and (not _is_int(within) or not 1 <= within <= MAX_WINDOW_DAYS):
        raise ConditionError(
            f"within_days is a whole number from 1 to {MAX_WINDOW_DAYS}", (*sloc, "within_days")
        )
    since, until = _time(spec, "since", sloc), _time(spec, "until", sloc)
    if within is not None and (since or until):
        raise ConditionError("a window is within_days or since/until, not both", sloc)
    if since and until and since >= until:
        raise ConditionError("since comes before until", (*sloc, "until"))
    if len(aggregates) != 1:
        raise ConditionError("name one aggregate: count, sum, min or max", loc)
    name = aggregates[0]
    aloc = (*loc, name)
    fld: str | None = None
    if name == "count":  # {"count": {"gte": 2}}
        agg = raw[name]
        if not isinstance(agg, dict) or flat:
            raise ConditionError('count is an object such as {"gte": 2}', aloc)
    else:  # {"sum": "total", "gte": 5000}: the field, and the comparisons beside it
        fld = raw[name]
        if not isinstance(fld, str) or not fld or any(not p for p in fld.split(".")):
            raise ConditionError(f'{name} names a data field: "{name}": "total"', aloc)
        agg = {op: raw[op] for op in COMPARISONS if op in raw}
        aloc = loc
    _compare(agg, aloc, allow_in=False)
    return EventsTest(kind, dict(where), within, since, until, name, fld, dict(agg))


def _compare(spec: Mapping[str, Any], loc: Loc, *, allow_in: bool) -> None:
    allowed = (*COMPARISONS, "in") if allow_in else COMPARISONS
    if not spec:
        raise ConditionError(f"compare with one of {', '.join(allowed)}", loc)
    for op, value in spec.items():
        if op not in allowed:
            raise ConditionError(f"unknown comparison {op!r}: {', '.join(allowed)}", (*loc, op))
        if op == "in" and not isinstance(value, list):
            raise ConditionError("in takes a list", (*loc, op))
        if not allow_in and not _is_number(value):
            raise ConditionError("compare an aggregate with a number", (*loc, op))


def _time(spec: Mapping[str, Any], name: str, loc: Loc) -> datetime | None:
    text = spec.get(name)
    if text is None:
        return None
    try:
        when = datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise ConditionError(f"{name} is an ISO-8601 time with a zone", (*loc, name))
    return when


def _consent(raw: Mapping[str, Any], loc: Loc) -> ConsentTest:
    _only(raw, {"consent", "is"}, loc)
    spec = raw["consent"]
    if not isinstance(spec, dict):
        raise ConditionError("consent is {channel, purpose}", (*loc, "consent"))
    _only(spec, {"channel", "purpose"}, (*loc, "consent"))
    channel, purpose = spec.get("channel", "any"), spec.get("purpose", "marketing")
    for name, value in (("channel", channel), ("purpose", purpose)):
        if not isinstance(value, str) or not value:
            raise ConditionError(f"{name} is a name such as email", (*loc, "consent", name))
    state = raw.get("is")
    if state not in CONSENT_STATES:
        raise ConditionError(f"is is one of {', '.join(CONSENT_STATES)}", (*loc, "is"))
    return ConsentTest(channel, purpose, state)


# -- what a condition reads ------------------------------------------------------------------


def leaves(condition: Condition) -> Iterator[Condition]:
    """The leaves of a tree, left to right."""
    if isinstance(condition, All | AnyOf):
        for part in condition.parts:
            yield from leaves(part)
    elif isinstance(condition, Not):
        yield from leaves(condition.part)
    else:
        yield condition


def references(condition: Condition) -> set[str]:
    """The segments a condition names directly."""
    return {leaf.segment_id for leaf in leaves(condition) if isinstance(leaf, SegmentTest)}


def find_cycle(definitions: Mapping[str, Condition], start: str) -> list[str] | None:
    """A path of segment references from ``start`` back to itself, if there is one."""

    def walk(sid: str, path: list[str]) -> list[str] | None:
        for ref in sorted(references(definitions[sid])) if sid in definitions else ():
            if ref == start:
                return [*path, ref]
            if ref not in path:
                found = walk(ref, [*path, ref])
                if found:
                    return found
        return None

    return walk(start, [start])


@dataclass(frozen=True, slots=True)
class Reads:
    """What can change a condition's answer: profile paths, consent, event type patterns."""

    profile: bool = False
    event_types: frozenset[str] = frozenset()
    time: bool = False


def reads(condition: Condition, definitions: Mapping[str, Condition]) -> Reads:
    """What a condition reads, following the segments it names."""
    profile = time = False
    types: set[str] = set()
    seen: set[str] = set()
    stack = [condition]
    while stack:
        for leaf in leaves(stack.pop()):
            if isinstance(leaf, ProfileTest | ConsentTest):
                profile = True
                time = time or isinstance(leaf, ProfileTest)
            elif isinstance(leaf, EventsTest):
                types.add(leaf.type)
                time = time or leaf.within_days is not None
            elif isinstance(leaf, SegmentTest) and leaf.segment_id not in seen:
                if leaf.segment_id not in definitions:
                    continue
                seen.add(leaf.segment_id)
                stack.append(definitions[leaf.segment_id])
    return Reads(profile, frozenset(types), time)


def event_window(
    condition: Condition, definitions: Mapping[str, Condition], now: datetime
) -> tuple[tuple[str, ...], datetime | None]:
    """The event types and the earliest time a condition looks at (None: all of time)."""
    found = reads(condition, definitions)
    starts: list[datetime | None] = []
    stack = [condition]
    seen: set[str] = set()
    while stack:
        for leaf in leaves(stack.pop()):
            if isinstance(leaf, EventsTest):
                if leaf.within_days is not None:
                    starts.append(now - timedelta(days=leaf.within_days))
                else:
                    starts.append(leaf.since)
            elif isinstance(leaf, SegmentTest) and leaf.segment_id not in seen:
                seen.add(leaf.segment_id)
                if leaf.segment_id in definitions:
                    stack.append(definitions[leaf.segment_id])
    if not starts or any(s is None for s in starts):
        return tuple(sorted(found.event_types)), None
    return tuple(sorted(found.event_types)), min(s for s in starts if s is not None)


# -- evaluation ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Subject:
    """One customer as a condition sees it: the served profile and their events."""

    customer_id: str
    profile: Mapping[str, Any]
    events: Sequence[Event]


@dataclass(slots=True)
class Verdict:
    """Whether a customer is in, why (the deciding leaves), and when to look again."""

    member: bool
    why: list[dict[str, Any]] = field(default_factory=list)
    recheck_at: datetime | None = None


def evaluate(
    condition: Condition,
    subject: Subject,
    now: datetime,
    definitions: Mapping[str, Condition] | None = None,
) -> Verdict:
    """Evaluate a condition for one customer at ``now``."""
    return _Evaluator(subject, now, definitions or {}).run(condition, ())


def evaluate_all(
    conditions: Mapping[str, Condition],
    subject: Subject,
    now: datetime,
    definitions: Mapping[str, Condition] | None = None,
) -> dict[str, Verdict]:
    """Evaluate several conditions for one customer, sharing what they read, by key order."""
    evaluator = _Evaluator(subject, now, definitions or {})
    return {key: evaluator.run(conditions[key], ()) for key in sorted(conditions)}


class _Evaluator:
    def __init__(self, subject: Subject, now: datetime, definitions: Mapping[str, Condition]):
        self.subject = subject
        self.now = now
        self.definitions = definitions
        self.recheck: datetime | None = None
        self._by_type: dict[str, list[Event]] = {}

    def _of_type(self, pattern: str) -> list[Event]:
        """The subject's events of a type or family (asked once per pattern)."""
        found = self._by_type.get(pattern)
        if found is None:
            found = [e for e in self.subject.events if matches(e.type, (pattern,))]
            self._by_type[pattern] = found
        return found

    def run(self, condition: Condition, visiting: tuple[str, ...]) -> Verdict:
        self.recheck = None
        verdict = self.node(condition, visiting)
        verdict.recheck_at = self.recheck
        return verdict

    def _later(self, at: datetime | None) -> None:
        if at is not None and at > self.now and (self.recheck is None or at < self.recheck):
            self.recheck = at

    def node(self, condition: Condition, visiting: tuple[str, ...]) -> Verdict:
        if isinstance(condition, All | AnyOf):
            results = [self.node(p, visiting) for p in condition.parts]
            want = isinstance(condition, All)
            member = all(r.member for r in results) if want else any(r.member for r in results)
            # the leaves that decided: all of them when every part agrees, else the dissenters
            deciding = [r for r in results if r.member == member] or results
            return Verdict(member, [w for r in deciding for w in r.why])
        if isinstance(condition, Not):
            inner = self.node(condition.part, visiting)
            return Verdict(not inner.member, inner.why)
        if isinstance(condition, ProfileTest):
            return self.profile(condition)
        if isinstance(condition, EventsTest):
            return self.events(condition)
        if isinstance(condition, ConsentTest):
            return self.consent(condition)
        return self.segment(condition, visiting)

    def segment(self, leaf: SegmentTest, visiting: tuple[str, ...]) -> Verdict:
        target = self.definitions.get(leaf.segment_id)
        if target is None or leaf.segment_id in visiting:
            member = False
        else:
            member = self.node(target, (*visiting, leaf.segment_id)).member
        return Verdict(member, [{"segment": leaf.segment_id, "member": member}])

    def profile(self, leaf: ProfileTest) -> Verdict:
        path = leaf.path.split(".")
        values = list(lookup(self.subject.profile, path))
        relative = isinstance(leaf.value, dict) or (
            isinstance(leaf.value, list) and any(isinstance(v, dict) for v in leaf.value)
        )
        if relative or path[0] in TIME_DEPENDENT:
            self._later(self.now + timedelta(days=1))
        if leaf.op == "between":
            low, high = (self._moment(v) for v in leaf.value)
            member = any(
                _one(v, "gte", low) and _one(v, "lte", high) for v in values
            )  # one value inside both bounds, not one per bound
        else:
            member = compare_values(values, leaf.op, self._moment(leaf.value))
        shown: Any = values[0] if len(values) == 1 else values
        return Verdict(member, [{"profile": leaf.path, "op": leaf.op, "value": shown}])

    def _moment(self, value: Any) -> Any:
        """A relative time ({"days_ago": n}, {"days_ahead": n}) as of now; others as given."""
        if isinstance(value, dict):
            days = value.get("days_ago", 0) or -value.get("days_ahead", 0)
            return self.now - timedelta(days=days)
        return value

    def consent(self, leaf: ConsentTest) -> Verdict:
        state = consent_state(self.subject.profile, leaf.channel, leaf.purpose)
        return Verdict(
            state == leaf.state,
            [{"consent": {"channel": leaf.channel, "purpose": leaf.purpose}, "state": state}],
        )

    def events(self, leaf: EventsTest) -> Verdict:
        start = self.now - timedelta(days=leaf.within_days) if leaf.within_days else leaf.since
        picked: list[Event] = []
        for event in self._of_type(leaf.type):
            if start is not None and (
                event.occurred_at <= start
                if leaf.within_days is not None  # a rolling window ends as its time comes
                else event.occurred_at < start
            ):
                continue
            if leaf.until is not None and event.occurred_at >= leaf.until:
                continue
            if not all(_where(event.data, name, want) for name, want in leaf.where.items()):
                continue
            if leaf.within_days is not None and event.occurred_at > self.now:
                self._later(event.occurred_at)  # a future event counts once its time comes
                continue
            picked.append(event)
        if leaf.within_days is not None and picked:
            window = timedelta(days=leaf.within_days)
            self._later(min(e.occurred_at for e in picked) + window)
        if leaf.aggregate == "count":
            value: float | None = len(picked)
        else:
            numbers = [n for e in picked for n in _numbers(e.data, leaf.field or "")]
            value = _aggregate(leaf.aggregate, numbers)
        member = value is not None and all(
            compare_values([value], op, want) for op, want in leaf.compare.items()
        )
        why: dict[str, Any] = {"events": leaf.type, leaf.aggregate: value}
        if leaf.field:
            why["field"] = leaf.field
        if picked:
            why["latest"] = max(e.occurred_at for e in picked).isoformat()
        return Verdict(member, [why])


def _aggregate(name: str, numbers: list[float]) -> float | None:
    if name == "sum":
        return sum(numbers)
    if not numbers:
        return None
    return min(numbers) if name == "min" else max(numbers)


def lookup(document: Any, path: Sequence[str]) -> Iterator[Any]:
    """The values at a dotted path; a list on the way yields each element's value."""
    if not path:
        if isinstance(document, list):
            yield from document
        elif document is not None:
            yield document
        return
    if isinstance(document, list):
        for item in document:
            yield from lookup(item, path)
    elif isinstance(document, Mapping) and path[0] in document:
        yield from lookup(document[path[0]], path[1:])


def _where(data: Mapping[str, Any], name: str, wanted: Any) -> bool:
    """A data field matches; a field absent at the top is looked for in ``items``."""
    path = name.split(".")
    values = list(lookup(data, path))
    if not values and path[0] not in data:
        values = list(lookup(data.get("items", []), path))
    if isinstance(wanted, dict):
        return all(compare_values(values, op, want) for op, want in wanted.items())
    return compare_values(values, "eq", wanted)


def _numbers(data: Mapping[str, Any], name: str) -> list[float]:
    path = name.split(".")
    values = list(lookup(data, path))
    if not values and path[0] not in data:
        values = list(lookup(data.get("items", []), path))
    return [float(v) for v in values if _is_number(v)]


def compare_values(values: Iterable[Any], op: str, wanted: Any) -> bool:
    """Whether any of the values satisfies ``op wanted`` (ne: none equals; exists: any)."""
    items = list(values)
    if op == "exists":
        return bool(items) == bool(wanted)
    if op == "ne":
        return not any(_equal(v, wanted) for v in items)
    return any(_one(v, op, wanted) for v in items)


def _one(value: Any, op: str, wanted: Any) -> bool:
    if op == "eq":
        return _equal(value, wanted)
    if op == "in":
        return any(_equal(value, w) for w in wanted)
    if op == "contains":
        if isinstance(value, str) and isinstance(wanted, str):
            return wanted.casefold() in value.casefold()
        return False
    left, right = _comparable(value, wanted)
    if left is None or right is None:
        return False
    if op == "lt":
        return bool(left < right)
    if op == "lte":
        return bool(left <= right)
    if op == "gt":
        return bool(left > right)
    return bool(left >= right)


def _equal(value: Any, wanted: Any) -> bool:
    if isinstance(value, str) and isinstance(wanted, str):
        return value.casefold() == wanted.casefold()
    left, right = _comparable(value, wanted)
    return left is not None and left == right


def _comparable(value: Any, wanted: Any) -> tuple[Any, Any]:
    if _is_number(value) and _is_number(wanted):
        return value, wanted
    if isinstance(wanted, datetime) or (isinstance(value, str) and isinstance(wanted, str)):
        left, right = _moment(value), _moment(wanted)
        if left is not None and right is not None:
            return left, right
        if isinstance(value, str) and isinstance(wanted, str):
            return value, wanted
        return None, None
    if isinstance(value, bool) and isinstance(wanted, bool):
        return value, wanted
    return None, None


def _moment(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or len(value) < 10 or value[4:5] != "-":
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    if when.tzinfo is None:  # a date: the start of that day, UTC
        when = when.replace(tzinfo=UTC)
    return when


def consent_state(profile: Mapping[str, Any], channel: str, purpose: str) -> str:
    """granted, revoked or unknown: the latest decision for the channel (or any) and purpose.

    For marketing, an unsubscription on the channel counts as a revocation, as the profile's
    ``consents.marketing`` says.
    """
    consents = profile.get("consents") or {}
    if purpose == "marketing" and channel != "any":
        basis = (consents.get("marketing") or {}).get(channel)
        if not basis:
            return "unknown"
        return "granted" if basis.get("state") == "granted" else "revoked"
    said = [
        (str(item.get("since", "")), str(item.get("state", "")))
        for item in consents.get("items") or []
        if item.get("channel") in (channel, "any") and item.get("purpose") in (purpose, "any")
    ]
    if not said:
        return "unknown"
    return "granted" if max(said)[1] == "granted" else "revoked"
