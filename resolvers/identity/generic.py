"""Generic values: identifiers so many people use that they must stop linking."""

from __future__ import annotations

from resolvers.identity.evidence import IdentifierState
from resolvers.identity.policy import MergePolicy
from resolvers.identity.traits import disagreement


def generic_reason(state: IdentifierState, policy: MergePolicy) -> str | None:
    """Why a live identifier is generic now, from its whole evidence; None while it is not."""
    rule = policy.generic
    own = policy.rule_of(state.kind, state.variant)
    caps = own.max_neighbours if own is not None else {}
    for kind, count in sorted(state.neighbours.items()):
        cap = caps.get(kind, rule.max_per_kind)
        if count > cap:
            return f"seen with {count} different {kind} values (more than {cap})"
    total = sum(state.neighbours.values())
    if total > rule.max_total:
        return f"seen with {total} different identifiers (more than {rule.max_total})"
    if own is None or not own.shareable:
        return None
    for kind, count in sorted(state.persons.items()):
        if count > rule.max_persons:
            return f"shared: seen with {count} different {kind} values that are one person's each"
    why = disagreement(state.traits)
    return f"shared: {why}" if why else None
