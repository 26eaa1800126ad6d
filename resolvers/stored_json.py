"""What the service stores as free-form JSON, and its canonical form.

One definition for every entrance (API bodies, ``c360 import``, steward bodies): objects with
string keys, lists, strings of valid Unicode, whole numbers within 64 bits, finite numbers,
and no deeper than ``MAX_DEPTH`` levels. Anything else is refused with the path to it, so it
never reaches a store, a serialiser or a hash that cannot hold it.

The canonical form writes a whole float as an integer (``1.0`` becomes ``1``), so a retry
that spells a number differently hashes to the same body and is recognised as a duplicate.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from resolvers.errors import Loc

MAX_DEPTH = 32
MIN_INT = -(2**63)
MAX_INT = 2**63 - 1
# Whole floats up to here are exact integers; past it a float is kept as the float it is.
_EXACT = 2**53


class NotStorable(ValueError):
    """A value the service does not store: where it is (below the checked value), and why."""

    def __init__(self, loc: Loc, code: str, message: str) -> None:
        super().__init__(message)
        self.loc = loc
        self.code = code
        self.message = message


def stored(value: Any, depth: int = 0, max_depth: int = MAX_DEPTH) -> Any:
    """The canonical copy of a JSON value the service stores, or NotStorable for the first fault.

    ``depth`` is how deep the value already sits, so nested callers share one limit.
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return checked_text(value)
    if isinstance(value, int):
        if not MIN_INT <= value <= MAX_INT:
            raise NotStorable((), "int_out_of_range", "whole numbers must fit in 64 bits")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NotStorable((), "not_finite", "must be a finite number (no NaN or Infinity)")
        if value.is_integer() and abs(value) <= _EXACT:
            return int(value)
        return value
    if isinstance(value, list | tuple | Mapping) and depth > max_depth:
        raise NotStorable((), "too_deep", f"objects and lists nest at most {max_depth} levels")
    if isinstance(value, list | tuple):
        return [_below(item, index, depth, max_depth) for index, item in enumerate(value)]
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise NotStorable((str(key),), "not_json", "object keys must be strings")
            step = shown(key)
            _below(key, step, depth, max_depth, key_only=True)
            out[key] = _below(item, step, depth, max_depth)
        return out
    raise NotStorable((), "not_json", f"{type(value).__name__} is not a JSON value")


def _below(
    value: Any, step: str | int, depth: int, max_depth: int, *, key_only: bool = False
) -> Any:
    try:
        return checked_text(value) if key_only else stored(value, depth + 1, max_depth)
    except NotStorable as error:
        raise NotStorable((step, *error.loc), error.code, error.message) from None


def shown(text: str) -> str:
    """A string as an error may show it: lone surrogates written as ``\\udXXX`` escapes."""
    return text if text.isascii() else text.encode("utf-8", "backslashreplace").decode()


def checked_text(text: str) -> str:
    """The string itself when it is valid Unicode (no lone surrogates); NotStorable otherwise."""
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise NotStorable(
                (), "invalid_unicode", "contains a lone surrogate (not valid Unicode)"
            ) from None
    return text
