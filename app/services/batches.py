"""Batches item by item: every bad item named when checking, every item answered in its place."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from resolvers.errors import FieldError, ValidationFailed

R = TypeVar("R")
Raw = TypeVar("Raw")  # an item as received
C = TypeVar("C")  # an item checked


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


def check_batch(
    raws: Sequence[Raw],
    check: Callable[[Raw], C],
    identity: Callable[[C], tuple[str, str]],
) -> list[C]:
    """Check every item of a batch; the checked items, or ValidationFailed naming every error.

    ``check`` raises ValidationFailed for a bad item (located in the item); ``identity`` gives
    a checked item's id and body hash. An id the batch repeats with the same body is kept
    once (a retry inside the batch); with a different body it is an error of its own.
    """
    errors: list[FieldError] = []
    out: list[C] = []
    seen: dict[str, tuple[int, str]] = {}
    for index, raw in enumerate(raws):
        try:
            item = check(raw)
        except ValidationFailed as failed:
            errors.extend(
                FieldError(item_loc(index, *e.loc), e.code, e.message) for e in failed.errors
            )
            continue
        item_id, digest = identity(item)
        earlier = seen.get(item_id)
        if earlier is not None:
            if earlier[1] != digest:
                message = f"id repeats item {earlier[0]} of this batch with a different body"
                errors.append(FieldError(item_loc(index, "id"), "duplicate_id", message))
            continue
        seen[item_id] = (index, digest)
        out.append(item)
    if errors:
        raise ValidationFailed(errors)
    return out
