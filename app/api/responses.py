"""Response schemas: what each route answers, documented in the OpenAPI."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from resolvers.customer360.read_model import TimelineItem


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ErrorItem(_Out):
    """One invalid field."""

    loc: list[str | int]
    code: str
    message: str


class ErrorOut(_Out):
    """Every error answers with this document."""

    code: str = Field(examples=["validation_failed"])
    message: str
    errors: list[ErrorItem] | None = None


class RejectedLinkOut(_Out):
    """A link the policy or a steward refused."""

    a: str
    b: str
    reason: str


class IgnoredOut(_Out):
    """An identifier sent without a value ("", "n/a"), ignored."""

    index: int
    kind: str
    reason: str


class StitchOut(_Out):
    """What became of one observation."""

    observation_id: str
    status: str = Field(description="stitched, or duplicate (same id and body seen before)")
    customer_id: str | None = Field(
        description="the customer of the record's most trusted identifier that links"
    )
    identifiers: list[str] = Field(description="normalised identifier keys")
    merged: list[str] = Field(description="customer ids absorbed into others by this record")
    rejected: list[RejectedLinkOut]
    ignored: list[IgnoredOut]
    placeholders: list[str] = Field(description="identifiers that matched a placeholder pattern")


class StitchBatchOut(_Out):
    """Results in the batch's order."""

    results: list[StitchOut]


class ResolvedOut(_Out):
    """One identifier, its key and its customer."""

    kind: str
    value: str
    key: str | None
    customer_id: str | None
    status: str = Field(
        description="known, unknown, absent (no value), placeholder, generic or blocked"
    )


class ResolveOut(_Out):
    """Results in the request's order."""

    results: list[ResolvedOut]


class StewardOut(_Out):
    """The customers an action leaves its identifiers in."""

    action: str
    customers: list[str]
    identifiers: dict[str, str | None]
    changed_customers: list[str]


class FieldScoreOut(_Out):
    """One field of two records compared: its agreement level and the weight it carries."""

    field: str
    level: str = Field(description="exact, close, different or absent")
    weight: float = Field(description="log2(m/u) of the level; 0 when absent")


class PersonEvidenceOut(_Out):
    """How person evidence scores a link no observation made, under the policy in force."""

    records: list[str] = Field(description="the two observations compared")
    match_key: str = Field(description="agreeing fields +, disagreeing -: +GIVEN+DOB-STREET")
    total: float
    decision: str = Field(description="match, review or none under the thresholds")
    upper: float
    lower: float
    fields: list[FieldScoreOut]


class LinkOut(_Out):
    """A link with its state and evidence."""

    a: str
    b: str
    state: str
    reason: str | None
    count: int
    first_seen_at: datetime
    last_seen_at: datetime
    sources: list[str]
    observations: list[str]
    decided_by: str | None = None
    decided_at: datetime | None = None
    person_evidence: PersonEvidenceOut | None = None


class NodeOut(_Out):
    """An identifier in a customer's graph, with what the policy made of it."""

    key: str
    kind: str
    variant: str | None = Field(description="a kind's variant, e.g. a fixed line of a phone")
    role: str = Field(description="link (may join customers) or attach (joins one)")
    status: str = Field(description="active, placeholder, generic or blocked")
    status_reason: str | None
    customer_id: str | None
    first_seen_at: datetime
    last_seen_at: datetime
    seen_with: dict[str, int] = Field(description="strong identifiers seen with it, by kind")
    traits: dict[str, list[str]] = Field(description="person traits its records gave")


class GraphOut(_Out):
    """A customer's identifiers and every link touching them; bridges would split it if cut."""

    customer_id: str
    requested_id: str
    anchor: str = Field(description="the founding identifier the customer id derives from")
    size: int
    kind_counts: dict[str, int]
    identifiers: list[NodeOut]
    neighbours: list[NodeOut] = Field(description="identifiers outside it that links reach")
    links: list[LinkOut]
    bridges: list[list[str]]


class ExplanationOut(_Out):
    """The chain of evidence joining two identifiers, or what keeps them apart."""

    a: str
    b: str
    joined: bool
    customer_id: str | None
    path: list[LinkOut]
    summary: str


class ContactRulesOut(_Out):
    """What may be sent, where: channels allowed and refused for marketing, as instructions."""

    marketing_allowed: list[str] = Field(default_factory=list)
    marketing_blocked: list[str] = Field(default_factory=list)
    instructions: list[str] = Field(default_factory=list)


class ContextOut(_Out):
    """Context for a support agent or an LLM prompt, most limiting first. Within a budget
    (``max_chars``) the least important sections are cut or dropped, counted in ``omitted``."""

    contact_rules: ContactRulesOut | None = None
    open_issues: list[dict[str, Any]] | None = Field(
        default=None, description="open warranty claims and recent unhappy conversations"
    )
    who: dict[str, Any] | None = Field(
        default=None, description="name, customer id, tier, segment, since, contacts"
    )
    owns: list[dict[str, Any]] | None = None
    recent_orders: list[dict[str, Any]] | None = None
    upcoming_bookings: list[dict[str, Any]] | None = None
    loyalty: dict[str, Any] | None = None
    summary: str | None = Field(default=None, description="the same, as a few sentences")
    truncated: bool | None = Field(default=None, description="true when the budget cut it")
    omitted: dict[str, int] | None = Field(
        default=None, description="what the budget cut: section or list name -> items left out"
    )


class ConflictsOut(_Out):
    """Rejected links waiting for a steward, in key order."""

    items: list[LinkOut]
    next_cursor: str | None


class AuditOut(_Out):
    """An audit entry: who, when, why, before and after."""

    seq: int
    at: datetime
    actor: str
    action: str
    reason: str
    customer_ids: list[str]
    before: dict[str, Any]
    after: dict[str, Any]


class HistoryOut(_Out):
    """Audit entries, newest first."""

    customer_id: str
    items: list[AuditOut]
    next_cursor: str | None


class TimelineOut(_Out):
    """Events, newest first, and the cursor of the next page (null at the end)."""

    customer_id: str
    items: list[TimelineItem]
    next_cursor: str | None


class EventOut(_Out):
    """What became of one event."""

    event_id: str
    status: str = Field(description="recorded, or duplicate (same id and body seen before)")
    customer_id: str | None
    anchor: str | None = Field(description="the identifier the event is attached to")


class EventBatchOut(_Out):
    """Results in the batch's order."""

    results: list[EventOut]


class MergedExampleOut(_Out):
    """A customer the candidate policy would make from several of today's."""

    customer_id: str
    from_customers: list[str]
    identifiers: list[str]


class SplitExampleOut(_Out):
    """One of today's customers the candidate policy would take apart."""

    customer_id: str
    into: list[str | None]
    parts: list[list[str]]


class AgreementOut(_Out):
    """A partition measured against stewards' link / never answers."""

    labels: int
    true_links: int
    false_links: int
    missed_links: int
    precision: float | None
    recall: float | None


class PolicyPreviewOut(_Out):
    """What applying a candidate policy would change; nothing was written."""

    identifiers: int
    customers_before: int
    customers_after: int
    unchanged: int
    merged: int
    split: int
    identifiers_moved: int
    merged_examples: list[MergedExampleOut]
    split_examples: list[SplitExampleOut]
    transitions: dict[str, int]
    current: AgreementOut
    candidate: AgreementOut


class KeyOut(_Out):
    """The calling API key, without its secret."""

    id: str
    name: str
    scopes: list[str]
