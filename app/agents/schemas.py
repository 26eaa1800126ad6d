"""What the MCP tools answer: typed, so every tool publishes an output schema."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ResolvedCustomer(BaseModel):
    """One identifier, its normalised key, and the customer holding it (null when none)."""

    kind: str
    value: str
    key: str | None
    customer_id: str | None
    status: str = Field(description="known, unknown, absent, placeholder, generic or blocked")


class TimelinePage(BaseModel):
    """Events, newest first; pass next_cursor back for the next page (null at the end)."""

    customer_id: str
    items: list[dict[str, Any]]
    next_cursor: str | None


class LinkExplanation(BaseModel):
    """The chain of evidence that joins two identifiers, or what keeps them apart."""

    a: str
    b: str
    joined: bool
    customer_id: str | None
    path: list[dict[str, Any]]
    summary: str


class SearchMatch(BaseModel):
    """A customer the query names, and how it was matched."""

    customer_id: str
    matched: str = Field(description="customer_id, or the identifier kind the query was read as")
    key: str | None


class SearchResult(BaseModel):
    """Customers the query names, best match first (empty when none)."""

    items: list[SearchMatch]


class StewardOutcome(BaseModel):
    """What a steward action left: the customers of the named identifiers, and what changed."""

    action: str
    customers: list[str]
    identifiers: dict[str, str | None]
    changed_customers: list[str]


class SegmentOfCustomer(BaseModel):
    """A segment the customer is in, since when, and the leaf values that decided."""

    segment_id: str
    name: str
    since: str = Field(description="ISO-8601 UTC time the customer entered")
    why: list[dict[str, Any]]


class CustomerSegmentList(BaseModel):
    """The segments of a customer (an absorbed id answers with the survivor's)."""

    customer_id: str
    items: list[SegmentOfCustomer]
