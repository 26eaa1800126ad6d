"""Segments: define, preview, list members, export; a customer's segments and their history."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import StreamingResponse

from app.api.bodies import JsonRoute
from app.api.deps import EngineDep, Marketing
from app.api.responses import ErrorOut
from app.api.segment_schemas import (
    CustomerSegmentsOut,
    MembershipHistoryOut,
    MembersOut,
    PreviewIn,
    PreviewOut,
    SegmentIn,
    SegmentListOut,
    SegmentOut,
)
from app.services import segments
from app.services.segments import CustomerSegments
from app.store.segments import SegmentRecord

router = APIRouter(prefix="/v1", tags=["segments"], route_class=JsonRoute)
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut},
    403: {"model": ErrorOut},
    404: {"model": ErrorOut},
    422: {"model": ErrorOut},
}
MEDIA = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}


@router.post(
    "/segments", response_model=SegmentOut, status_code=status.HTTP_201_CREATED, responses=ERRORS
)
def create(body: SegmentIn, engine: EngineDep, key: Marketing) -> SegmentRecord:
    """Define a segment; its members are computed before this answers."""
    return segments.create_segment(engine, body.name, body.condition, description=body.description)


@router.get("/segments", response_model=SegmentListOut, responses=ERRORS)
def list_all(engine: EngineDep, key: Marketing) -> dict[str, Any]:
    """Every segment, in id order."""
    return {"items": segments.list_segments(engine)}


@router.post("/segments/preview", response_model=PreviewOut, responses=ERRORS)
def preview(body: PreviewIn, engine: EngineDep, key: Marketing) -> dict[str, Any]:
    """How many customers a condition holds now, and a sample; nothing is saved."""
    count, sample = segments.preview(engine, body.condition)
    return {"count": count, "sample": sample}


@router.get("/segments/{segment_id}", response_model=SegmentOut, responses=ERRORS)
def read(segment_id: str, engine: EngineDep, key: Marketing) -> SegmentRecord:
    """One segment."""
    return segments.get_segment(engine, segment_id)


@router.put("/segments/{segment_id}", response_model=SegmentOut, responses=ERRORS)
def change(segment_id: str, body: SegmentIn, engine: EngineDep, key: Marketing) -> SegmentRecord:
    """Replace a segment's definition; it and the segments naming it are re-evaluated."""
    return segments.update_segment(
        engine,
        segment_id,
        body.name,
        body.condition,
        description=body.description,
    )


@router.delete("/segments/{segment_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS)
def delete(segment_id: str, engine: EngineDep, key: Marketing) -> Response:
    """Delete a segment no other segment names."""
    segments.delete_segment(engine, segment_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/segments/{segment_id}/members", response_model=MembersOut, responses=ERRORS)
def members(
    segment_id: str,
    engine: EngineDep,
    key: Marketing,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> dict[str, Any]:
    """A page of members in customer id order; pass ``next_cursor`` back for the next."""
    page, next_cursor = segments.members(engine, segment_id, after=cursor or "", limit=limit)
    return {"items": page, "next_cursor": next_cursor}


@router.get("/segments/{segment_id}/export", responses=ERRORS, response_class=StreamingResponse)
def export(
    segment_id: str,
    engine: EngineDep,
    key: Marketing,
    format: Annotated[Literal["csv", "jsonl"], Query()] = "csv",
) -> StreamingResponse:
    """Every member with its identifiers, as CSV or JSON lines."""
    rows = segments.export_rows(engine, segment_id)
    first = next(rows, None)  # a missing segment answers 404 before the stream starts

    def chain() -> Any:
        if first is not None:
            yield first
            yield from rows

    return StreamingResponse(
        segments.export_text(chain(), format),
        media_type=MEDIA[format],
        headers={"Content-Disposition": f'attachment; filename="{segment_id}.{format}"'},
    )


@router.get(
    "/customers/{customer_id}/segments", response_model=CustomerSegmentsOut, responses=ERRORS
)
def of_customer(customer_id: str, engine: EngineDep, key: Marketing) -> CustomerSegments:
    """The segments a customer is in, since when, and why (the leaf values that decided)."""
    return segments.customer_segments(engine, customer_id)


@router.get(
    "/customers/{customer_id}/segments/history",
    response_model=MembershipHistoryOut,
    responses=ERRORS,
)
def history(
    customer_id: str,
    engine: EngineDep,
    key: Marketing,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Entries and exits, newest first, each with the event, merge, split or action behind it."""
    return {"items": segments.segment_history(engine, customer_id, limit=limit)}
