"""Timeline events: what happened to a customer, attached to the identifier the channel knew."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from resolvers.customer360.aggregates import EventAggregate
from resolvers.customer360.event_schemas import EVENT_TYPES, family_of, validate_payload
from resolvers.errors import FieldError, ValidationFailed
from resolvers.identity.observations import RawIdentifier

__all__ = [
    "EVENT_TYPES",
    "Event",
    "EventAggregate",
    "RawEvent",
    "event_body_hash",
    "family_of",
    "make_event",
    "validate_event",
]


@dataclass(frozen=True, slots=True)
class Event:
    """One validated timeline event."""

    id: str
    type: str
    occurred_at: datetime
    source: str
    identifiers: tuple[str, ...]
    data: Mapping[str, Any]
    body_hash: str
    anchor: str = ""


@dataclass(frozen=True, slots=True)
class RawEvent:
    """An event as the channel sent it, already well-formed JSON."""

    id: str
    type: str
    occurred_at: datetime
    source: str
    identifiers: Sequence[RawIdentifier]
    data: Mapping[str, Any]


def validate_event(
    raw: RawEvent, account_currency: str, rates: Mapping[str, float]
) -> tuple[str, dict[str, Any]]:
    """The event's type and normalised data, or ValidationFailed naming every bad field.

    ``rates`` are units of the account currency per unit of each other currency. Identifiers
    are not checked here: the service normalises them with its normaliser.
    """
    errors: list[FieldError] = []
    if not raw.id.strip():
        errors.append(FieldError(("id",), "missing", "is required"))
    if not raw.source.strip():
        errors.append(FieldError(("source",), "missing", "is required"))
    if raw.occurred_at.tzinfo is None:
        errors.append(FieldError(("occurred_at",), "naive_datetime", "needs a time zone"))
    try:
        event_type, data = validate_payload(raw.type, raw.data, account_currency, rates)
    except ValidationFailed as failed:
        errors.extend(failed.errors)
    if errors:
        raise ValidationFailed(errors)
    return event_type, data


def make_event(
    raw: RawEvent,
    identifiers: Sequence[str],
    event_type: str,
    data: Mapping[str, Any],
    anchor: str = "",
) -> Event:
    """The stored form of a validated event, with its identifier keys and body hash."""
    occurred_at = raw.occurred_at.astimezone(UTC)
    keys = tuple(identifiers)
    return Event(
        id=raw.id,
        type=event_type,
        occurred_at=occurred_at,
        source=raw.source,
        identifiers=keys,
        data=data,
        body_hash=event_body_hash(event_type, raw.source, occurred_at, keys, data),
        anchor=anchor,
    )


def event_body_hash(
    event_type: str,
    source: str,
    occurred_at: datetime,
    identifiers: Sequence[str],
    data: Mapping[str, Any],
) -> str:
    """A digest of what an event says, so a retry with the same id is recognised."""
    document = {
        "type": event_type,
        "source": source,
        "occurred_at": occurred_at.astimezone(UTC).isoformat(),
        "identifiers": sorted(identifiers),
        "data": data,
    }
    encoded = orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
    return hashlib.blake2b(encoded, digest_size=16).hexdigest()
