"""``/docs``: Swagger UI from assets the service ships, so it works with no other host."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

SWAGGER_UI_VERSION = "5.35.0"  # swagger-ui-dist from npm; see static/swagger/VERSION.md
ASSETS = Path(__file__).parent / "static" / "swagger"
ASSETS_URL = "/docs/assets"


def install(app: FastAPI) -> None:
    """Serve Swagger UI at /docs and its vendored assets under /docs/assets."""
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="swagger-assets")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} — API",
            swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_URL}/favicon-32x32.png",
        )
