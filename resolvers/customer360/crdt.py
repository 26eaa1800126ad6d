"""Merge rules whose results do not depend on order or grouping (a small set of CRDTs).

Every value of an aggregate's state merges by one of these rules. A rule may update its
first argument in place and return it; its second argument is consumed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import orjson

Merge = Callable[[Any, Any], Any]
Register = list[Any]  # [stamp, event id, value]: the value written by the latest event


# Running totals stop at the largest 64-bit integer rather than overflow what stores and
# JSON hold; with the documented per-event bounds no real customer comes near it. For the
# non-negative figures kept here, min(a + b, CEILING) is still commutative and associative.
CEILING = 2**63 - 1


def add(a: Any, b: Any) -> Any:
    """Counters: whole numbers add up, saturating at CEILING."""
    return min(a + b, CEILING)


def add_each(a: list[int], b: list[int]) -> list[int]:
    """Tuples of counters add up position by position, saturating at CEILING."""
    return [min(x + y, CEILING) for x, y in zip(a, b, strict=True)]


def earliest(a: Any, b: Any) -> Any:
    """The smaller of two stamps."""
    return min(a, b)


def latest(a: Any, b: Any) -> Any:
    """The larger of two stamps (flags: 1 wins over 0)."""
    return max(a, b)


def last_writer(a: Register, b: Register) -> Register:
    """Last writer wins by (stamp, event id); the value breaks a tie no real event makes."""
    return a if rank(a) >= rank(b) else b


def rank(register: Register) -> tuple[str, str, bytes]:
    """The order of registers: stamp, then event id, then the value's canonical JSON."""
    value = orjson.dumps(register[2:], option=orjson.OPT_SORT_KEYS)
    return (register[0], register[1], value)


def keyed(inner: Merge) -> Merge:
    """Maps whose values merge by one rule."""

    def merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
        for key, value in b.items():
            a[key] = inner(a[key], value) if key in a else value
        return a

    return merge


def record(fields: Mapping[str, Merge]) -> Merge:
    """Objects whose fields each merge by their own rule; a missing field is the identity."""

    def merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
        for key, value in b.items():
            a[key] = fields[key](a[key], value) if key in a else value
        return a

    return merge


def top_counts(counter: dict[str, Any], cap: int) -> dict[str, Any]:
    """The ``cap`` largest entries of a counter (ties kept by name), to bound its size."""
    if len(counter) <= cap:
        return counter
    ranked = sorted(counter.items(), key=lambda kv: (_negated(kv[1]), kv[0]))
    return dict(ranked[:cap])


def _negated(value: Any) -> Any:
    return [-v for v in value] if isinstance(value, list) else -value
