"""Webhooks: subscribe endpoints to changes, read their delivery log, replay deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from app.api.bodies import JsonRoute
from app.api.deps import Admin, EngineDep
from app.api.responses import ErrorOut
from app.services import webhooks
from app.store.webhooks import Delivery, EndpointRecord

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"], route_class=JsonRoute)
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut},
    403: {"model": ErrorOut},
    404: {"model": ErrorOut},
    422: {"model": ErrorOut},
}


class WebhookIn(BaseModel):
    """An endpoint to subscribe."""

    model_config = ConfigDict(extra="forbid", strict=True)

    url: str = Field(max_length=2000, examples=["https://journeys.example.com/c360"])
    types: list[str] = Field(min_length=1, max_length=50, examples=[["segment.entered", "order.*"]])
    segments: list[str] = Field(default_factory=list, max_length=200)
    marketing: bool = Field(
        default=False, description="a marketing tool: customers who revoked marketing are not sent"
    )


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class WebhookOut(_Out):
    """An endpoint (never its secret)."""

    id: str
    url: str
    types: list[str]
    segments: list[str]
    marketing: bool
    active: bool
    disabled_reason: str
    created_at: datetime
    after_change: int | None = Field(
        None,
        description="the change feed's last position when the endpoint was created: it "
        "receives the changes after it (null for an endpoint stored before positions were "
        "kept, which starts at its creation time)",
    )


class NewWebhookOut(WebhookOut):
    """A new endpoint and its signing secret, shown this once."""

    secret: str


class WebhookListOut(_Out):
    """Every endpoint."""

    items: list[WebhookOut]


class DeliveryOut(_Out):
    """One delivery: its webhook-id, state, tries and what the endpoint last answered."""

    id: str
    seq: int
    customer_id: str
    type: str
    state: str
    attempts: int
    next_at: datetime
    created_at: datetime
    last_status: int | None
    last_error: str
    delivered_at: datetime | None


class DeliveriesOut(_Out):
    """The delivery log, newest first."""

    items: list[DeliveryOut]


class ReplayIn(BaseModel):
    """Deliveries to send again (by webhook-id); none named: every dead-lettered one."""

    model_config = ConfigDict(extra="forbid", strict=True)

    deliveries: list[str] = Field(default_factory=list, max_length=1000)


class ReplayOut(_Out):
    """How many deliveries were queued again."""

    queued: int


def _out(record: EndpointRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "url": record.url,
        "types": list(record.types),
        "segments": list(record.segments),
        "marketing": record.marketing,
        "active": record.active,
        "disabled_reason": record.disabled_reason,
        "created_at": record.created_at,
        "after_change": record.after_seq,
    }


@router.post(
    "", response_model=NewWebhookOut, status_code=status.HTTP_201_CREATED, responses=ERRORS
)
def create(body: WebhookIn, engine: EngineDep, key: Admin) -> dict[str, Any]:
    """Subscribe an endpoint; the answer holds its signing secret, shown this once."""
    new = webhooks.create_endpoint(
        engine, body.url, body.types, segments=body.segments, marketing=body.marketing
    )
    return {**_out(new.record), "secret": new.secret}


@router.get("", response_model=WebhookListOut, responses=ERRORS)
def list_all(engine: EngineDep, key: Admin) -> dict[str, Any]:
    """Every endpoint, in id order."""
    return {"items": [_out(r) for r in webhooks.list_endpoints(engine)]}


@router.delete("/{endpoint_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS)
def delete(endpoint_id: str, engine: EngineDep, key: Admin) -> Response:
    """Unsubscribe an endpoint."""
    webhooks.delete_endpoint(engine, endpoint_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{endpoint_id}/deliveries", response_model=DeliveriesOut, responses=ERRORS)
def deliveries(
    endpoint_id: str,
    engine: EngineDep,
    key: Admin,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    state: Annotated[Literal["pending", "delivered", "failed"] | None, Query()] = None,
) -> dict[str, list[Delivery]]:
    """The delivery log, newest first; ``state=failed`` for the dead letters."""
    return {"items": webhooks.deliveries(engine, endpoint_id, limit=limit, state=state)}


@router.post("/{endpoint_id}/replay", response_model=ReplayOut, responses=ERRORS)
def replay(endpoint_id: str, body: ReplayIn, engine: EngineDep, key: Admin) -> dict[str, int]:
    """Send deliveries again with their webhook-id; re-enables a disabled endpoint."""
    return {"queued": webhooks.replay(engine, endpoint_id, body.deliveries or None)}
