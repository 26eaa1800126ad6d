"""The merge policy: preview what a candidate would change before ``c360 reresolve``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from app.api.bodies import JsonRoute
from app.api.deps import Admin, EngineDep
from app.api.responses import ErrorOut, PolicyPreviewOut
from app.errors import Unprocessable
from app.services.policy_preview import preview_policy

router = APIRouter(prefix="/v1", tags=["policy"], route_class=JsonRoute)
TOML_TYPES = ("application/toml", "text/plain", "text/x-toml")


async def policy_text(request: Request) -> str:
    """The request body: a policy file's TOML, as UTF-8 text."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in TOML_TYPES:
        raise Unprocessable(
            "send the policy file's TOML as the body, content-type application/toml",
            code="unsupported_content_type",
        )
    try:
        return (await request.body()).decode("utf-8")
    except UnicodeDecodeError as error:
        raise Unprocessable("the policy is not UTF-8 text", code="not_utf8") from error


@router.post(
    "/policy/preview",
    response_model=PolicyPreviewOut,
    responses={401: {"model": ErrorOut}, 403: {"model": ErrorOut}, 422: {"model": ErrorOut}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/toml": {"schema": {"type": "string"}}},
        }
    },
)
def preview(
    text: Annotated[str, Depends(policy_text)],
    engine: EngineDep,
    key: Admin,
    examples: Annotated[int, Query(ge=0, le=100)] = 10,
) -> dict[str, Any]:
    """What ``c360 reresolve`` would change under this policy: merged, split, unchanged."""
    report = preview_policy(engine, text, examples)
    return {
        "identifiers": report.identifiers,
        **{name: getattr(report.diff, name) for name in _COUNTS},
        "merged_examples": report.diff.merged_examples,
        "split_examples": report.diff.split_examples,
        "transitions": report.transitions,
        "current": report.current,
        "candidate": report.candidate,
    }


_COUNTS = (
    "customers_before", "customers_after", "unchanged", "merged", "split", "identifiers_moved"
)  # fmt: skip
