"""Answer a batch item by item: a repeated id gets an answer of its own, in its place."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

R = TypeVar("R")


def one_per_item(
    ids: Sequence[str],
    results: Sequence[R],
    id_of: Callable[[R], str],
    as_repeat: Callable[[R], R],
) -> list[R]:
    """One result per batch item, in the batch's order.

    ``results`` answers each distinct id once; an id the batch repeats (with the same body:
    a different body was refused before anything was written) is answered again where it
    stands, as ``as_repeat`` of the first answer — a retry inside the batch, written once.
    """
    by_id = {id_of(r): r for r in results}
    seen: set[str] = set()
    out: list[R] = []
    for item_id in ids:
        result = by_id[item_id]
        out.append(as_repeat(result) if item_id in seen else result)
        seen.add(item_id)
    return out


def item_loc(index: int, *loc: str | int) -> tuple[str | int, ...]:
    """Where a field of batch item ``index`` is: the item's place, then the field's path.

    Use cases locate errors in the batch they were given; where that batch stands in a
    request (a body field, the body itself, lines of a file) is the caller's to say.
    """
    return (index, *loc)
