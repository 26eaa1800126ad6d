"""Generic values: identifiers so many people use that they must stop linking.

A shareable value (an e-mail, a mobile, a cookie) is judged by the people behind the records
that carry it: records that describe different people (their birth dates or given names
disagree) make it shared; records that describe one person keep it personal even when it is
seen with two of that person's mobiles or mailboxes. Only when the records say nothing of
the person does a count decide (``max_persons``, a kind's ``max_neighbours``). The global
thresholds (``max_per_kind``, ``max_total``: a shop's front-desk phone) always apply.

A value one person holds by the policy (a per-person kind no household shares: a login, a
loyalty card) is lent when its records name different people, and stops linking too.
"""

from __future__ import annotations

from resolvers.identity.evidence import IdentifierState
from resolvers.identity.policy import MergePolicy
from resolvers.identity.traits import (
    FULL_NAME,
    SILENT,
    Traits,
    disagreement,
    identifying,
    one_name,
    two_people,
)


def generic_reason(state: IdentifierState, policy: MergePolicy) -> str | None:
    """Why a live identifier is generic now, from its whole evidence; None while it is not."""
    rule = policy.generic
    own = policy.rule_of(state.kind, state.variant)
    caps = own.max_neighbours if own is not None else {}
    shareable = own is not None and own.shareable
    personal = shareable and one_person(state.traits, rule.typo_attributes)
    for kind, count in sorted(state.neighbours.items()):
        cap = caps.get(kind, rule.max_per_kind)
        if count > rule.max_per_kind or (count > cap and not personal):
            return f"seen with {count} different {kind} values (more than {cap})"
    total = sum(state.neighbours.values())
    if total > rule.max_total:
        return f"seen with {total} different identifiers (more than {rule.max_total})"
    if not shareable:
        if own is not None and own.per_person:
            # one person's by the policy, but a login or a card is lent: records on it that
            # name different people show it used by several, and it may join none of them
            why = disagreement(_given_names(state.traits))
            if why:
                return f"shared by use: {why}"
            if two_people(state.traits.get(FULL_NAME, ())):
                return "shared by use: records carrying it name people of different names"
        return None
    why = disagreement(state.traits, rule.typo_attributes)
    if why:
        return f"shared: {why}"
    for kind, count in sorted(state.persons.items()):
        if count > rule.max_persons and not personal:
            return f"shared: seen with {count} different {kind} values that are one person's each"
    return None


def _given_names(traits: Traits) -> Traits:
    return {t: v for t, v in traits.items() if t.startswith("name.")}


def one_person(traits: Traits, forgiven: tuple[str, ...] = ()) -> bool:
    """Whether the records carrying a value describe one person: every one of them states a
    birth date, a given name of a compared script or a full name; they agree on every trait
    they state (``forgiven`` ones may differ when the records all name one person); and the
    full names they give, if any, all name one person."""
    named = FULL_NAME in traits or any(identifying(t) for t in traits)
    if not named or SILENT in traits or disagreement(traits, forgiven) is not None:
        return False
    names = traits.get(FULL_NAME)
    return names is None or one_name(names)
