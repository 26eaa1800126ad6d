"""Comparing two partitions of the same identifiers, and measuring one against answers."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from resolvers.identity.partition_diff import agreement, compare

KEYS = [f"email:{c}@x.com" for c in "abcdefgh"]
memberships = st.dictionaries(st.sampled_from(KEYS), st.sampled_from(["c1", "c2", "c3", None]))


def test_a_reshuffle_counts_splits_merges_and_the_unchanged() -> None:
    before = {"a": "c1", "b": "c1", "c": "c2", "d": "c3", "e": "c4", "f": None}
    after = {"a": "c1", "b": "n1", "c": "n1", "d": "c3", "e": None, "f": "c5"}
    diff = compare(before, after)
    assert (diff.customers_before, diff.customers_after) == (4, 4)
    assert diff.unchanged == 1  # c3
    assert diff.split == 1  # c1 -> c1, n1
    assert diff.merged == 1  # n1 <- c1, c2
    assert diff.identifiers_moved == 5  # all but d
    [split] = diff.split_examples
    assert (split.customer_id, split.into, split.parts) == ("c1", ("c1", "n1"), (("a",), ("b",)))
    [merged] = diff.merged_examples
    assert (merged.customer_id, merged.from_customers) == ("n1", ("c1", "c2"))


def test_a_new_id_for_the_same_identifiers_is_unchanged() -> None:
    diff = compare({"a": "c1", "b": "c1"}, {"a": "c9", "b": "c9"})
    assert (diff.unchanged, diff.split, diff.merged, diff.identifiers_moved) == (1, 0, 0, 0)


def test_examples_are_capped_and_the_largest_come_first() -> None:
    before = {f"k{i}": f"c{i // 2}" for i in range(8)} | {"x1": "cx", "x2": "cy", "x3": "cz"}
    after = {f"k{i}": f"n{i}" for i in range(8)} | {"x1": "m", "x2": "m", "x3": "m"}
    diff = compare(before, after, examples=2)
    assert diff.split == 4 and len(diff.split_examples) == 2
    assert diff.merged_examples[0].from_customers == ("cx", "cy", "cz")


@given(memberships)
def test_a_partition_compared_with_itself_is_all_unchanged(
    membership: dict[str, str | None],
) -> None:
    diff = compare(membership, membership)
    assert diff.unchanged == diff.customers_before == diff.customers_after
    assert (diff.split, diff.merged, diff.identifiers_moved) == (0, 0, 0)


@given(memberships, memberships)
def test_unchanged_and_split_never_exceed_the_customers(
    before: dict[str, str | None], after: dict[str, str | None]
) -> None:
    diff = compare(before, after)
    assert diff.unchanged + diff.split <= diff.customers_before
    assert diff.merged <= diff.customers_after


def test_agreement_counts_the_last_link_or_never_per_pair() -> None:
    membership = {"a": "c1", "b": "c1", "c": "c2", "d": None}
    labels = [
        ("a", "b", "never"),
        ("b", "a", "link"),  # the last answer for the pair wins, in either order
        ("a", "c", "link"),  # apart: missed
        ("c", "d", "never"),  # apart, as asked
        ("a", "d", "skip"),  # does not count
    ]
    measured = agreement(membership, labels)
    assert (measured.labels, measured.true_links, measured.false_links) == (3, 1, 0)
    assert (measured.missed_links, measured.precision, measured.recall) == (1, 1.0, 0.5)
    assert agreement(membership, []).precision is None
