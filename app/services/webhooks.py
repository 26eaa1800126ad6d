"""Webhooks: endpoints, and the dispatcher that delivers the change feed to them.

The dispatcher follows the feed from its own cursor: in ONE transaction it takes the cursor,
reads the next changes, writes one delivery per subscribed endpoint (the outbox) and moves
the cursor, so a crash between a commit and its delivery loses nothing. Sending happens
outside any transaction: a batch is claimed (its next try pushed a lease ahead, so another
worker leaves it alone), POSTed with Standard Webhooks signatures, and the outcome recorded.
Per endpoint, a customer's deliveries go one at a time in feed order.
"""

from __future__ import annotations

import base64
import logging
import random
import secrets
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx
import orjson
from standardwebhooks.webhooks import Webhook

from app.engine import Engine, utc_now
from app.errors import NotFound
from app.services.background import Periodic
from app.services.customers import find_customer
from app.services.profiles import served_profile
from app.store.protocol import GraphReader, GraphWriter
from app.store.webhooks import DELIVERED, FAILED, PENDING, Delivery, EndpointRecord
from resolvers.customer360.events import EVENT_TYPES
from resolvers.customer360.webhooks import (
    RETRY_SCHEDULE,
    SUBSCRIBABLE,
    marketing_revoked,
    next_delay,
    payload,
    subscribed,
)
from resolvers.errors import FieldError, ValidationFailed

FOLLOWER = "webhooks"
FAN_OUT = 500
SEND_BATCH = 50
LEASE = timedelta(seconds=30)
TIMEOUT_S = 10.0
FAMILIES = frozenset(t.split(".", 1)[0] for t in EVENT_TYPES) | {"custom", "segment", "customer"}
log = logging.getLogger(__name__)


# -- endpoints -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewEndpoint:
    """A freshly made endpoint and its signing secret, shown this once."""

    record: EndpointRecord
    secret: str


def _invalid(field: str, message: str, index: int | None = None) -> ValidationFailed:
    loc: tuple[str | int, ...] = (field,) if index is None else (field, index)
    return ValidationFailed([FieldError(loc, f"invalid_{field}", message)])


def _check_type(pattern: str, index: int) -> None:
    family = pattern[:-2] if pattern.endswith(".*") else None
    if pattern in SUBSCRIBABLE or pattern in EVENT_TYPES or family in FAMILIES:
        return
    if pattern.startswith("custom.") and " " not in pattern:
        return
    raise _invalid(
        "types",
        f"unknown type {pattern!r}: segment.entered, segment.exited, customer.merged, "
        "customer.split, an event type (order.placed) or a family (order.*)",
        index,
    )


