"""Disjoint sets (union-find) with a deterministic representative: the smallest member.

The representative of a set never depends on the order of unions, so anything keyed by it
(a component's counts, a group's first key) is the same however the evidence arrived.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Generic, TypeVar

K = TypeVar("K", str, int)


class DisjointSets(Generic[K]):
    """Sets of items under union, each named by its smallest member."""

    __slots__ = ("parent",)

    def __init__(self, items: Iterable[K] = ()) -> None:
        self.parent: dict[K, K] = {item: item for item in items}

    def __contains__(self, item: object) -> bool:
        return item in self.parent

    def __len__(self) -> int:
        return len(self.parent)

    def add(self, item: K) -> bool:
        """Add a singleton; False when the item is already known."""
        if item in self.parent:
            return False
        self.parent[item] = item
        return True

    def find(self, item: K) -> K:
        """The representative of the item's set (a new item is its own set)."""
        parent = self.parent
        root = parent.setdefault(item, item)
        while parent[root] != root:
            root = parent[root]
        while parent[item] != root:  # compress the path walked
            parent[item], item = root, parent[item]
        return root

    def union(self, a: K, b: K) -> tuple[K, K] | None:
        """Join the sets of a and b: (kept, absorbed) representatives, or None if one set."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return None
        if rb < ra:
            ra, rb = rb, ra
        self.parent[rb] = ra
        return ra, rb

    def groups(self) -> dict[K, list[K]]:
        """Every set by its representative, members in ascending order."""
        out: dict[K, list[K]] = {}
        for item in sorted(self.parent):
            out.setdefault(self.find(item), []).append(item)
        return out
