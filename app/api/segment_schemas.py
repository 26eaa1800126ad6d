"""Request and response schemas of the segment routes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class SegmentIn(BaseModel):
    """A segment as written: a name and a condition tree (CONTRACT.md "Segments")."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    condition: dict[str, Any] = Field(
        examples=[{"profile": "loyalty.tier", "op": "eq", "value": "Gold"}]
    )


class PreviewIn(BaseModel):
    """A condition to try."""

    model_config = ConfigDict(extra="forbid")

    condition: dict[str, Any]


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class SegmentOut(_Out):
    """A stored segment."""

    id: str
    name: str
    description: str
    condition: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class SegmentListOut(_Out):
    """Every segment."""

    items: list[SegmentOut]


class PreviewOut(_Out):
    """How many customers a condition holds now, and some of them; nothing was saved."""

    count: int
    sample: list[str]


class MemberOut(_Out):
    """A member of a segment, and since when."""

    customer_id: str
    since: datetime


class MembersOut(_Out):
    """A page of members, in customer id order."""

    items: list[MemberOut]
    next_cursor: str | None


class CustomerSegmentOut(_Out):
    """A segment a customer is in, with the leaf values that decided."""

    segment_id: str
    name: str
    since: datetime
    why: list[dict[str, Any]]


class CustomerSegmentsOut(_Out):
    """The segments of one customer."""

    customer_id: str
    items: list[CustomerSegmentOut]


class MembershipChangeOut(_Out):
    """A customer entered or exited a segment, and what caused it."""

    segment_id: str
    customer_id: str
    at: datetime
    entered: bool
    cause: dict[str, Any]


class MembershipHistoryOut(_Out):
    """Entries and exits of one customer, newest first."""

    items: list[MembershipChangeOut]
