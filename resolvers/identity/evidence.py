"""The identity graph's records: identifiers, links between them, customers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from resolvers.identity.identifiers import kind_of
from resolvers.identity.policy import MergePolicy, Role

SAMPLE_OBSERVATIONS = 5
MAX_SOURCES = 16


class Status(StrEnum):
    """Whether an identifier may link; anything but ACTIVE never links and has no customer."""

    ACTIVE = "active"
    PLACEHOLDER = "placeholder"
    GENERIC = "generic"
    BLOCKED = "blocked"


class LinkState(StrEnum):
    """A link's standing: only ACTIVE and MANUAL links join identifiers into a customer."""

    ACTIVE = "active"
    REJECTED = "rejected"
    SUPPRESSED = "suppressed"
    MANUAL = "manual"
    MATCHED = "matched"  # joined by person evidence (names, birth date, address), no identifier


JOINING = frozenset({LinkState.ACTIVE, LinkState.MANUAL, LinkState.MATCHED})
REVIEW_PREFIX = "review:"  # a person-evidence proposal between the thresholds, for a steward
PERSON_SOURCE = "person-evidence"  # the only source of a link no observation saw


@dataclass(slots=True)
class IdentifierState:
    """One identifier node: its evidence summary and the customer it belongs to."""

    key: str
    kind: str
    first_seen_at: datetime
    last_seen_at: datetime
    status: Status = Status.ACTIVE
    status_reason: str | None = None
    customer_id: str | None = None
    neighbours: dict[str, int] = field(default_factory=dict)
    traits: dict[str, tuple[str, ...]] = field(default_factory=dict)
    variant: str = ""
    role: Role = Role.LINK
    per_person: bool = False
    persons: dict[str, int] = field(default_factory=dict)

    @property
    def attach(self) -> bool:
        """Whether it joins one customer at most and never joins two."""
        return self.role is Role.ATTACH

    @property
    def live(self) -> bool:
        """Whether it may link."""
        return self.status is Status.ACTIVE


@dataclass(slots=True)
class LinkRecord:
    """An edge between two identifiers seen together, with its evidence and state."""

    a: str
    b: str
    first_seen_at: datetime
    last_seen_at: datetime
    count: int = 1
    sources: tuple[str, ...] = ()
    observations: tuple[tuple[datetime, str], ...] = ()
    state: LinkState = LinkState.ACTIVE
    reason: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None

    @property
    def by_person(self) -> bool:
        """Whether only person evidence proposes it: no observation saw its two ends together."""
        return self.count == 0 and self.sources == (PERSON_SOURCE,)

    @property
    def set_aside(self) -> bool:
        """A steward's cut, or a proposal waiting for review: canonical resolution leaves it
        out, and so does loading what a resolution needs."""
        return self.state is LinkState.SUPPRESSED or (
            self.proposal and self.state is not LinkState.MANUAL
        )

    @property
    def proposal(self) -> bool:
        """Whether it is a person-evidence proposal waiting for review (never joins by itself)."""
        return self.by_person and (self.reason or "").startswith(REVIEW_PREFIX)

    @property
    def pair(self) -> tuple[str, str]:
        """The link's identity: its two keys in order."""
        return (self.a, self.b)

    def add_evidence(self, observed_at: datetime, source: str, observation_id: str) -> bool:
        """Count one more observation; answer whether the link's first sighting moved earlier."""
        earlier = observed_at < self.first_seen_at
        self.count += 1
        if earlier:
            self.first_seen_at = observed_at
        if observed_at > self.last_seen_at:
            self.last_seen_at = observed_at
        if source not in self.sources:
            self.sources = tuple(sorted({*self.sources, source})[:MAX_SOURCES])
        sample = (observed_at, observation_id)
        if sample not in self.observations:
            self.observations = tuple(sorted((*self.observations, sample))[:SAMPLE_OBSERVATIONS])
        return earlier


def pair_of(a: str, b: str) -> tuple[str, str]:
    """The canonical order of a link's two keys."""
    return (a, b) if a < b else (b, a)


def link_rank(link: LinkRecord, policy: MergePolicy) -> tuple[int, int, datetime, str, str]:
    """Resolution order: strongest evidence first, then oldest, then by key."""
    pa, pb = policy.priority(kind_of(link.a)), policy.priority(kind_of(link.b))
    return (-min(pa, pb), -max(pa, pb), link.first_seen_at, link.a, link.b)


def anchor_order(state: IdentifierState, policy: MergePolicy) -> tuple[datetime, int, str]:
    """Which identifier anchors a customer: oldest evidence, then most trusted, then key."""
    return (state.first_seen_at, -policy.priority(state.kind), state.key)


@dataclass(slots=True)
class CustomerState:
    """A golden customer: a materialised component with the summary that guards its merges."""

    id: str
    anchor_key: str
    anchor_first_seen_at: datetime
    size: int
    kind_counts: dict[str, int]
    allowance: dict[str, int] = field(default_factory=dict)
    conflicts: int = 0
    linking: int = 0
    traits: dict[str, tuple[str, ...]] = field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def anchor_order(self, policy: MergePolicy) -> tuple[datetime, int, str]:
        """The anchor's place in the anchor order (older customers survive merges)."""
        return (
            self.anchor_first_seen_at,
            -policy.priority(kind_of(self.anchor_key)),
            self.anchor_key,
        )
