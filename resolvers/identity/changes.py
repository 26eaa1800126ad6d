"""What a unit of work writes: the changed records of the identity graph, and its audit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from resolvers.identity.evidence import CustomerState, IdentifierState, LinkRecord
from resolvers.identity.identifiers import Identifier

if TYPE_CHECKING:
    from resolvers.customer360.feed import Change


@dataclass(frozen=True, slots=True)
class Ignored:
    """An identifier value a channel sent that stands for no value at all ("", "n/a")."""

    index: int
    kind: str
    reason: str


@dataclass(frozen=True, slots=True)
class Observation:
    """One normalised record from one channel at one time."""

    id: str
    source: str
    observed_at: datetime
    identifiers: tuple[Identifier, ...]
    placeholders: frozenset[str]
    attributes: Mapping[str, Any]
    body_hash: str
    ignored: tuple[Ignored, ...] = ()
    variants: Mapping[str, str] = field(default_factory=dict)
    keys: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.keys:
            # the identifier keys in the channel's order, computed once: every step reads them
            object.__setattr__(self, "keys", tuple(i.key for i in self.identifiers))


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """Who changed which customers, when, why, and what they were before and after."""

    at: datetime
    actor: str
    action: str
    reason: str
    customer_ids: tuple[str, ...]
    before: Mapping[str, Any]
    after: Mapping[str, Any]


@dataclass(slots=True)
class ChangeSet:
    """Everything one step of a unit of work writes, applied by a store in this order:
    repoint members of absorbed customers, upsert identifiers, links and customers,
    delete absorbed customers, record aliases, observations, audit entries, the blocking keys
    of observations' person evidence (``person_blocks``: observation id to keys), that
    evidence as kept text (``person_evidence``: observation id to text, replacing any kept;
    ``resolvers.identity.person.filing``) and the changes the feed reports
    (``resolvers.customer360.feed``); ``deleted_links`` (person-evidence links a new policy
    no longer proposes) go first."""

    at: datetime
    repoint: dict[str, str] = field(default_factory=dict)
    identifiers: dict[str, IdentifierState] = field(default_factory=dict)
    new_identifiers: set[str] = field(default_factory=set)
    links: dict[tuple[str, str], LinkRecord] = field(default_factory=dict)
    new_links: set[tuple[str, str]] = field(default_factory=set)
    customers: dict[str, CustomerState] = field(default_factory=dict)
    new_customers: set[str] = field(default_factory=set)
    deleted_customers: set[str] = field(default_factory=set)
    aliases: dict[str, str | None] = field(default_factory=dict)
    observations: list[Observation] = field(default_factory=list)
    audit: list[AuditEntry] = field(default_factory=list)
    feed: list[Change] = field(default_factory=list)
    person_blocks: dict[str, tuple[str, ...]] = field(default_factory=dict)
    person_evidence: dict[str, str] = field(default_factory=dict)
    deleted_links: set[tuple[str, str]] = field(default_factory=set)

    def is_empty(self) -> bool:
        """Whether there is nothing to write."""
        return not (
            self.repoint
            or self.identifiers
            or self.links
            or self.customers
            or self.deleted_customers
            or self.aliases
            or self.observations
            or self.audit
            or self.feed
            or self.person_blocks
            or self.person_evidence
            or self.deleted_links
        )


def merged_audit(
    at: datetime,
    actor: str,
    reason: str,
    before: Sequence[CustomerState],
    survivor: CustomerState,
) -> AuditEntry:
    """The audit entry of customers merging into the oldest of them."""
    return AuditEntry(
        at=at,
        actor=actor,
        action="merge",
        reason=reason,
        customer_ids=tuple(c.id for c in before),
        before={"customers": [_summary(c) for c in before]},
        after={"customers": [_summary(survivor)]},
    )


def _summary(customer: CustomerState) -> dict[str, Any]:
    return {"id": customer.id, "size": customer.size, "anchor": customer.anchor_key}
