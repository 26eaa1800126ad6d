"""Disjoint sets: the components of the unions, each named by its smallest member."""

from __future__ import annotations

import networkx as nx
from hypothesis import given
from hypothesis import strategies as st

from resolvers.union_find import DisjointSets

edges = st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), max_size=60)


@given(edges, st.randoms())
def test_groups_are_the_connected_components_whatever_the_order(
    pairs: list[tuple[int, int]], rnd: object
) -> None:
    graph: nx.Graph[int] = nx.Graph()
    graph.add_edges_from(pairs)
    shuffled = list(pairs)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    sets: DisjointSets[int] = DisjointSets()
    for a, b in shuffled:
        sets.union(a, b)
    groups = sets.groups()
    assert {frozenset(g) for g in groups.values()} == {
        frozenset(c) for c in nx.connected_components(graph)
    }
    for root, members in groups.items():
        assert root == min(members)
        assert all(sets.find(m) == root for m in members)


def test_union_answers_what_it_kept_and_what_it_absorbed() -> None:
    sets = DisjointSets(["b", "a", "c"])
    assert len(sets) == 3 and "a" in sets and "z" not in sets
    assert sets.union("b", "a") == ("a", "b")
    assert sets.union("a", "b") is None
    assert sets.union("c", "b") == ("a", "c")
    assert sets.add("a") is False
    assert sets.add("d") is True
    assert sets.groups() == {"a": ["a", "b", "c"], "d": ["d"]}
