"""The event catalogue: every event type, its family, and the shape its data must have."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from resolvers.customer360.event_fields import (
    Invalid,
    check_object,
    json_value,
)
from resolvers.customer360.families import FAMILIES, SCHEMAS
from resolvers.customer360.families.vocabulary import (
    CONSENT_CHANNELS,
    CONVERSATION_CHANNELS,
    MARKETING_CHANNELS,
    PURPOSES,
    SENTIMENTS,
)
from resolvers.errors import FieldError, ValidationFailed

__all__ = [
    "CONSENT_CHANNELS",
    "CONVERSATION_CHANNELS",
    "EVENT_TYPES",
    "FAMILIES",
    "MARKETING_CHANNELS",
    "PURPOSES",
    "SCHEMAS",
    "SENTIMENTS",
    "family_of",
    "is_type_filter",
    "to_account",
    "validate_payload",
]

AMOUNTS = ("total", "value")  # each gets an ``<name>_account`` twin in the account currency
CUSTOM_TYPE = re.compile(r"^custom(\.[a-z][a-z0-9_]*)+$")
MAX_CUSTOM_TYPE = 64


EVENT_TYPES: tuple[str, ...] = tuple(sorted(SCHEMAS))


def is_type_filter(name: str) -> bool:
    """Whether a name selects events: a type (``order.placed``), a prefix (``order.*``), or a
    custom type (``custom.…``)."""
    if name in SCHEMAS or name.startswith("custom."):
        return True
    prefix = name[:-2] if name.endswith(".*") else None
    return prefix is not None and (
        prefix == "custom" or any(t.startswith(f"{prefix}.") for t in SCHEMAS)
    )


def family_of(event_type: str) -> str:
    """The family of an event type (``order.placed`` -> ``sales``)."""
    return FAMILIES.get(event_type.split(".", 1)[0], "custom")


def validate_payload(
    event_type: str, data: Any, account_currency: str, rates: Mapping[str, float]
) -> tuple[str, dict[str, Any]]:
    """The type and normalised data of an event, or ValidationFailed naming each bad field."""
    errors: list[FieldError] = []
    if not isinstance(data, Mapping):
        raise ValidationFailed([FieldError(("data",), "wrong_type", "must be a JSON object")])
    if event_type.startswith("custom."):
        if len(event_type) > MAX_CUSTOM_TYPE or not CUSTOM_TYPE.match(event_type):
            message = (
                f"a custom type is 'custom.' and a lower-case dotted name of at most "
                f"{MAX_CUSTOM_TYPE} characters, e.g. custom.store_visit"
            )
            errors.append(FieldError(("type",), "invalid_custom_type", message))
        try:
            clean = json_value(data)
        except Invalid as error:
            errors.extend(FieldError(("data", *loc), c, m) for loc, c, m in error.problems)
        if errors:
            raise ValidationFailed(errors)
        return event_type, clean
    fields = SCHEMAS.get(event_type)
    if fields is None:
        raise ValidationFailed([FieldError(("type",), "unknown_event_type", _unknown(event_type))])
    out, problems = check_object(data, fields)
    errors.extend(FieldError(("data", *loc), code, message) for loc, code, message in problems)
    failed = {loc[0] for loc, _, _ in problems if loc}
    errors.extend(_convert(out, failed, account_currency, rates))
    if errors:
        raise ValidationFailed(errors)
    return event_type, out


def _convert(
    out: dict[str, Any], failed: set[str | int], account: str, rates: Mapping[str, float]
) -> list[FieldError]:
    """Add account-currency twins of every amount; the currency must be given and priced."""
    lines = out.get("items") or []
    priced = [name for name in AMOUNTS if name in out] + (["items"] if lines else [])
    if not priced or "currency" in failed:
        return []
    code = out.get("currency")
    if code is None:
        message = f"is required when an amount is given ({', '.join(priced)})"
        return [FieldError(("data", "currency"), "missing", message)]
    rate = _rate(code, account.upper(), rates)
    if rate is None:
        message = (
            f"no exchange rate from {code} to the account currency {account.upper()}; "
            f"add {code} to the policy's [currency.rates]"
        )
        return [FieldError(("data", "currency"), "no_exchange_rate", message)]
    for name in AMOUNTS:
        if name in out:
            out[f"{name}_account"] = to_account(out[name], rate)
    for line in lines:
        line["unit_price_account"] = to_account(line["unit_price"], rate)
    return []


def _rate(code: str, account: str, rates: Mapping[str, float]) -> Decimal | None:
    if code == account:
        return Decimal(1)
    found = {str(k).upper(): v for k, v in rates.items()}.get(code)
    if isinstance(found, bool) or not isinstance(found, int | float):
        return None
    if not math.isfinite(found) or found <= 0:
        return None
    return Decimal(str(found))


def to_account(value: float, rate: Decimal) -> float:
    """An amount in the account currency, to the cent."""
    converted = (Decimal(str(value)) * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
    return float(converted)


def _unknown(event_type: str) -> str:
    prefix = event_type.split(".", 1)[0]
    same_family = [t for t in EVENT_TYPES if t.startswith(f"{prefix}.")]
    if same_family:
        return f"unknown event type {event_type!r}; {prefix}.* types are {', '.join(same_family)}"
    families = ", ".join(f"{p}.*" for p in FAMILIES if p != "custom")
    return (
        f"unknown event type {event_type!r}; known families are {families}, "
        "or custom.<name> for your own"
    )
