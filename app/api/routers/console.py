"""``/console``: the steward console's page and assets, under a strict content policy."""

from __future__ import annotations

from importlib import resources
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import Scope

from app.api.bodies import JsonRoute
from app.api.deps import AnyKey
from app.api.responses import KeyOut

# No inline script or style, nothing from other hosts; the page may not be framed.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
STATIC = resources.files("app.console").joinpath("static")

router = APIRouter(include_in_schema=False)


class ConsoleFiles(StaticFiles):
    """The console's assets, each answered with the console's security headers."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(SECURITY_HEADERS)
        if path.endswith(".mjs"):
            response.headers["content-type"] = "text/javascript; charset=utf-8"
        return response


@router.get("/")
def root() -> RedirectResponse:
    """The service's address leads to the console."""
    return RedirectResponse("/console", status_code=307)


@router.get("/console")
def console() -> HTMLResponse:
    """The console's single page; the API key stays in the tab's sessionStorage."""
    page = STATIC.joinpath("index.html").read_text(encoding="utf-8")
    return HTMLResponse(page, headers={**SECURITY_HEADERS, "Cache-Control": "no-store"})


keys = APIRouter(prefix="/v1", tags=["keys"], route_class=JsonRoute)


@keys.get("/keys/me", response_model=KeyOut)
def me(key: AnyKey) -> dict[str, Any]:
    """The calling key: its id, name and scopes (what the console may offer)."""
    return {"id": key.id, "name": key.name, "scopes": list(key.scopes)}


def install(app: FastAPI) -> None:
    """Serve the console page, its assets, ``/`` and ``/v1/keys/me``."""
    app.include_router(router)
    app.include_router(keys)
    app.mount(
        "/console/static", ConsoleFiles(packages=[("app.console", "static")]), name="console-static"
    )
