"""An identifier's policy-derived state, worked out again from its evidence under a policy.

Stitching decides an identifier's role, per-person flag, placeholder status, trait summary
and strong-neighbour counts when its evidence arrives, under the policy of that moment. After
the policy changes, :func:`refreshed` gives the state a fresh build under the new policy
would have: it re-reads the value (placeholder patterns, fixed lines), takes role and
per-person from the new rules, re-folds the traits of every record carrying the value and
recounts its neighbours from its links. A blocked value stays blocked: that is a steward's
decision, not the policy's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from resolvers.errors import InvalidIdentifier
from resolvers.identity.evidence import IdentifierState, LinkRecord, Status
from resolvers.identity.generic import generic_reason
from resolvers.identity.normalise import Normaliser
from resolvers.identity.policy import MergePolicy, Role
from resolvers.identity.stitching import PLACEHOLDER_REASON
from resolvers.identity.traits import Traits, merge_traits, observed_traits


@dataclass(frozen=True, slots=True)
class ValueFacts:
    """What the policy says of a value by itself: its variant, role, per-person, placeholder."""

    variant: str
    role: Role
    per_person: bool
    placeholder: bool


def value_facts(state: IdentifierState, policy: MergePolicy, normaliser: Normaliser) -> ValueFacts:
    """Read the stored value again under ``policy`` (the normaliser must use the same policy)."""
    value = state.key.split(":", 1)[1]
    placeholder, variant = state.status is Status.PLACEHOLDER, state.variant
    try:
        out = normaliser.normalise(state.kind, value) or []
    except InvalidIdentifier:  # a kind the policy no longer declares: keep what was known
        out = []
    for normalised in out:
        if normalised.identifier.key == state.key:
            placeholder, variant = normalised.placeholder, normalised.variant
            break
    rule = policy.rule_of(state.kind, variant)
    return ValueFacts(
        variant=variant,
        role=rule.role if rule else Role.LINK,
        per_person=rule.per_person if rule else False,
        placeholder=placeholder,
    )


def fold_traits(
    records: Iterable[tuple[Mapping[str, object], bool]], policy: MergePolicy
) -> Traits:
    """The trait summary of a value from every record that carried it: each record's
    attributes, and whether it carried the value alone."""
    traits: Traits = {}
    for attributes, alone in records:
        found = observed_traits(attributes, policy.generic, alone=alone)
        if found:
            traits = merge_traits(traits, found)
    return traits


def count_neighbours(
    key: str,
    links: Iterable[LinkRecord],
    facts: Mapping[str, ValueFacts],
    kinds: Mapping[str, str],
    policy: MergePolicy,
) -> tuple[dict[str, int], dict[str, int]]:
    """Distinct strong neighbours of ``key`` by kind, and those that are one person's each.

    The same count stitching keeps as links are created: a neighbour counts when its rule is
    strong, it does not merely attach, and it is not a placeholder (landlines, shop lines and
    cookies say nothing of how many people use a value).
    """
    neighbours: dict[str, int] = {}
    persons: dict[str, int] = {}
    for link in links:
        if key not in (link.a, link.b) or link.by_person:
            continue  # person evidence proposes a link; no record saw the two values together
        other = link.b if link.a == key else link.a
        fact, kind = facts[other], kinds[other]
        rule = policy.rule_of(kind, fact.variant)
        if rule is None or not rule.strong or fact.role is Role.ATTACH or fact.placeholder:
            continue
        neighbours[kind] = neighbours.get(kind, 0) + 1
        if fact.per_person:
            persons[kind] = persons.get(kind, 0) + 1
    return dict(sorted(neighbours.items())), dict(sorted(persons.items()))


def refreshed(
    state: IdentifierState,
    facts: ValueFacts,
    traits: Traits,
    neighbours: dict[str, int],
    persons: dict[str, int],
    policy: MergePolicy,
) -> IdentifierState:
    """The state with its policy-derived parts worked out again; its customer is untouched."""
    out = replace(
        state,
        variant=facts.variant,
        role=facts.role,
        per_person=facts.per_person,
        traits=dict(traits),
        neighbours=neighbours,
        persons=persons,
    )
    if state.status is Status.BLOCKED:
        return out
    if facts.placeholder:
        out.status, out.status_reason = Status.PLACEHOLDER, PLACEHOLDER_REASON
        return out
    out.status, out.status_reason = Status.ACTIVE, None
    reason = generic_reason(out, policy)
    if reason is not None:
        out.status, out.status_reason = Status.GENERIC, reason
    return out


# What refreshing may change: what the policy derives, never the customer or the times.
_REFRESHED = (
    "status", "status_reason", "variant", "role", "per_person", "traits", "neighbours", "persons"
)  # fmt: skip


def differs(before: IdentifierState, after: IdentifierState) -> bool:
    """Whether refreshing changed anything stored."""
    return any(getattr(before, name) != getattr(after, name) for name in _REFRESHED)
