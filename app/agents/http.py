"""``/mcp``: the MCP server over Streamable HTTP, mounted in the API and run by its lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from mcp.server import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.types import ASGIApp, Receive, Scope, Send


class McpEndpoint:
    """The ASGI endpoint of ``/mcp``, served by the transport the running lifespan started.

    The SDK's session manager runs once per instance, and a host app's lifespan may run more
    than once (tests, reloads): each run builds a fresh transport.
    """

    def __init__(self, server: MCPServer, max_request_bytes: int) -> None:
        self.server = server
        self.max_request_bytes = max_request_bytes
        self._current: ASGIApp | None = None

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Serve ``/mcp`` until the block ends."""
        transport = self.server.streamable_http_app(
            streamable_http_path="/mcp",
            stateless_http=True,  # any worker process answers any request
            json_response=True,
            max_request_body_size=self.max_request_bytes,
            # Every request carries a bearer key, which a rebinding page cannot have; the
            # Host check would also refuse names the service is legitimately reached by.
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )
        async with self.server.session_manager.run():
            self._current = transport
            try:
                yield
            finally:
                self._current = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._current is None:
            raise RuntimeError("the MCP transport runs only while the app's lifespan does")
        await self._current(scope, receive, send)
