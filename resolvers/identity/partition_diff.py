"""What changes between two partitions of the same identifiers, and how well each agrees
with stewards' answers.

A partition is a mapping from identifier key to customer id (None: the identifier belongs
to no customer: a placeholder, a generic or a blocked value). The policy preview compares
the partition the store holds with the one a candidate policy would give.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

Membership = Mapping[str, str | None]
EXAMPLE_KEYS = 12  # identifiers shown per example


@dataclass(frozen=True, slots=True)
class MergedExample:
    """A customer the candidate would make from more than one of today's customers."""

    customer_id: str
    from_customers: tuple[str, ...]
    identifiers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SplitExample:
    """One of today's customers the candidate would take apart."""

    customer_id: str
    into: tuple[str | None, ...]  # None: identifiers that would belong to no customer
    parts: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class Agreement:
    """A partition measured against stewards' link / never answers (skips do not count)."""

    labels: int
    true_links: int
    false_links: int
    missed_links: int

    @property
    def precision(self) -> float | None:
        """Of the answered pairs the partition joins, the share stewards said to link."""
        joined = self.true_links + self.false_links
        return self.true_links / joined if joined else None

    @property
    def recall(self) -> float | None:
        """Of the pairs stewards said to link, the share the partition joins."""
        wanted = self.true_links + self.missed_links
        return self.true_links / wanted if wanted else None


@dataclass(frozen=True, slots=True)
class PartitionDiff:
    """Customers before and after, and which were merged, split or left as they were."""

    customers_before: int
    customers_after: int
    unchanged: int
    merged: int
    split: int
    identifiers_moved: int
    merged_examples: tuple[MergedExample, ...] = field(default=())
    split_examples: tuple[SplitExample, ...] = field(default=())


def _groups(membership: Membership) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for key, customer in membership.items():
        if customer is not None:
            out.setdefault(customer, set()).add(key)
    return out


def compare(before: Membership, after: Membership, examples: int = 10) -> PartitionDiff:
    """How ``after`` differs from ``before``, with up to ``examples`` of each kind of change.

    A customer of ``before`` is unchanged when ``after`` has a customer with exactly its
    identifiers, split when its identifiers end up in more than one place (another
    customer, or none), and an ``after`` customer is merged when its identifiers come from
    more than one customer of ``before``. A customer can be both split and merged into
    others. Examples are the largest changes first, then by id: the same answer every run.
    """
    groups_before, groups_after = _groups(before), _groups(after)
    unchanged = split = 0
    splits: list[SplitExample] = []
    for customer, keys in groups_before.items():
        targets = {after.get(key) for key in keys}
        if len(targets) == 1 and None not in targets:
            [target] = targets
            if groups_after[target] == keys:  # type: ignore[index]
                unchanged += 1
                continue
        if len(targets) > 1:
            split += 1
            into = sorted(targets, key=lambda t: (t is None, t or ""))
            parts = tuple(
                tuple(sorted(k for k in keys if after.get(k) == t)[:EXAMPLE_KEYS]) for t in into
            )
            splits.append(SplitExample(customer, tuple(into), parts))
    merges: list[MergedExample] = []
    for customer, keys in groups_after.items():
        sources = sorted({c for key in keys if (c := before.get(key)) is not None})
        if len(sources) > 1:
            merges.append(
                MergedExample(customer, tuple(sources), tuple(sorted(keys)[:EXAMPLE_KEYS]))
            )
    moved = sum(
        1
        for key in before.keys() | after.keys()
        if _place(before.get(key), groups_before) != _place(after.get(key), groups_after)
    )
    splits.sort(key=lambda x: (-len(x.into), x.customer_id))
    merges.sort(key=lambda x: (-len(x.from_customers), x.customer_id))
    return PartitionDiff(
        customers_before=len(groups_before),
        customers_after=len(groups_after),
        unchanged=unchanged,
        merged=len(merges),
        split=split,
        identifiers_moved=moved,
        merged_examples=tuple(merges[:examples]),
        split_examples=tuple(splits[:examples]),
    )


def _place(customer: str | None, groups: Mapping[str, set[str]]) -> frozenset[str] | None:
    """Where an identifier is, as the set of its customer's identifiers (ids may differ)."""
    return None if customer is None else frozenset(groups[customer])


def agreement(membership: Membership, labels: Iterable[tuple[str, str, str]]) -> Agreement:
    """How a partition agrees with (a, b, decision) answers; a pair's last answer counts."""
    last: dict[tuple[str, str], str] = {}
    for a, b, decision in labels:
        if decision in ("link", "never"):
            last[(min(a, b), max(a, b))] = decision
    true_links = false_links = missed = 0
    for (a, b), decision in last.items():
        customer = membership.get(a)
        together = customer is not None and customer == membership.get(b)
        if decision == "link":
            true_links, missed = true_links + together, missed + (not together)
        else:
            false_links += together
    return Agreement(len(last), true_links, false_links, missed)
