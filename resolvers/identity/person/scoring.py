"""Fellegi–Sunter scores: each field's agreement level weighed log2(m/u), frequent values less."""

from __future__ import annotations

import math
from dataclasses import dataclass

from resolvers.identity.person.compare import (
    FIELDS,
    Comparison,
    Level,
    code_level,
    compare,
    date_level,
    equal_level,
    name_level,
    name_levels,
    street_level,
)
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
# Screening stops once the fields left cannot lift a pair to the lower threshold. A total is
# a sum of seven weights rounded to 4 places, so it can sit up to 4e-4 above the unrounded
# sum; a pair is given up only when even its best is this far below the threshold.
_SLACK = 1e-3


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

    @property
    def household(self) -> bool:
        """Whether the pair reads as two people of one household: the given names differ
        where the family name and the address (street or postcode) agree, and the birth
        dates do not agree exactly. Fields are weighed as if independent, and a household
        breaks that: its members share the family name and every address field, so those
        agreements score a couple as highly as one person's two records."""
        level = {f.field: f.level for f in self.fields}
        agree = (Level.EXACT, Level.CLOSE)
        return (
            level["first_name"] is Level.DIFFERENT
            and level["last_name"] in agree
            and (level["street"] in agree or level["postcode"] in agree)
            and level["birth_date"] is not Level.EXACT
        )

    def decision(self, rule: MatchRule) -> str:
        """``match``, ``review`` or ``none`` under the rule's thresholds and vetoes; a pair
        that reads as a household goes to review at most."""
        if self.vetoed or self.total < rule.lower:
            return "none"
        return "match" if self.total >= rule.upper and not self.household else "review"


def score(a: PersonRecord, b: PersonRecord, rule: MatchRule) -> MatchScore:
    """Score two records under the policy's weights; symmetric and deterministic."""
    return _scored(a, b, compare(a, b), rule)


def screen(a: PersonRecord, b: PersonRecord, rule: MatchRule) -> MatchScore | None:
    """``score(a, b, rule)`` for a pair that may reach the lower threshold; None for a pair
    whose decision is certainly ``none`` (it cannot reach it, or a veto field differs).

    Fields are compared cheapest first (plain string tests, then the names' fuzzy ones), and
    the comparing stops as soon as the fields left, each at its best weight, cannot lift the
    pair to the threshold. A pair that may reach it is scored whole, so its score is the very
    one ``score`` gives; the others are never weighed field by field (most pairs a blocking
    key offers are such).
    """
    # the bound: compared fields at their level's weight, the rest at their best. A term
    # frequency only lowers an exact weight, so leaving it out keeps the bound a bound
    lost = rule.shortfalls
    allowed = rule.lower - _SLACK - rule.best  # how far below every field's best a pair may fall
    birth = date_level(a.birth_date, b.birth_date)
    postcode = code_level(a.postcode, b.postcode)
    gender = equal_level(a.gender, b.gender)
    street = street_level(a.street, b.street)
    fell = (
        lost["birth_date"][birth]
        + lost["postcode"][postcode]
        + lost["gender"][gender]
        + lost["street"][street]
    )
    if fell < allowed:
        return None
    given, family = name_levels(a, b)
    fell += lost["first_name"][given] + lost["last_name"][family]
    if fell < allowed:
        return None
    city = name_level(a.city, b.city)
    if fell + lost["city"][city] < allowed:
        return None
    levels = {
        "first_name": given,
        "last_name": family,
        "birth_date": birth,
        "gender": gender,
        "street": street,
        "city": city,
        "postcode": postcode,
    }
    return _scored(a, b, levels, rule)


def _scored(a: PersonRecord, b: PersonRecord, levels: Comparison, rule: MatchRule) -> MatchScore:
    fields = tuple(
        FieldScore(name, levels[name], round(_weight(name, levels[name], a, b, rule), 4))
        for name in FIELDS
    )
    vetoed = tuple(f.field for f in fields if f.field in rule.veto and f.level is Level.DIFFERENT)
    return MatchScore(fields, round(sum(f.weight for f in fields), 4), vetoed)


def _weight(name: str, level: Level, a: PersonRecord, b: PersonRecord, rule: MatchRule) -> float:
    weights = rule.fields[name]
    if level is Level.EXACT and name in rule.frequencies:
        value = getattr(a, name).replace(" ", "")
        if value == getattr(b, name).replace(" ", ""):
            # term frequency: agreeing on a common surname says less than on a rare one
            # (only where both give the value in that field: a swapped pair has no one value)
            share = rule.frequencies[name].get(value)
            if share is not None:
                return math.log2(weights.m[0] / max(share, weights.u[0]))
    return weights.weight(level)
