"""Fields of event payloads: how each kind of value is read, normalised or refused."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from resolvers.customer360.currencies import ISO_4217
from resolvers.errors import Loc
from resolvers.stored_json import MAX_DEPTH, NotStorable, checked_text, stored
from resolvers.timestamps import OUT_OF_RANGE, OutOfRange, in_range, iso_utc, parse_moment

MAX_ITEMS = 500
MAX_JSON_DEPTH = MAX_DEPTH
# Documented bounds (docs/api.md): what one event may say. Amounts are in their own currency.
MAX_AMOUNT = 10**12
MAX_QUANTITY = 1_000_000
MAX_POINTS = 10**9

Problem = tuple[Loc, str, str]


class Invalid(Exception):
    """A value is wrong: where below the field it sits, a code and a message."""

    def __init__(self, code: str, message: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(message)
        self.problems: list[Problem] = list(problems) or [((), code, message)]


Parser = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a payload: its name, how it is read, and whether it must be there."""

    name: str
    parse: Parser
    required: bool = False


# -- value parsers: each returns the normalised value, None for "absent", or raises Invalid ------


def text(limit: int = 500) -> Parser:
    """A string, trimmed; empty counts as absent."""

    def parse(value: Any) -> str | None:
        if not isinstance(value, str):
            raise Invalid("wrong_type", "must be a string")
        cleaned = _valid_text(value).strip()
        if len(cleaned) > limit:
            raise Invalid("too_long", f"must be at most {limit:,} characters")
        return cleaned or None

    return parse


def _valid_text(value: str) -> str:
    try:
        return checked_text(value)
    except NotStorable as error:
        raise Invalid(error.code, error.message) from None


def ident(value: Any) -> str | None:
    """An identifier such as an order id: a string, or a whole number channels often send."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(whole(value))
    cleaned: str | None = text(200)(value)
    return cleaned


def choice(options: Sequence[str]) -> Parser:
    """One of a fixed set of lower-case words."""

    def parse(value: Any) -> str:
        if not isinstance(value, str):
            raise Invalid("wrong_type", "must be a string")
        word = value.strip().lower()
        if word not in options:
            raise Invalid("unknown_value", f"must be one of {', '.join(options)}")
        return word

    return parse


def whole(value: Any) -> int:
    """A whole number within 64 bits (2.0 is taken as 2)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid("wrong_type", "must be a whole number")
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        raise Invalid("not_integer", "must be a whole number")
    number = int(value)
    if not -(2**63) <= number < 2**63:
        raise Invalid("out_of_range", "must fit in 64 bits")
    return number


def positive(value: Any) -> int:
    """A whole number above zero."""
    number = whole(value)
    if number <= 0:
        raise Invalid("not_positive", "must be greater than zero")
    return number


def bounded(parse: Parser, limit: int) -> Parser:
    """A number ``parse`` reads, at most ``limit`` in size."""

    def check(value: Any) -> Any:
        number = parse(value)
        if number is not None and abs(number) > limit:
            raise Invalid("out_of_range", f"must be at most {limit:,} in size")
        return number

    return check


def amount(value: Any) -> int | float:
    """A finite number, zero or more, at most MAX_AMOUNT (a whole float is taken as a whole)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid("wrong_type", "must be a number")
    if not math.isfinite(value):
        raise Invalid("not_finite", "must be a finite number")
    if value < 0:
        raise Invalid("negative", "must not be negative")
    if value > MAX_AMOUNT:
        raise Invalid("out_of_range", f"must be at most {MAX_AMOUNT:,}")
    return int(value) if isinstance(value, float) and value.is_integer() else value


def currency(value: Any) -> str:
    """An ISO 4217 code, upper-cased."""
    if not isinstance(value, str):
        raise Invalid("wrong_type", "must be a string")
    code = value.strip().upper()
    if code not in ISO_4217:
        raise Invalid("unknown_currency", f"{value!r} is not an ISO 4217 currency code")
    return code


def moment(value: Any) -> str:
    """A date and time with a time zone, as a UTC ISO string."""
    parsed = _moment_or_date(value)
    if not isinstance(parsed, datetime):
        raise Invalid("not_datetime", "must be a date and time, e.g. 2026-03-05T14:00:00+08:00")
    return iso_utc(parsed)


def day(value: Any) -> str:
    """A calendar date (a datetime counts as its UTC date), as an ISO date."""
    parsed = _moment_or_date(value)
    return (parsed.date() if isinstance(parsed, datetime) else parsed).isoformat()


def day_or_moment(value: Any) -> str:
    """A date, or a date and time, kept as precise as given."""
    parsed = _moment_or_date(value)
    return iso_utc(parsed) if isinstance(parsed, datetime) else parsed.isoformat()


def _moment_or_date(value: Any) -> datetime | date:
    if not isinstance(value, str):
        raise Invalid("wrong_type", "must be an ISO-8601 string")
    try:
        parsed = parse_moment(value.strip())
        return in_range(parsed) if isinstance(parsed, datetime) else parsed
    except OutOfRange:
        raise Invalid("out_of_range", OUT_OF_RANGE) from None
    except ValueError as error:
        if "time zone" in str(error):
            raise Invalid("naive_datetime", "needs a time zone, e.g. +08:00 or Z") from None
        raise Invalid("invalid_datetime", f"{value!r} is not an ISO-8601 date or time") from None


def items(value: Any) -> list[dict[str, Any]]:
    """Line items: sku, quantity and unit price each, name and category optionally."""
    if not isinstance(value, list):
        raise Invalid("wrong_type", "must be a list of items")
    if len(value) > MAX_ITEMS:
        raise Invalid("too_many", f"at most {MAX_ITEMS} items")
    out: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for index, item in enumerate(value):
        if not isinstance(item, Mapping):
            problems.append(((index,), "wrong_type", "an item must be an object"))
            continue
        clean, found = check_object(item, ITEM)
        problems.extend(((index, *loc), code, message) for loc, code, message in found)
        out.append(clean)
    if problems:
        raise Invalid("", "", problems)
    return out


def json_value(value: Any, depth: int = 0) -> Any:
    """The canonical copy of a free-form JSON value the service stores (``stored_json``)."""
    try:
        return stored(value, depth)
    except NotStorable as error:
        raise Invalid("", "", [(error.loc, error.code, error.message)]) from None


def check_object(
    data: Mapping[str, Any], fields: Sequence[Field]
) -> tuple[dict[str, Any], list[Problem]]:
    """Parse the known fields of an object and keep its other fields as JSON."""
    out: dict[str, Any] = {}
    problems: list[Problem] = []
    known = {f.name for f in fields}
    for key, raw in data.items():
        if key in known:
            continue
        if not isinstance(key, str):
            problems.append(((str(key),), "not_json", "object keys must be strings"))
            continue
        try:
            out[key] = json_value(raw, 1)
        except Invalid as error:
            problems.extend(((key, *loc), c, m) for loc, c, m in error.problems)
    for spec in fields:
        raw = data.get(spec.name)
        value = None
        if raw is not None:
            try:
                value = spec.parse(raw)
            except Invalid as error:
                problems.extend(((spec.name, *loc), c, m) for loc, c, m in error.problems)
                continue
        if value is not None:
            out[spec.name] = value
        elif spec.required:
            problems.append(((spec.name,), "missing", "is required"))
    return out, problems


# Line items, as orders, returns and carts list them.
ITEM = (
    Field("sku", ident, True),
    Field("name", text(300)),
    Field("category", text(100)),
    Field("quantity", bounded(positive, MAX_QUANTITY), True),
    Field("unit_price", amount, True),
)
