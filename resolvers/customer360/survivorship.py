"""Survivorship: which observed value of each attribute a profile shows, and why."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from resolvers.identity.policy import Survivorship


@dataclass(frozen=True, slots=True)
class AttributeEvidence:
    """The attributes one observation gave, with where and when they came from."""

    observation_id: str
    source: str
    observed_at: datetime
    attributes: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class AttributeValue:
    """The surviving value of one attribute, its provenance, and how many others competed."""

    value: Any
    source: str
    observed_at: datetime
    observation_id: str
    rule: str
    alternatives: int


@dataclass(frozen=True, slots=True)
class _Candidate:
    value: Any
    key: str
    evidence: AttributeEvidence

    @property
    def recency(self) -> tuple[datetime, str, str]:
        # The value's key settles a tie only a duplicated observation id could make.
        return (self.evidence.observed_at, self.evidence.observation_id, self.key)


Observed = AttributeEvidence | tuple[str, str, datetime, Mapping[str, Any]]


def survive(observations: Iterable[Observed], rules: Survivorship) -> dict[str, AttributeValue]:
    """The surviving value of every attribute with a non-empty value, by name."""
    candidates: dict[str, list[_Candidate]] = defaultdict(list)
    for item in observations:
        evidence = item if isinstance(item, AttributeEvidence) else AttributeEvidence(*item)
        for name, value in evidence.attributes.items():
            if not is_empty(value):
                candidates[name].append(_Candidate(value, comparable(value), evidence))
    out: dict[str, AttributeValue] = {}
    for name in sorted(candidates):
        rule = rules.rule(name)
        found = candidates[name]
        winner = _choose(found, rule, rules.sources)
        others = {c.key for c in found} - {winner.key}
        out[name] = AttributeValue(
            value=winner.value,
            source=winner.evidence.source,
            observed_at=winner.evidence.observed_at,
            observation_id=winner.evidence.observation_id,
            rule=rule,
            alternatives=len(others),
        )
    return out


def _choose(found: list[_Candidate], rule: str, sources: tuple[str, ...]) -> _Candidate:
    if rule == "source_priority":
        # Sources the policy does not list rank after every listed one, most recent first.
        def place(c: _Candidate) -> int:
            source = c.evidence.source
            return sources.index(source) if source in sources else len(sources)

        best = min(place(c) for c in found)
        return max((c for c in found if place(c) == best), key=lambda c: c.recency)
    if rule == "most_frequent":
        groups: dict[str, list[_Candidate]] = defaultdict(list)
        for c in found:
            groups[c.key].append(c)
        # Most observations wins; a tie goes to the value seen most recently; a value is shown
        # as its most recent observation wrote it.
        group = max(groups.values(), key=lambda g: (len(g), max(c.recency for c in g)))
        return max(group, key=lambda c: c.recency)
    return max(found, key=lambda c: c.recency)


def is_empty(value: Any) -> bool:
    """None, a blank string, or an empty list or object."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | dict):
        return len(value) == 0
    return False


def comparable(value: Any) -> str:
    """A value as compared for frequency: strings trimmed and case-folded."""
    if isinstance(value, str):
        return "s:" + value.strip().casefold()
    return "j:" + orjson.dumps(value, default=str, option=orjson.OPT_SORT_KEYS).decode()
