"""Keyset paging shared by the store adapters' full scans."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")
K = TypeVar("K")


def keyset_pages(
    fetch: Callable[[K], list[T]], first: K, key: Callable[[T], K]
) -> Iterator[list[T]]:
    """Pages of ``fetch(after)`` until one comes back empty; each starts after the last key."""
    after = first
    while batch := fetch(after):
        yield batch
        after = key(batch[-1])
