"""What the stores keep for webhooks: endpoints and their deliveries (the outbox per endpoint)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"  # dead-lettered: every try failed, or the endpoint answered 410 Gone


@dataclass(frozen=True, slots=True)
class EndpointRecord:
    """A subscriber: where to POST, what it wants, and the signing secret (``whsec_…``)."""

    id: str
    url: str
    secret: str
    types: tuple[str, ...]
    segments: tuple[str, ...]
    marketing: bool
    active: bool
    disabled_reason: str
    created_at: datetime
    # the change feed's last position when it was created: it receives the changes after it
    # (None for an endpoint stored before positions were kept: its creation time decides)
    after_seq: int | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    """One change for one endpoint; ``id`` is its ``webhook-id``, the same across retries."""

    id: str
    endpoint_id: str
    seq: int
    customer_id: str
    type: str
    body: str
    state: str
    attempts: int
    next_at: datetime
    created_at: datetime
    last_status: int | None = None
    last_error: str = ""
    delivered_at: datetime | None = None


class WebhookReads(Protocol):
    """Webhook reads inside a transaction."""

    def endpoint_records(self) -> list[EndpointRecord]:
        """Every endpoint, in id order."""
        ...

    def pending_deliveries(self, limit: int) -> list[Delivery]:
        """The oldest pending deliveries, by (change, endpoint)."""
        ...

    def deliveries_of(self, endpoint_id: str, limit: int, state: str | None) -> list[Delivery]:
        """An endpoint's deliveries, newest first, optionally of one state."""
        ...


class WebhookWrites(WebhookReads, Protocol):
    """Webhook writes inside one atomic transaction."""

    def put_endpoint(self, record: EndpointRecord) -> None:
        """Create or replace an endpoint."""
        ...

    def delete_endpoint(self, endpoint_id: str) -> bool:
        """Delete an endpoint and its deliveries."""
        ...

    def add_deliveries(self, deliveries: Collection[Delivery]) -> None:
        """Add deliveries; one whose id exists already is left as it is."""
        ...

    def update_deliveries(self, deliveries: Collection[Delivery]) -> None:
        """Record the state, attempts and next time of existing deliveries."""
        ...
