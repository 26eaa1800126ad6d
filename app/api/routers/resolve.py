"""POST /v1/resolve: identifiers to customer ids."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.bodies import JsonRoute
from app.api.deps import EngineDep, Read
from app.api.responses import ErrorOut, ResolveOut
from app.schemas import ResolveIn
from app.services.customers import resolve

router = APIRouter(prefix="/v1", tags=["customers"], route_class=JsonRoute)


@router.post(
    "/resolve",
    response_model=ResolveOut,
    responses={401: {"model": ErrorOut}, 403: {"model": ErrorOut}, 422: {"model": ErrorOut}},
)
def resolve_identifiers(body: ResolveIn, engine: EngineDep, key: Read) -> dict[str, object]:
    """Each identifier's customer, in order; ``customer_id`` is null when unknown."""
    return {"results": resolve(engine, [i.raw() for i in body.identifiers])}
