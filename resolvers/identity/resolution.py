"""Canonical resolution: the customers an evidence component holds, whatever the arrival order.

The partition is a function of the evidence alone. Steward links (``manual``) join first;
then links between linking kinds are taken strongest and oldest first, each joining two
customers unless the merge would pass a limit, in which case it is ``rejected`` with the
reason; last, links of attach identifiers (cookies, landlines), strongest and oldest first,
bring an attach identifier into a customer but never join two customers. Arrival order never
enters the computation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from resolvers.identity.evidence import (
    REVIEW_PREFIX,
    IdentifierState,
    LinkRecord,
    LinkState,
    Status,
    anchor_order,
    link_rank,
)
from resolvers.identity.limits import add_counts, allowance_of, merged_allowance, refusal
from resolvers.identity.policy import MergePolicy
from resolvers.identity.traits import agreeing, clash, is_date, union
from resolvers.union_find import DisjointSets

Pair = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Part:
    """One resolved customer: its live members and the summary that guards later merges."""

    members: frozenset[str]
    anchor_key: str
    anchor_first_seen_at: datetime
    kind_counts: Mapping[str, int]
    allowance: Mapping[str, int]
    conflicts: int
    linking: int
    traits: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class Resolution:
    """The parts of an evidence component and the decided state of each of its links."""

    parts: tuple[Part, ...]
    link_states: Mapping[Pair, tuple[LinkState, str | None]]

    def customer_of(self) -> dict[str, int]:
        """Each member key mapped to the index of its part."""
        return {key: i for i, part in enumerate(self.parts) for key in part.members}


class _Components:
    """Union-find over identifier keys that keeps each component's kind counts."""

    def __init__(self, states: Mapping[str, IdentifierState], policy: MergePolicy) -> None:
        self.policy = policy
        self.sets = DisjointSets(states)
        self.counts: dict[str, dict[str, int]] = {k: {s.kind: 1} for k, s in states.items()}
        self.linking: dict[str, int] = {k: int(not s.attach) for k, s in states.items()}
        self.traits: dict[str, dict[str, tuple[str, ...]]] = {
            k: agreeing(s.traits) for k, s in states.items()
        }
        self.allowance: dict[str, dict[str, int]] = {}
        self.find = self.sets.find
        # the traits a link between values no household shares overlooks
        self.dates = tuple(a for a in policy.generic.conflict_attributes if is_date(a))

    def union(self, ra: str, rb: str) -> str:
        joined = self.sets.union(ra, rb)
        if joined is None:
            return ra
        ra, rb = joined
        self.counts[ra] = add_counts(self.counts[ra], self.counts.pop(rb))
        self.linking[ra] += self.linking.pop(rb)
        self.traits[ra] = union(self.traits[ra], self.traits.pop(rb))
        self.allowance[ra] = merged_allowance(
            self.allowance.get(ra, {}), self.allowance.pop(rb, {})
        )
        return ra

    def placed(self, key: str) -> bool:
        """Whether the key's component holds an identifier that links (not only attach ones)."""
        return self.linking[self.find(key)] > 0

    def refusal(self, ra: str, rb: str, dates: bool = True) -> str | None:
        """Why the two components may not join, or None; ``dates=False`` leaves birth dates
        out (a link between values no household shares)."""
        limited = refusal(
            self.counts[ra],
            self.allowance.get(ra, {}),
            self.counts[rb],
            self.allowance.get(rb, {}),
            self.policy,
        )
        if limited:
            return limited
        return clash(
            self.traits[ra],
            self.traits[rb],
            self.policy.generic.typo_attributes,
            ignored=() if dates else self.dates,
        )

    def grant_current_counts(self) -> None:
        """Steward-made groups may hold what they hold: record it as their allowance."""
        for root, counts in self.counts.items():
            granted = allowance_of(counts, self.policy)
            if granted:
                self.allowance[root] = merged_allowance(self.allowance.get(root, {}), granted)


