"""One JSON error shape for every failure: a machine code, a message, and field locations."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match

from app.errors import Busy, Conflict, NotFound, Unprocessable
from app.metrics import STORE_ERRORS
from app.store.protocol import StoreConflict, StoreOutcomeUnknown, StoreUnavailable
from resolvers.errors import DomainError, FieldError, ValidationFailed

log = logging.getLogger("c360.api")
RETRY_AFTER_S = "5"
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


# Errors the use cases raise on purpose, by the status they answer with. The most specific
# class wins (ValidationFailed is a DomainError), and their field errors, if any, are listed.
DOMAIN_STATUS: dict[type[DomainError], int] = {
    ValidationFailed: 422,
    NotFound: 404,
    Conflict: 409,
    Unprocessable: 422,
    Busy: 503,
    DomainError: 422,
}


def error_body(code: str, message: str, errors: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """The error document every failure answers with."""
    body: dict[str, Any] = {"code": code, "message": message}
    if errors:
        body["errors"] = list(errors)
    return body


def field_errors(errors: Sequence[FieldError]) -> list[dict[str, Any]]:
    """Field errors as JSON."""
    return [{"loc": list(e.loc), "code": e.code, "message": e.message} for e in errors]


@contextmanager
def items_of(body_field: str | None) -> Iterator[None]:
    """Locate a use case's batch-item errors, ``(index, *field)``, in the request body.

    ``body_field`` names the list the batch came in (``observations``); ``None`` means the
    body is the one record itself, so an error's location is its field's own path.
    """

    def moved(errors: Sequence[FieldError]) -> list[FieldError]:
        return [
            FieldError(
                (body_field, *e.loc) if body_field is not None else e.loc[1:], e.code, e.message
            )
            for e in errors
        ]

    try:
        yield
    except ValidationFailed as failed:
        raise ValidationFailed(moved(failed.errors)) from None
    except Conflict as conflict:
        raise Conflict(conflict.message, conflict.code, moved(conflict.errors)) from None


def _domain_handler(status: int) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
    async def handler(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DomainError)
        errors: Sequence[FieldError] = getattr(exc, "errors", ())
        return JSONResponse(
            error_body(exc.code, exc.message, field_errors(errors)),
            status_code=status,
            headers={"Retry-After": RETRY_AFTER_S} if status == 503 else None,
        )

    return handler


def install(app: FastAPI) -> None:
    """Register the handlers that map errors to HTTP in one place."""

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "loc": [p for p in error_loc(item) if p != "body"] or ["body"],
                "code": str(item.get("type", "invalid")),
                "message": str(item.get("msg", "invalid")),
            }
            for item in exc.errors()
        ]
        first = errors[0] if errors else None
        where = ".".join(map(str, first["loc"])) if first else "request"
        message = f"invalid request: {where}: {first['message']}" if first else "invalid request"
        return JSONResponse(error_body("validation_failed", message, errors), status_code=422)

    for error_type, status in DOMAIN_STATUS.items():
        app.add_exception_handler(error_type, _domain_handler(status))

    @app.exception_handler(StoreUnavailable)
    async def unavailable(request: Request, exc: StoreUnavailable) -> JSONResponse:
        STORE_ERRORS.labels("unavailable").inc()
        log.warning("store unavailable: %s", exc)
        if isinstance(exc, StoreOutcomeUnknown):
            message = (
                "the store was lost while committing; the write may have been applied; "
                "retrying the same records is safe (they are idempotent by id)"
            )
        else:
            message = "the store cannot be reached now; nothing was written; retry"
        body = error_body("store_unavailable", message)
        return JSONResponse(body, status_code=503, headers={"Retry-After": RETRY_AFTER_S})

    @app.exception_handler(StoreConflict)
    async def contended(request: Request, exc: StoreConflict) -> JSONResponse:
        STORE_ERRORS.labels("conflict").inc()
        body = error_body(
            "store_busy", "concurrent writers kept conflicting; nothing was written; retry"
        )
        return JSONResponse(body, status_code=503, headers={"Retry-After": "1"})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            allowed = _allowed_methods(request)
            if request.method not in allowed:  # else a route refused it on purpose, and said why
                headers["Allow"] = ", ".join(allowed)
        return JSONResponse(
            error_body(code, str(exc.detail)), status_code=exc.status_code, headers=headers
        )

    # Anything else is a bug: app.api.middleware.Guard answers it with INTERNAL_ERROR and logs
    # it once. (A handler for Exception runs in Starlette's outermost middleware, which
    # re-raises after answering, so the server logged every 500 a second time.)


def _allowed_methods(request: Request) -> list[str]:
    """The methods this path answers (Starlette names only the first route's).

    A path that a route names literally (``/v1/segments/preview``) answers that route's
    methods, not those of a route whose parameter it would also fit (``/v1/segments/{id}``).
    """
    scope = {**request.scope, "method": "\x00"}  # no route takes it: every path match is partial
    literal: set[str] = set()
    templated: set[str] = set()

    def visit(routes: Iterable[BaseRoute]) -> None:
        for route in routes:
            nested = getattr(route, "original_router", None)  # FastAPI's included routers
            if nested is not None:
                visit(nested.routes)
            elif route.matches(scope)[0] is Match.PARTIAL:
                path = getattr(route, "path", "")
                methods = getattr(route, "methods", None) or ()
                (templated if "{" in path else literal).update(methods)

    visit(request.app.router.routes)
    return sorted(literal or templated)


INTERNAL_ERROR = error_body("internal_error", "an unexpected error occurred; it has been logged")


def error_loc(item: Mapping[str, Any]) -> list[str | int]:
    """A pydantic error's location, extended by the path below the field a validator found."""
    below = (item.get("ctx") or {}).get("path", ())
    return [*item.get("loc", ()), *below]
