"""Limits: the most identifiers of a kind one customer may hold, and what stewards allowed."""

from __future__ import annotations

from collections.abc import Mapping

from resolvers.identity.policy import MergePolicy


def refusal(
    counts_a: Mapping[str, int],
    allowance_a: Mapping[str, int],
    counts_b: Mapping[str, int],
    allowance_b: Mapping[str, int],
    policy: MergePolicy,
) -> str | None:
    """Why two disjoint customers may not merge, or None when they may.

    A kind's cap is its policy limit, raised to what a steward's forced merge already holds
    (``allowance``): stewards have the last word, and nothing else may add to it.
    """
    for kind in sorted(counts_a.keys() & counts_b.keys()):
        limit = policy.limit(kind)
        if limit is None:
            continue
        total = counts_a[kind] + counts_b[kind]
        cap = max(limit, allowance_a.get(kind, 0), allowance_b.get(kind, 0))
        if total > cap:
            return f"limit: a customer holds at most {cap} {kind}; this merge would make {total}"
    return None


def allowance_of(counts: Mapping[str, int], policy: MergePolicy) -> dict[str, int]:
    """The caps a steward-made group needs: its own counts where they pass the limit."""
    out: dict[str, int] = {}
    for kind, count in counts.items():
        limit = policy.limit(kind)
        if limit is not None and count > limit:
            out[kind] = count
    return out


def merged_allowance(a: Mapping[str, int], b: Mapping[str, int]) -> dict[str, int]:
    """The allowance of two customers merged: the larger cap of each kind."""
    out = dict(a)
    for kind, cap in b.items():
        out[kind] = max(cap, out.get(kind, 0))
    return out


def add_counts(a: Mapping[str, int], b: Mapping[str, int]) -> dict[str, int]:
    """Kind counts of two disjoint customers merged."""
    out = dict(a)
    for kind, count in b.items():
        out[kind] = out.get(kind, 0) + count
    return out
