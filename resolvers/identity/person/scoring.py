"""Fellegi–Sunter scores: each field's agreement level weighed log2(m/u), frequent values less."""

from __future__ import annotations

import math
from dataclasses import dataclass

from resolvers.identity.person.compare import FIELDS, Level, compare
from resolvers.identity.person.record import PersonRecord
from resolvers.identity.person.settings import MatchRule

LABELS = {
    "first_name": "GIVEN",
    "last_name": "SURNAME",
    "birth_date": "DOB",
    "gender": "GENDER",
    "street": "STREET",
    "city": "CITY",
    "postcode": "POSTCODE",
}


@dataclass(frozen=True, slots=True)
class FieldScore:
    """One field compared: its level and the weight that level carries."""

    field: str
    level: Level
    weight: float


@dataclass(frozen=True, slots=True)
class MatchScore:
    """A pair of records scored: the fields, their total, and a key a steward reads at a glance."""

    fields: tuple[FieldScore, ...]
    total: float
    vetoed: tuple[str, ...]

    @property
    def match_key(self) -> str:
        """Agreeing fields ``+``, disagreeing ones ``-``: ``+GIVEN+SURNAME+DOB-STREET``."""
        agree = [f for f in self.fields if f.level in (Level.EXACT, Level.CLOSE)]
        differ = [f for f in self.fields if f.level is Level.DIFFERENT]
        return "".join(f"+{LABELS[f.field]}" for f in agree) + "".join(
            f"-{LABELS[f.field]}" for f in differ
        )

    def decision(self, rule: MatchRule) -> str:
        """``match``, ``review`` or ``none`` under the rule's thresholds and vetoes."""
        if self.vetoed or self.total < rule.lower:
            return "none"
        return "match" if self.total >= rule.upper else "review"


def score(a: PersonRecord, b: PersonRecord, rule: MatchRule) -> MatchScore:
    """Score two records under the policy's weights; symmetric and deterministic."""
    levels = compare(a, b)
    fields = []
    for name in FIELDS:
        level = levels[name]
        weights = rule.fields[name]
        weight = weights.weight(level)
        if level is Level.EXACT and name in rule.frequencies:
            value = getattr(a, name).replace(" ", "")
            if value == getattr(b, name).replace(" ", ""):
                # term frequency: agreeing on a common surname says less than on a rare one
                # (only where both give the value in that field: a swapped pair has no one value)
                share = rule.frequencies[name].get(value)
                if share is not None:
                    weight = math.log2(weights.m[0] / max(share, weights.u[0]))
        fields.append(FieldScore(name, level, round(weight, 4)))
    vetoed = tuple(f.field for f in fields if f.field in rule.veto and f.level is Level.DIFFERENT)
    return MatchScore(tuple(fields), round(sum(f.weight for f in fields), 4), vetoed)
