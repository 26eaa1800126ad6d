"""AI agents and support screens against the real command: `c360 mcp` over stdio, and `/mcp`
and the live stream of a `c360 serve` running two worker processes."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import httpx
import httpx2
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from tests.support.live import Listener
from tests.support.serve import Server, c360, environment

AMY = {
    "id": "crm-1",
    "source": "crm",
    "observed_at": "2026-03-01T10:00:00Z",
    "identifiers": [
        {"kind": "email", "value": "Amy@Mail.com"},
        {"kind": "phone", "value": "0912 000 111"},
    ],
    "attributes": {"first_name": "Amy"},
}


def test_c360_mcp_serves_the_tools_over_stdio(tmp_path: Path) -> None:
    env = environment(tmp_path)
    records = tmp_path / "records.jsonl"
    records.write_text(json.dumps(AMY) + "\n")
    c360(env, "import", "observations", str(records))
    params = StdioServerParameters(command=sys.executable, args=["-m", "app.cli", "mcp"], env=env)
    out: dict[str, Any] = {}

    async def main() -> None:
        async with Client(params) as client:
            out["tools"] = {t.name for t in (await client.list_tools()).tools}
            found = await client.call_tool(
                "resolve_customer", {"kind": "email", "value": "amy@mail.com"}
            )
            customer = found.structured_content["customer_id"]  # type: ignore[index]
            out["context"] = await client.call_tool(
                "get_context", {"customer_id": customer, "max_chars": 800}
            )

    anyio.run(main)
    assert "search_customers" in out["tools"] and "suppress_link" not in out["tools"]
    context = out["context"].structured_content
    assert context["who"]["name"] == "Amy"
    assert "amy@mail.com" not in json.dumps(context)


def test_mcp_over_http_and_the_live_stream_across_workers(server: Server) -> None:
    answer = httpx.post(f"{server.url}/v1/observations", json=AMY, headers=server.headers)
    customer = answer.json()["customer_id"]
    out: list[Any] = []

    async def main() -> None:
        async with httpx2.AsyncClient(headers=server.headers, timeout=10) as http_client:
            transport = streamable_http_client(f"{server.url}/mcp", http_client=http_client)
            async with Client(transport) as client:
                for _ in range(4):  # stateless: whichever worker answers, the session holds
                    out.append(await client.call_tool("get_profile", {"customer_id": customer}))

    anyio.run(main)
    assert all(not r.is_error for r in out)
    assert httpx.post(f"{server.url}/mcp", json={}).status_code == 401

    listener = Listener(f"{server.url}/v1/customers/{customer}/stream", server.headers).start()
    try:
        assert listener.status == 200
        for n in range(3):  # the event may be written by the other worker
            posted = time.monotonic()
            event = {
                "id": f"ord-{n}",
                "type": "order.placed",
                "occurred_at": "2026-03-02T08:00:00Z",
                "source": "eshop",
                "identifiers": [{"kind": "email", "value": "amy@mail.com"}],
                "data": {"order_id": str(n), "total": 100, "currency": "TWD"},
            }
            sent = httpx.post(f"{server.url}/v1/events", json=event, headers=server.headers)
            assert sent.status_code == 200
            arrived, received = listener.next()
            assert arrived - posted < 1.0
            assert json.loads(received.data)["data"]["event_id"] == f"ord-{n}"
    finally:
        listener.stop()