def resolve(
    identifiers: Mapping[str, IdentifierState],
    links: Iterable[LinkRecord],
    policy: MergePolicy,
) -> Resolution:
    """Resolve one evidence component from its whole evidence."""
    live = {key: s for key, s in identifiers.items() if s.status is Status.ACTIVE}
    comps = _Components(live, policy)
    states: dict[Pair, tuple[LinkState, str | None]] = {}
    manual: list[LinkRecord] = []
    linking: list[LinkRecord] = []
    matching: list[LinkRecord] = []
    attaching: list[LinkRecord] = []
    for link in links:
        if link.set_aside:
            continue  # a steward's cut, or a proposal waiting for review: decided elsewhere
        if link.a not in live or link.b not in live:
            if link.state is not LinkState.MANUAL:
                dead = identifiers[link.a] if link.a not in live else identifiers[link.b]
                states[link.pair] = (LinkState.REJECTED, dead_reason(dead))
            continue
        if link.state is LinkState.MANUAL:
            manual.append(link)
        elif link.by_person:
            matching.append(link)
        elif live[link.a].attach or live[link.b].attach:
            attaching.append(link)
        else:
            linking.append(link)

    def rank(link: LinkRecord) -> tuple[int, int, datetime, str, str]:
        return link_rank(link, policy)

    for link in sorted(manual, key=rank):
        comps.union(comps.find(link.a), comps.find(link.b))
    comps.grant_current_counts()

    for link in sorted(linking, key=rank):
        ra, rb = comps.find(link.a), comps.find(link.b)
        if ra == rb:
            states[link.pair] = (LinkState.ACTIVE, None)
            continue
        reason = comps.refusal(ra, rb, dates=shared_link(link, live, policy))
        if reason is None:
            comps.union(ra, rb)
            states[link.pair] = (LinkState.ACTIVE, None)
        else:
            states[link.pair] = (LinkState.REJECTED, reason)

    # Person evidence joins after every identifier link, under the same guards.
    for link in sorted(matching, key=rank):
        ra, rb = comps.find(link.a), comps.find(link.b)
        if ra == rb:
            states[link.pair] = (LinkState.MATCHED, None)
        elif (reason := comps.refusal(ra, rb)) is not None:
            states[link.pair] = (LinkState.REJECTED, reason)
        else:
            comps.union(ra, rb)
            states[link.pair] = (LinkState.MATCHED, None)

    # Attach identifiers (cookies, landlines) join the customer of their strongest, oldest
    # link and never join two customers: a link may only bring in a side that is not placed.
    for link in sorted(attaching, key=rank):
        ra, rb = comps.find(link.a), comps.find(link.b)
        if ra == rb:
            states[link.pair] = (LinkState.ACTIVE, None)
        elif comps.placed(ra) and comps.placed(rb):
            states[link.pair] = (LinkState.REJECTED, ATTACH_REASON)
        elif (reason := comps.refusal(ra, rb)) is not None:
            states[link.pair] = (LinkState.REJECTED, reason)
        else:
            comps.union(ra, rb)
            states[link.pair] = (LinkState.ACTIVE, None)

    members: dict[str, set[str]] = {}
    for key in live:
        members.setdefault(comps.find(key), set()).add(key)
    root_of = {key: comps.find(key) for key in live}
    conflicts: dict[str, int] = {}
    for pair, (state, reason) in states.items():
        if state is LinkState.REJECTED and is_conflict(reason):
            for root in {root_of[pair[0]], root_of[pair[1]]}:
                conflicts[root] = conflicts.get(root, 0) + 1
    parts = []
    for root, keys in members.items():
        anchor = min((identifiers[k] for k in keys), key=lambda s: anchor_order(s, policy))
        parts.append(
            Part(
                members=frozenset(keys),
                anchor_key=anchor.key,
                anchor_first_seen_at=anchor.first_seen_at,
                kind_counts=dict(sorted(comps.counts[root].items())),
                allowance=dict(sorted(comps.allowance.get(root, {}).items())),
                conflicts=conflicts.get(root, 0),
                linking=comps.linking[root],
                traits=comps.traits[root],
            )
        )
    parts.sort(key=lambda p: (p.anchor_first_seen_at, p.anchor_key))
    return Resolution(tuple(parts), states)


def shared_link(
    link: LinkRecord, states: Mapping[str, IdentifierState], policy: MergePolicy
) -> bool:
    """Whether a link runs through a value households share (an e-mail, a mobile): only then
    do birth dates decide whether the two sides are two people. A link between values no
    household shares (a CRM id, an account, a national id) is one person's by the policy;
    records it joins that disagree on a birth date disagree by a typo. Given names and gender
    still refuse it (a shared login), and limits still guard it."""
    for key in link.pair:
        state = states[key]
        rule = policy.rule_of(state.kind, state.variant)
        if rule is None or rule.shareable:
            return True
    return False


ATTACH_REASON = "attach: this identifier already joins another customer"


def is_conflict(reason: str | None) -> bool:
    """Whether a rejection is a policy conflict a steward may review (not a dead value)."""
    return reason is not None and reason.startswith(("limit:", "attach:", "traits:"))


def awaits_review(state: LinkState, reason: str | None) -> bool:
    """Whether a link waits in the stewards' queue: a policy conflict or a person proposal."""
    return state is LinkState.REJECTED and (
        is_conflict(reason) or (reason or "").startswith(REVIEW_PREFIX)
    )


def dead_reason(state: IdentifierState) -> str:
    """Why links to an identifier that may not link are rejected (its own reason says more)."""
    return f"{state.status.value}: the {state.kind} value may not link"
