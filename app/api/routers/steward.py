"""Steward actions: cut, restore, detach, block, unblock, merge — and the review queue."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from app.api import cursors
from app.api.bodies import JsonRoute
from app.api.deps import EngineDep, Steward, actor_of
from app.api.responses import ConflictsOut, ErrorOut, StewardOut
from app.schemas import IdentifierActionIn, LinkIn, MergeIn, ReviewDecisionIn
from app.services import inspection, stewardship
from app.services.stewardship import StewardResult

router = APIRouter(prefix="/v1", tags=["stewardship"], route_class=JsonRoute)
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut},
    403: {"model": ErrorOut},
    404: {"model": ErrorOut},
    409: {"model": ErrorOut},
    422: {"model": ErrorOut},
}


@router.post("/links/suppress", response_model=StewardOut, responses=ERRORS)
def suppress(body: LinkIn, engine: EngineDep, key: Steward) -> StewardResult:
    """Cut a link; it stays cut when the same evidence arrives again. Answers the customers."""
    return stewardship.suppress_link(engine, body.a.raw(), body.b.raw(), body.reason, actor_of(key))


@router.post("/links/restore", response_model=StewardOut, responses=ERRORS)
def restore(body: LinkIn, engine: EngineDep, key: Steward) -> StewardResult:
    """Hand a cut or forced link back to the merge policy."""
    return stewardship.restore_link(engine, body.a.raw(), body.b.raw(), body.reason, actor_of(key))


@router.post("/identifiers/detach", response_model=StewardOut, responses=ERRORS)
def detach(body: IdentifierActionIn, engine: EngineDep, key: Steward) -> StewardResult:
    """Take an identifier out of its customer by cutting all its links."""
    return stewardship.detach(engine, body.identifier.raw(), body.reason, actor_of(key))


@router.post("/identifiers/block", response_model=StewardOut, responses=ERRORS)
def block(body: IdentifierActionIn, engine: EngineDep, key: Steward) -> StewardResult:
    """Mark a value generic: it stops linking, now and whenever it is seen again."""
    return stewardship.block(engine, body.identifier.raw(), body.reason, actor_of(key))


@router.post("/identifiers/unblock", response_model=StewardOut, responses=ERRORS)
def unblock(body: IdentifierActionIn, engine: EngineDep, key: Steward) -> StewardResult:
    """Let a blocked value link again."""
    return stewardship.unblock(engine, body.identifier.raw(), body.reason, actor_of(key))


@router.post("/customers/merge", response_model=StewardOut, responses=ERRORS)
def merge(body: MergeIn, engine: EngineDep, key: Steward) -> StewardResult:
    """Force customers together; the oldest keeps its id, the others answer with it."""
    return stewardship.merge_customers(engine, body.customer_ids, body.reason, actor_of(key))


@router.post("/review/decisions", response_model=StewardOut, responses=ERRORS)
def decide(body: ReviewDecisionIn, engine: EngineDep, key: Steward) -> StewardResult:
    """Answer a review item: link, never (cut for good) or skip; audited and kept as a label."""
    return stewardship.answer_review(
        engine, body.a.raw(), body.b.raw(), body.decision, body.reason, actor_of(key)
    )


@router.get("/review/conflicts", response_model=ConflictsOut, responses=ERRORS)
def review(
    engine: EngineDep,
    key: Steward,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=600)] = None,
) -> dict[str, Any]:
    """Links refused by a limit, a trait clash or an attach rule, waiting for a decision."""
    after = cursors.decode_pair(cursor) if cursor else None
    links = inspection.conflicts(engine, limit, after)
    return {
        "items": [inspection.link_view(link) for link in links],
        "next_cursor": cursors.encode_pair(links[-1].pair) if len(links) == limit else None,
    }
