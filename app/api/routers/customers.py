"""Customers: the 360 profile, the timeline, context for agents, and what stewards inspect."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, HTTPException, Query
from fastapi.responses import PlainTextResponse

from app.api import cursors
from app.api.bodies import JsonRoute
from app.api.deps import EngineDep, Read, Steward
from app.api.responses import (
    ContextOut,
    ErrorOut,
    ExplanationOut,
    GraphOut,
    HistoryOut,
    TimelineOut,
)
from app.api.timeline_query import MAX_TYPES, timeline_query
from app.errors import Unprocessable
from app.schemas import Instant, Kind
from app.services import inspection, profiles
from resolvers.customer360.context import MIN_CHARS
from resolvers.customer360.read_model import Profile
from resolvers.identity.observations import RawIdentifier

router = APIRouter(prefix="/v1/customers", tags=["customers"], route_class=JsonRoute)
READ_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut},
    403: {"model": ErrorOut},
    404: {"model": ErrorOut, "description": "no such customer (or it was dissolved)"},
    422: {"model": ErrorOut},
}
CustomerId = Annotated[str, "customer id"]
MAX_SEQ = 2**63 - 1  # audit sequence numbers are 64-bit integers in every store


@router.get("/by-identifier", responses=READ_ERRORS, response_model_exclude_unset=True)
def by_identifier(
    engine: EngineDep,
    key: Read,
    kind: Annotated[Kind, Query(description="identifier kind, e.g. email")],
    value: Annotated[str, Query(max_length=256, description="the value, in any format")],
) -> Profile:
    """The 360 profile of the customer holding an identifier; 404 when none does."""
    return profiles.profile_by_identifier(engine, RawIdentifier(kind, value))


@router.api_route(
    "/merge", methods=["GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"], include_in_schema=False
)
def merge_is_a_post() -> None:
    """``/v1/customers/merge`` is the steward's POST, not a customer id to read."""
    raise HTTPException(405, detail="use POST /v1/customers/merge", headers={"Allow": "POST"})


@router.get("/{customer_id}", responses=READ_ERRORS, response_model_exclude_unset=True)
def get_customer(customer_id: str, engine: EngineDep, key: Read) -> Profile:
    """The 360 profile; an absorbed id answers with the surviving customer."""
    return profiles.profile(engine, customer_id)


@router.get("/{customer_id}/timeline", response_model=TimelineOut, responses=READ_ERRORS)
def get_timeline(
    customer_id: str,
    engine: EngineDep,
    key: Read,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=300)] = None,
    types: Annotated[
        str | None,
        Query(
            max_length=2000,
            description=f"comma-separated types or families, at most {MAX_TYPES}: "
            "order.*,booking.booked",
        ),
    ] = None,
    since: Annotated[
        Instant | None, Query(description="ISO-8601 time with a zone, inclusive")
    ] = None,
    until: Annotated[
        Instant | None, Query(description="ISO-8601 time with a zone, exclusive")
    ] = None,
) -> TimelineOut:
    """Every event of every identifier of the customer, newest first, paged by cursor."""
    query = timeline_query(
        limit=limit, cursor=cursor, types=(types or "").split(","), since=since, until=until
    )
    page = profiles.timeline(engine, customer_id, query)
    next_cursor = cursors.encode_time_position(page.next_position) if page.next_position else None
    return TimelineOut(customer_id=page.customer_id, items=page.items, next_cursor=next_cursor)


CONTEXT_RESPONSES: dict[int | str, dict[str, Any]] = {
    **READ_ERRORS,
    200: {
        "model": ContextOut,
        "description": "the context as JSON; with `Accept: text/plain`, its summary alone",
        "content": {"text/plain": {"schema": {"type": "string"}}},
    },
}


@router.get("/{customer_id}/context", responses=CONTEXT_RESPONSES, response_model=None)
def get_context(
    customer_id: str,
    engine: EngineDep,
    key: Read,
    accept: Annotated[str | None, Header(description="text/plain for the summary alone")] = None,
    max_chars: Annotated[
        int | None,
        Query(
            ge=MIN_CHARS,
            le=1_000_000,
            description="a budget in characters for the text, or for the whole JSON document; "
            "what matters least is cut first (about 4 characters make a token)",
        ),
    ] = None,
    contacts: Annotated[
        Literal["masked", "hidden", "full"],
        Query(description="e-mails and phones masked (j***@gmail.com), hidden, or in full"),
    ] = "masked",
) -> dict[str, Any] | PlainTextResponse:
    """Compact context for a support agent or an LLM prompt, as JSON or as plain text.

    It leads with what limits what may be said or sent: contact rules, then open issues.
    """
    text = prefers_text(accept)
    context = profiles.context(
        engine, customer_id, max_chars=max_chars, contacts=contacts, text=text
    )
    if text:
        return PlainTextResponse(context["summary"])
    return context


def prefers_text(accept: str | None) -> bool:
    """Whether an Accept header ranks text/plain above JSON (JSON wins ties and absence)."""
    if not accept:
        return False
    ranks: dict[str, float] = {}
    for item in accept.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranks[media.lower()] = max(quality, ranks.get(media.lower(), 0.0))
    text = max(ranks.get("text/plain", 0.0), ranks.get("text/*", 0.0))
    json = max(ranks.get("application/json", 0.0), ranks.get("application/*", 0.0))
    return text > 0 and text > json


@router.get("/{customer_id}/graph", response_model=GraphOut, responses=READ_ERRORS)
def get_graph(customer_id: str, engine: EngineDep, key: Steward) -> dict[str, Any]:
    """Identifiers and links with state, reasons and evidence; bridges: cuts that would split."""
    return inspection.customer_graph(engine, customer_id)


@router.get("/{customer_id}/explain", response_model=ExplanationOut, responses=READ_ERRORS)
def get_explanation(
    customer_id: str,
    engine: EngineDep,
    key: Steward,
    a: Annotated[str, Query(max_length=300, description="identifier key kind:value")],
    b: Annotated[str, Query(max_length=300, description="identifier key kind:value")],
) -> dict[str, Any]:
    """The chain of evidence that joins two identifiers (or what keeps them apart)."""
    return inspection.explanation_view(
        inspection.explain(engine, customer_id, _raw_key(a, "a"), _raw_key(b, "b"))
    )


@router.get("/{customer_id}/history", response_model=HistoryOut, responses=READ_ERRORS)
def get_history(
    customer_id: str,
    engine: EngineDep,
    key: Steward,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[int | None, Query(ge=1, le=MAX_SEQ)] = None,
) -> dict[str, Any]:
    """Audit entries, newest first: merges, splits and steward actions, absorbed ids included."""
    survivor, records = inspection.history(engine, customer_id, limit, cursor)
    return {
        "customer_id": survivor,
        "items": [inspection.audit_view(r) for r in records],
        "next_cursor": str(records[-1].seq) if len(records) == limit else None,
    }


def _raw_key(text: str, where: str) -> RawIdentifier:
    kind, sep, value = text.partition(":")
    if not sep or not kind or not value:
        raise Unprocessable(f"{where} is an identifier key written kind:value", code="invalid_key")
    return RawIdentifier(kind, value)
