"""Generic values: identifiers so many people use that they must stop linking.

A shareable value (an e-mail, a mobile, a cookie) is judged by the people behind the records
that carry it: records that describe different people (their birth dates or given names
disagree) make it shared; records that describe one person keep it personal even when it is
seen with two of that person's mobiles or mailboxes. Only when the records say nothing of
the person does a count decide (``max_persons``, a kind's ``max_neighbours``). The global
thresholds (``max_per_kind``, ``max_total``: a shop's front-desk phone) always apply.
"""

from __future__ import annotations

from resolvers.identity.evidence import IdentifierState
from resolvers.identity.policy import MergePolicy
from resolvers.identity.traits import SILENT, Traits, disagreement, identifying


def generic_reason(state: IdentifierState, policy: MergePolicy) -> str | None:
    """Why a live identifier is generic now, from its whole evidence; None while it is not."""
    rule = policy.generic
    own = policy.rule_of(state.kind, state.variant)
    caps = own.max_neighbours if own is not None else {}
    shareable = own is not None and own.shareable
    personal = shareable and one_person(state.traits)
    for kind, count in sorted(state.neighbours.items()):
        cap = caps.get(kind, rule.max_per_kind)
        if count > rule.max_per_kind or (count > cap and not personal):
            return f"seen with {count} different {kind} values (more than {cap})"
    total = sum(state.neighbours.values())
    if total > rule.max_total:
        return f"seen with {total} different identifiers (more than {rule.max_total})"
    if not shareable:
        return None
    why = disagreement(state.traits)
    if why:
        return f"shared: {why}"
    for kind, count in sorted(state.persons.items()):
        if count > rule.max_persons and not personal:
            return f"shared: seen with {count} different {kind} values that are one person's each"
    return None


def one_person(traits: Traits) -> bool:
    """Whether the records carrying a value describe one person: every one of them states a
    birth date or a given name, and they agree on every trait they state."""
    named = any(identifying(t) for t in traits)
    return named and SILENT not in traits and disagreement(traits) is None
