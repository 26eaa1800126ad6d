"""Request bodies: one schema family for the HTTP API and the bulk import, so both agree."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StringConstraints,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from resolvers.customer360.events import RawEvent
from resolvers.identity.observations import RawIdentifier, RawObservation
from resolvers.stored_json import NotStorable, stored
from resolvers.timestamps import OUT_OF_RANGE, OutOfRange, in_range, parse_instant

MAX_BATCH = 1000


def _instant(value: Any) -> datetime:
    if isinstance(value, datetime):  # Python callers (tests, the demo) pass datetimes
        try:
            return in_range(value)
        except ValueError as error:
            raise PydanticCustomError("datetime_out_of_range", str(error)) from None
    if not isinstance(value, str):
        raise PydanticCustomError(
            "datetime_type",
            "must be an ISO-8601 string with a time zone, e.g. 2026-03-01T10:00:00Z "
            "(numbers such as Unix seconds are not accepted)",
        )
    return parse_time(value)


def parse_time(text: str) -> datetime:
    """An ISO-8601 time with a zone, in the supported range, as UTC; the one parser of times."""
    try:
        return parse_instant(text)
    except OutOfRange:
        raise PydanticCustomError("datetime_out_of_range", OUT_OF_RANGE) from None
    except ValueError as error:
        raise PydanticCustomError("datetime_parsing", str(error)) from None


Instant = Annotated[
    datetime,
    PlainValidator(_instant),
    WithJsonSchema({"type": "string", "format": "date-time", "examples": ["2026-03-01T10:00:00Z"]}),
]


def _stored_object(value: dict[str, Any]) -> dict[str, Any]:
    try:
        out: dict[str, Any] = stored(value)
    except NotStorable as error:
        # ctx.path extends the field's location; the error handlers append it
        raise PydanticCustomError(
            error.code,
            "{where}: " + error.message,
            {"where": _dotted(error.loc), "path": list(error.loc)},
        ) from None
    return out


def _dotted(loc: tuple[str | int, ...]) -> str:
    return ".".join(map(str, loc)) or "value"


StoredObject = Annotated[
    dict[str, Any],
    AfterValidator(_stored_object),
    Field(description="Free-form JSON: at most 32 levels deep, 64-bit whole numbers, finite."),
]
RecordId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$"),
    Field(description="The channel's own record id: printable ASCII, no spaces; idempotency key."),
]
Source = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_.\-]*$"),
    Field(description="The channel: crm, eshop, line, pos…", examples=["crm"]),
]
Kind = Annotated[
    str,
    StringConstraints(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$"),
    Field(examples=["email"]),
]
Reason = Annotated[
    str,
    StringConstraints(min_length=1, max_length=1000, strip_whitespace=True),
    Field(description="Why: kept in the audit log.", examples=["shared family landline"]),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class IdentifierIn(_Strict):
    """An identifier as the channel knows it; normalised by its kind."""

    kind: Kind
    value: str = Field(max_length=256, examples=["Jane.Doe@Gmail.com"])

    def raw(self) -> RawIdentifier:
        """The domain form."""
        return RawIdentifier(self.kind, self.value)


class ObservationIn(_Strict):
    """One record from one channel at one time."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id": "crm-000123",
                    "source": "crm",
                    "observed_at": "2026-03-01T10:00:00Z",
                    "identifiers": [
                        {"kind": "crm_id", "value": "C1234567"},
                        {"kind": "email", "value": " Jane.Doe@Gmail.com"},
                        {"kind": "phone", "value": "0912-345-678"},
                    ],
                    "attributes": {
                        "first_name": "Jane",
                        "last_name": "Doe",
                        "birth_date": "1990-02-03",
                    },
                }
            ]
        },
    )

    id: RecordId
    source: Source
    observed_at: Instant
    identifiers: list[IdentifierIn] = Field(min_length=1, max_length=50)
    attributes: StoredObject = Field(default_factory=dict, max_length=100)

    def raw(self) -> RawObservation:
        """The domain form."""
        return RawObservation(
            self.id,
            self.source,
            self.observed_at,
            [i.raw() for i in self.identifiers],
            self.attributes,
        )


class ObservationBatchIn(_Strict):
    """Up to 1,000 observations, stitched atomically."""

    observations: list[ObservationIn] = Field(min_length=1, max_length=MAX_BATCH)


class EventIn(_Strict):
    """One timeline event, attached to the identifiers the channel knew."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id": "ord-991",
                    "type": "order.placed",
                    "occurred_at": "2026-03-02T08:00:00Z",
                    "source": "eshop",
                    "identifiers": [{"kind": "email", "value": "jane.doe@gmail.com"}],
                    "data": {
                        "order_id": "991",
                        "total": 1280,
                        "currency": "TWD",
                        "items": [
                            {"sku": "K-1", "category": "kettles", "quantity": 1, "unit_price": 1280}
                        ],
                    },
                }
            ]
        },
    )

    id: RecordId
    type: str = Field(min_length=1, max_length=64, examples=["order.placed"])
    occurred_at: Instant
    source: Source
    identifiers: list[IdentifierIn] = Field(min_length=1, max_length=20)
    data: StoredObject = Field(default_factory=dict)

    def raw(self) -> RawEvent:
        """The domain form."""
        return RawEvent(
            id=self.id,
            type=self.type,
            occurred_at=self.occurred_at,
            source=self.source,
            identifiers=[i.raw() for i in self.identifiers],
            data=self.data,
        )


class EventBatchIn(_Strict):
    """Up to 1,000 events, stored atomically."""

    events: list[EventIn] = Field(min_length=1, max_length=MAX_BATCH)


class ResolveIn(_Strict):
    """Identifiers to resolve to customers, in order."""

    identifiers: list[IdentifierIn] = Field(min_length=1, max_length=MAX_BATCH)


class LinkIn(_Strict):
    """The two identifiers of a link, and why a steward acts on it."""

    a: IdentifierIn
    b: IdentifierIn
    reason: Reason


class ReviewDecisionIn(LinkIn):
    """A steward's answer to a review item: link them, never link them, or skip."""

    decision: Literal["link", "never", "skip"]


class IdentifierActionIn(_Strict):
    """One identifier, and why a steward acts on it."""

    identifier: IdentifierIn
    reason: Reason


class MergeIn(_Strict):
    """Customers a steward forces together, and why."""

    customer_ids: list[Annotated[str, StringConstraints(min_length=1, max_length=64)]] = Field(
        min_length=2, max_length=20
    )
    reason: Reason
