"""The matcher's settings in the merge policy (``[match]``): weights, thresholds, vetoes."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from resolvers.errors import PolicyError
from resolvers.identity.person.compare import FIELDS, Level

LEVELS = (Level.EXACT, Level.CLOSE, Level.DIFFERENT)
FREQUENCY_FIELDS = ("first_name", "last_name", "city")
SETTINGS = frozenset({"enabled", "upper", "lower", "veto", "block_limit", "fields", "frequencies"})


@dataclass(frozen=True, slots=True)
class FieldWeights:
    """How likely each agreement level is among true matches (m) and among non-matches (u)."""

    m: tuple[float, float, float]
    u: tuple[float, float, float]
    # each level's weight, worked out once (every scored pair reads seven of them)
    _by_level: dict[Level, float] = field(init=False, repr=False, compare=False, hash=False)
    # the most the field can add to a total: its best level's weight, or 0 (absent). A term
    # frequency only lowers an exact weight (log2(m / max(share, u))), so it stays a bound
    best: float = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        weights = {level: math.log2(self.m[i] / self.u[i]) for i, level in enumerate(LEVELS)}
        object.__setattr__(self, "_by_level", {**weights, Level.ABSENT: 0.0})
        object.__setattr__(self, "best", max(0.0, *weights.values()))

    def weight(self, level: Level) -> float:
        """The level's weight, log2(m/u); 0 for an absent field."""
        return self._by_level[level]


@dataclass(frozen=True, slots=True)
class MatchRule:
    """Person matching: records with no identifier in common joined by their person evidence.

    A pair scoring ``upper`` or more (and different on no ``veto`` field) becomes a
    ``matched`` link; from ``lower`` up to ``upper`` it goes to review; below, nothing.
    """

    enabled: bool = True
    upper: float = 20.0
    lower: float = 15.0
    veto: tuple[str, ...] = ()
    block_limit: int = 100
    fields: Mapping[str, FieldWeights] = field(default_factory=dict)
    frequencies: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    # what screening a pair reads (scoring.screen): the most a pair can score, every field at
    # its best, and how far below its best each level leaves a field (a veto's -inf: no match)
    best: float = field(init=False, repr=False, compare=False, hash=False)
    shortfalls: Mapping[str, Mapping[Level, float]] = field(
        init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        shortfalls = {
            name: {
                level: -math.inf
                if level is Level.DIFFERENT and name in self.veto
                else w.weight(level) - w.best
                for level in Level
            }
            for name, w in self.fields.items()
        }
        object.__setattr__(self, "best", sum(w.best for w in self.fields.values()))
        object.__setattr__(self, "shortfalls", shortfalls)


def parse_match(doc: Mapping[str, Any]) -> MatchRule:
    """The ``[match]`` table of a policy document, checked; raise PolicyError naming the setting."""
    unknown = set(doc) - SETTINGS
    if unknown:
        raise PolicyError(f"match: unknown setting(s) {', '.join(sorted(unknown))}")
    enabled = doc.get("enabled", True)
    if not isinstance(enabled, bool):
        raise PolicyError("match.enabled must be true or false")
    upper, lower = _number(doc, "upper", 20.0), _number(doc, "lower", 15.0)
    if lower > upper:
        raise PolicyError("match.lower must not be above match.upper")
    veto = doc.get("veto", [])
    if not isinstance(veto, list) or not all(v in FIELDS for v in veto):
        raise PolicyError(f"match.veto must be a list of fields among {', '.join(FIELDS)}")
    limit = doc.get("block_limit", 100)
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 100_000:
        raise PolicyError("match.block_limit must be a whole number from 1 to 100000")
    fields_doc = doc.get("fields", {})
    if not isinstance(fields_doc, Mapping):
        raise PolicyError("match.fields must be a table")
    fields = {}
    for name, spec in fields_doc.items():
        if name not in FIELDS:
            raise PolicyError(f"match.fields.{name}: unknown field; use {', '.join(FIELDS)}")
        fields[name] = _weights(spec, f"match.fields.{name}")
    missing = [f for f in FIELDS if f not in fields]
    if missing:
        raise PolicyError(f"match.fields: no weights for {', '.join(missing)}")
    frequencies_doc = doc.get("frequencies", {})
    if not isinstance(frequencies_doc, Mapping):
        raise PolicyError("match.frequencies must be a table")
    frequencies = {}
    for name, table in frequencies_doc.items():
        where = f"match.frequencies.{name}"
        if name not in FREQUENCY_FIELDS:
            raise PolicyError(f"{where}: frequencies are kept for {', '.join(FREQUENCY_FIELDS)}")
        if not isinstance(table, Mapping) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and 0 < v <= 1
            for v in table.values()
        ):
            raise PolicyError(f"{where} maps values to their share of records, above 0 up to 1")
        frequencies[name] = {str(k): float(v) for k, v in table.items()}
    return MatchRule(enabled, upper, lower, tuple(veto), limit, fields, frequencies)


def _weights(spec: Any, where: str) -> FieldWeights:
    if not isinstance(spec, Mapping) or set(spec) != {"m", "u"}:
        raise PolicyError(f"{where} must set m and u, each [exact, close, different]")
    out = []
    for letter in ("m", "u"):
        values = spec[letter]
        if (
            not isinstance(values, list)
            or len(values) != len(LEVELS)
            or not all(
                isinstance(v, int | float) and not isinstance(v, bool) and 0 < v < 1 for v in values
            )
        ):
            raise PolicyError(
                f"{where}.{letter} must be three probabilities above 0 and below 1: "
                "[exact, close, different]"
            )
        out.append((float(values[0]), float(values[1]), float(values[2])))
    return FieldWeights(out[0], out[1])


def _number(doc: Mapping[str, Any], key: str, default: float) -> float:
    value = doc.get(key, default)
    if not isinstance(value, int | float) or isinstance(value, bool) or not -200 <= value <= 200:
        raise PolicyError(f"match.{key} must be a number from -200 to 200")
    return float(value)