def create_endpoint(
    engine: Engine,
    url: str,
    types: Sequence[str],
    *,
    segments: Sequence[str] = (),
    marketing: bool = False,
) -> NewEndpoint:
    """Subscribe a URL to change types (and optionally to segments)."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError):
        raise _invalid("url", "an http(s) URL with a host") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise _invalid("url", "an http(s) URL with a host")
    if not types:
        raise _invalid("types", "name at least one type")
    for i, pattern in enumerate(types):
        _check_type(pattern, i)
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    record = EndpointRecord(
        id=f"wh_{secrets.token_hex(8)}",
        url=url,
        secret=secret,
        types=tuple(dict.fromkeys(types)),
        segments=tuple(dict.fromkeys(segments)),
        marketing=marketing,
        active=True,
        disabled_reason="",
        created_at=engine.clock(),
    )

    def work(tx: GraphWriter) -> EndpointRecord:
        known = {s.id for s in tx.segment_records()}
        for i, sid in enumerate(record.segments):
            if sid not in known:
                raise _invalid("segments", f"no segment {sid}", i)
        # it receives what the feed holds after this point: a position, not a time, so a
        # writer whose clock lags cannot commit a change the endpoint never sees. Taking the
        # fan-out's cursor first serialises with it (Neo4j takes writers side by side): a
        # fan-out that read a change past this point before the endpoint was committed would
        # otherwise move on without it
        tx.take_cursor(FOLLOWER)
        placed = replace(record, after_seq=tx.last_change())
        tx.put_endpoint(placed)
        return placed

    return NewEndpoint(engine.store.write(work), secret)


def list_endpoints(engine: Engine) -> list[EndpointRecord]:
    """Every endpoint, in id order."""
    return engine.store.read(lambda tx: tx.endpoint_records())


def _endpoint(tx: GraphReader, endpoint_id: str) -> EndpointRecord:
    for record in tx.endpoint_records():
        if record.id == endpoint_id:
            return record
    raise NotFound(f"no webhook endpoint {endpoint_id}", code="webhook_not_found")


def delete_endpoint(engine: Engine, endpoint_id: str) -> None:
    """Unsubscribe an endpoint; its deliveries go with it."""
    if not engine.store.write(lambda tx: tx.delete_endpoint(endpoint_id)):
        raise NotFound(f"no webhook endpoint {endpoint_id}", code="webhook_not_found")


def deliveries(
    engine: Engine, endpoint_id: str, *, limit: int, state: str | None = None
) -> list[Delivery]:
    """The delivery log of an endpoint, newest first."""

    def read(tx: GraphReader) -> list[Delivery]:
        _endpoint(tx, endpoint_id)
        return tx.deliveries_of(endpoint_id, limit, state)

    return engine.store.read(read)


def replay(engine: Engine, endpoint_id: str, ids: Collection[str] | None) -> int:
    """Send deliveries again, with their webhook-id: the ones named, or every dead-lettered
    one; a disabled endpoint is enabled again. Answers how many were queued."""
    now = engine.clock()

    def work(tx: GraphWriter) -> int:
        endpoint = _endpoint(tx, endpoint_id)
        log_ = tx.deliveries_of(endpoint_id, 100_000, None if ids else FAILED)
        chosen = [d for d in log_ if (d.id in ids if ids else d.state == FAILED)]
        if ids and len(chosen) != len(set(ids)):
            missing = sorted(set(ids) - {d.id for d in chosen})
            raise NotFound(f"no delivery {missing[0]} for {endpoint_id}", code="delivery_not_found")
        again = [replace(d, state=PENDING, attempts=0, next_at=now, last_error="") for d in chosen]
        tx.update_deliveries(again)
        if not endpoint.active:
            tx.put_endpoint(replace(endpoint, active=True, disabled_reason=""))
        return len(again)

    return engine.store.write(work)


# -- fan-out: the feed into per-endpoint deliveries ------------------------------------------


def fan_out(engine: Engine, *, limit: int = FAN_OUT) -> int:
    """Turn the next changes of the feed into deliveries; how many changes were read."""
    return engine.store.write(lambda tx: _fan_out(engine, tx, limit))


def _fan_out(engine: Engine, tx: GraphWriter, limit: int) -> int:
    cursor = tx.take_cursor(FOLLOWER)
    records = tx.changes(cursor, limit)
    if not records:
        return 0
    now = engine.clock()
    endpoints = [e for e in tx.endpoint_records() if e.active]
    revoked: dict[str, bool] = {}
    out: list[Delivery] = []
    for record in records:
        change = record.change
        for endpoint in endpoints:
            if not _after_creation(record.seq, change.at, endpoint):
                continue  # an endpoint receives what is committed after it was created
            if not subscribed(change, endpoint.types, endpoint.segments):
                continue
            if endpoint.marketing:
                cid = change.customer_id
                if cid not in revoked:
                    revoked[cid] = _revoked(engine, tx, cid)
                if revoked[cid]:
                    continue
            body = orjson.dumps(payload(change)).decode()
            out.append(
                Delivery(
                    id=f"msg_{record.seq}_{endpoint.id}",
                    endpoint_id=endpoint.id,
                    seq=record.seq,
                    customer_id=change.customer_id,
                    type=change.type,
                    body=body,
                    state=PENDING,
                    attempts=0,
                    next_at=now,
                    created_at=now,
                )
            )
    tx.add_deliveries(out)
    tx.set_cursor(FOLLOWER, records[-1].seq)
    return len(records)


def _after_creation(seq: int, at: datetime, endpoint: EndpointRecord) -> bool:
    """Whether a change of the feed came after the endpoint was created: by feed position, or
    by time for an endpoint stored before positions were kept."""
    if endpoint.after_seq is not None:
        return seq > endpoint.after_seq
    return at >= endpoint.created_at


def _revoked(engine: Engine, tx: GraphReader, customer_id: str) -> bool:
    try:
        customer = find_customer(tx, customer_id)
    except NotFound:
        return False  # dissolved: nothing says no
    return marketing_revoked(served_profile(engine, tx, customer))


# -- sending ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Attempt:
    """What one POST answered."""

    status: int | None
    error: str
    retry_after: timedelta | None


def _claim(engine: Engine, tx: GraphWriter, limit: int) -> list[tuple[Delivery, EndpointRecord]]:
    now = engine.clock()
    endpoints = {e.id: e for e in tx.endpoint_records() if e.active}
    heads: dict[tuple[str, str], Delivery] = {}
    for d in tx.pending_deliveries(limit * 20):
        heads.setdefault((d.endpoint_id, d.customer_id), d)
    due = [d for d in heads.values() if d.next_at <= now and d.endpoint_id in endpoints][:limit]
    tx.update_deliveries([replace(d, next_at=now + LEASE) for d in due])
    return [(d, endpoints[d.endpoint_id]) for d in due]


def _retry_after(value: str | None, now: datetime) -> timedelta | None:
    if not value:
        return None
    if value.strip().isdigit():
        return timedelta(seconds=int(value.strip()))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(timedelta(0), when - now)


def post(client: httpx.Client, delivery: Delivery, endpoint: EndpointRecord) -> Attempt:
    """POST one delivery, signed; what the endpoint answered."""
    sent_at = utc_now()  # the receiver checks this against its own clock
    headers = {
        "content-type": "application/json",
        "webhook-id": delivery.id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": Webhook(endpoint.secret).sign(delivery.id, sent_at, delivery.body),
    }
    try:
        response = client.post(endpoint.url, content=delivery.body.encode(), headers=headers)
    except httpx.HTTPError as failure:
        return Attempt(None, f"{type(failure).__name__}: {failure}"[:500], None)
    after = _retry_after(response.headers.get("retry-after"), sent_at)
    problem = "" if response.is_success else f"HTTP {response.status_code}"
    return Attempt(response.status_code, problem, after)


def send_due(
    engine: Engine,
    client: httpx.Client,
    *,
    schedule: Sequence[timedelta] = RETRY_SCHEDULE,
    jitter: Callable[[], float] = lambda: random.uniform(-1.0, 1.0),
    limit: int = SEND_BATCH,
    should_stop: Callable[[], bool] = lambda: False,
) -> int:
    """Send the deliveries that are due; how many were tried. Stopping midway leaves the
    rest claimed: their lease runs out and they are sent again, with the same ids."""
    claimed = engine.store.write(lambda tx: _claim(engine, tx, limit))
    if not claimed:
        return 0
    outcomes = []
    for d, e in claimed:
        if should_stop():
            break
        outcomes.append((d, e, post(client, d, e)))
    engine.store.write(lambda tx: _record(engine, tx, outcomes, schedule, jitter))
    return len(claimed)


def _record(
    engine: Engine,
    tx: GraphWriter,
    outcomes: Sequence[tuple[Delivery, EndpointRecord, Attempt]],
    schedule: Sequence[timedelta],
    jitter: Callable[[], float],
) -> None:
    now = engine.clock()
    done: list[Delivery] = []
    gone: dict[str, EndpointRecord] = {}
    for d, endpoint, attempt in outcomes:
        tried = replace(d, attempts=d.attempts + 1, last_status=attempt.status)
        if attempt.status is not None and 200 <= attempt.status < 300:
            done.append(replace(tried, state=DELIVERED, last_error="", delivered_at=now))
        elif attempt.status == 410:
            done.append(replace(tried, state=FAILED, last_error="410 Gone: endpoint disabled"))
            gone[endpoint.id] = endpoint
        else:
            delay = next_delay(
                tried.attempts, jitter=jitter(), retry_after=attempt.retry_after, schedule=schedule
            )
            if delay is None:
                done.append(replace(tried, state=FAILED, last_error=attempt.error))
            else:
                done.append(replace(tried, next_at=now + delay, last_error=attempt.error))
    tx.update_deliveries(done)
    for endpoint in gone.values():
        tx.put_endpoint(
            replace(endpoint, active=False, disabled_reason="the endpoint answered 410")
        )
        rest = tx.deliveries_of(endpoint.id, 100_000, PENDING)
        tx.update_deliveries(
            [replace(d, state=FAILED, last_error="endpoint disabled") for d in rest]
        )


class WebhookDispatcher(Periodic):
    """A background thread: fan the feed out, then send what is due, every ``interval`` s."""

    def __init__(
        self,
        engine: Engine,
        *,
        interval: float = 0.2,
        schedule: Sequence[timedelta] = RETRY_SCHEDULE,
    ) -> None:
        super().__init__("webhook dispatcher", interval)
        self.engine = engine
        self.schedule = tuple(schedule)
        self._client: httpx.Client | None = None

    def session(self) -> httpx.Client:
        self._client = httpx.Client(timeout=TIMEOUT_S, follow_redirects=False)
        return self._client

    def step(self) -> None:
        assert self._client is not None  # session() opened it before the first step
        self.run_once(self._client)

    def run_once(self, client: httpx.Client) -> int:
        """Fan out everything new, then send until nothing is due; deliveries tried."""
        while not self.stopping() and fan_out(self.engine):
            pass
        tried = 0
        while not self.stopping():
            sent = send_due(self.engine, client, schedule=self.schedule, should_stop=self.stopping)
            tried += sent
            if not sent:
                break
        return tried


def scaled(schedule: Sequence[timedelta], factor: float) -> tuple[timedelta, ...]:
    """A retry schedule sped up (tests, demos) or slowed down by a factor."""
    return tuple(step * factor for step in schedule)
