"""Reading who is who: resolve identifiers; find customers by id (absorbed too) or identifier."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.engine import Engine
from app.errors import NotFound
from app.store.protocol import GraphReader
from resolvers.errors import FieldError, InvalidIdentifier, ValidationFailed
from resolvers.identity.evidence import CustomerState, IdentifierState
from resolvers.identity.observations import RawIdentifier


@dataclass(frozen=True, slots=True)
class Resolved:
    """One identifier as asked, its key, and its customer (None when unknown or not linking)."""

    kind: str
    value: str
    key: str | None
    customer_id: str | None
    status: str  # "known", "unknown", "absent", or the identifier's status (placeholder...)


def identifier_key(engine: Engine, raw: RawIdentifier, loc: tuple[str | int, ...]) -> str:
    """The key of one identifier, or ValidationFailed located at ``loc``."""
    try:
        out = engine.normaliser.normalise(raw.kind, raw.value)
    except InvalidIdentifier as error:
        raise ValidationFailed([error.at(*loc)]) from None
    if out is None:
        raise ValidationFailed(
            [FieldError((*loc, "value"), "no_value", "is empty or a 'none' token")]
        )
    return out[0].identifier.key


def resolve(engine: Engine, raws: Sequence[RawIdentifier]) -> list[Resolved]:
    """Each identifier's customer, in order; invalid values raise ValidationFailed (all named)."""
    keys: list[str | None] = []
    errors: list[FieldError] = []
    for index, raw in enumerate(raws):
        try:
            out = engine.normaliser.normalise(raw.kind, raw.value)
        except InvalidIdentifier as error:
            errors.append(error.at("identifiers", index))
            keys.append(None)
            continue
        keys.append(out[0].identifier.key if out else None)
    if errors:
        raise ValidationFailed(errors)
    wanted = {k for k in keys if k is not None}
    states = engine.store.read(lambda tx: tx.identifiers(wanted))
    results = []
    for raw, key in zip(raws, keys, strict=True):
        state = states.get(key) if key else None
        if key is None:
            status = "absent"
        elif state is None:
            status = "unknown"
        elif state.customer_id is None:
            status = state.status.value
        else:
            status = "known"
        results.append(
            Resolved(raw.kind, raw.value, key, state.customer_id if state else None, status)
        )
    return results


def find_customer(tx: GraphReader, customer_id: str) -> CustomerState:
    """A live customer by id, following an absorbed id to its survivor; NotFound otherwise."""
    found = tx.customers([customer_id])
    if customer_id in found:
        return found[customer_id]
    alias = tx.aliases([customer_id])
    if customer_id in alias:
        survivor = alias[customer_id]
        if survivor is None:
            raise NotFound(
                f"customer {customer_id} was dissolved: none of its identifiers links any more",
                code="customer_dissolved",
            )
        found = tx.customers([survivor])
        if survivor in found:
            return found[survivor]
    raise NotFound(f"no customer {customer_id}", code="customer_not_found")


def customer_of_identifier(tx: GraphReader, key: str) -> tuple[IdentifierState, CustomerState]:
    """The identifier's state and its customer; NotFound when unknown or not linking."""
    state = tx.identifiers([key]).get(key)
    if state is None:
        raise NotFound("no customer has this identifier", code="identifier_not_found")
    if state.customer_id is None:
        raise NotFound(
            f"this identifier is {state.status.value} and belongs to no customer"
            + (f": {state.status_reason}" if state.status_reason else ""),
            code=f"identifier_{state.status.value}",
        )
    return state, find_customer(tx, state.customer_id)
