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


def cursor_pages(fetch: Callable[[K], tuple[list[T], K | None]], first: K) -> Iterator[list[T]]:
    """Pages of ``fetch(after)``, which answers a page and the cursor after it (None: done).

    For scans whose cursor is not one field of the last item (a link's pair of ids, or the
    last identifier whose links a page holds). A page may be empty and the scan go on.
    """
    after: K | None = first
    while after is not None:
        batch, after = fetch(after)
        if batch:
            yield batch
