"""The MCP server: customer tools for AI agents, over stdio (``c360 mcp``) or HTTP (``/mcp``).

Tools call the same use cases as the REST API and are read-only, unless the settings expose
steward actions (marked destructive, audited with the calling key as the actor). Over HTTP
the bearer key is checked by the SDK's auth middleware with our key store, and each tool
checks the scope its REST twin needs; over stdio the operator who started ``c360 mcp`` is
trusted, as any local user of the command line is.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated, Any, ParamSpec, TypeVar

import anyio.to_thread
from mcp.server import MCPServer
from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field

from app.agents.schemas import (
    CustomerSegmentList,
    LinkExplanation,
    ResolvedCustomer,
    SearchMatch,
    SearchResult,
    StewardOutcome,
    TimelinePage,
)
from app.api import cursors
from app.api.timeline_query import timeline_query
from app.engine import Engine
from app.services import customers, inspection, profiles, search, segments, stewardship
from app.services.keys import SCOPES, KeyCache
from app.settings import Settings
from app.store.protocol import StoreUnavailable
from resolvers.customer360.context import MIN_CHARS, contact_values, redact
from resolvers.errors import DomainError
from resolvers.identity.observations import RawIdentifier
from resolvers.timestamps import iso_utc

P = ParamSpec("P")
R = TypeVar("R")
STDIO_ACTOR = "agent:mcp-stdio"
INSTRUCTIONS = """Contact 360 knows every customer across channels. Find a customer with
search_customers or resolve_customer, then read get_context first: it leads with what you may
not say or send (consent, open claims, unhappy conversations) and fits a budget."""

READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, open_world_hint=False)
DESTRUCTIVE = ToolAnnotations(
    read_only_hint=False, destructive_hint=True, idempotent_hint=False, open_world_hint=False
)
CustomerId = Annotated[str, Field(min_length=1, max_length=100, description="a customer id")]
Kind = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40, examples=["email"])]
Value = Annotated[str, Field(min_length=1, max_length=256, description="in any format")]
IdentifierKey = Annotated[
    str, Field(pattern=r"^[a-z][a-z0-9_]*:.+$", max_length=300, examples=["email:jane@x.com"])
]
Reason = Annotated[str, Field(min_length=1, max_length=1000, description="kept in the audit log")]


class KeyVerifier:
    """Bearer tokens are Contact 360 API keys; admin keys carry every scope."""

    def __init__(self, keys: Callable[[], KeyCache]) -> None:
        self.keys = keys

    async def verify_token(self, token: str) -> AccessToken | None:
        """The key a token is, as the SDK's access token; None when unknown or revoked."""
        record = await anyio.to_thread.run_sync(self.keys().authenticate, token)
        if record is None:
            return None
        return AccessToken(
            token=token,
            client_id=f"key:{record.id}",
            scopes=list(SCOPES) if "admin" in record.scopes else list(record.scopes),
            subject=record.name,
            claims={"key_id": record.id, "key_name": record.name},
        )


def _answers(fn: Callable[P, R]) -> Callable[P, R]:
    """Domain errors reach the agent as tool errors with their code and message."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except DomainError as error:
            raise ToolError(f"{error.code}: {error.message}") from error
        except StoreUnavailable as error:
            raise ToolError(f"unavailable: the store did not answer ({error}); retry") from error

    return wrapper


def _require(scope: str) -> str:
    """The audit actor of the caller, once it is known to hold ``scope`` (stdio: the operator)."""
    token = get_access_token()
    if token is None:
        return STDIO_ACTOR
    if scope not in token.scopes:
        raise ToolError(f"forbidden: this key lacks the '{scope}' scope")
    claims = token.claims or {}
    return f"agent:key:{claims.get('key_id')}:{claims.get('key_name')}"


def build_mcp(
    engine: Callable[[], Engine],
    settings: Settings,
    *,
    keys: Callable[[], KeyCache] | None = None,
) -> MCPServer:
    """The MCP server over an engine (a getter: the HTTP app builds its engine at start-up).

    With ``keys``, it is the HTTP server's: every request needs a key with the read scope.
    """
    auth = None
    if keys is not None:
        auth = AuthSettings(
            issuer_url=f"http://{settings.host}:{settings.port}",  # our keys: no OAuth server
            resource_server_url=None,
            required_scopes=["read"],
        )
    server = MCPServer(
        "contact360",
        title="Contact 360",
        instructions=INSTRUCTIONS,
        version="1.0.0",
        token_verifier=KeyVerifier(keys) if keys is not None else None,
        auth=auth,
        log_level=settings.log_level.upper(),  # type: ignore[arg-type]
    )
    view = settings.mcp_contacts

    def shown(doc: Any, customer_id: str | None) -> Any:
        """``doc`` with the customer's contact values masked or hidden, as configured."""
        if view == "full" or customer_id is None:
            return doc
        members = engine().store.read(lambda tx: tx.members([customer_id]))
        identifiers: dict[str, list[str]] = {}
        for key, state in members.items():
            identifiers.setdefault(state.kind, []).append(key.split(":", 1)[1])
        return redact(doc, contact_values(identifiers), view)

    @server.tool(annotations=READ_ONLY)
    @_answers
    def resolve_customer(kind: Kind, value: Value) -> ResolvedCustomer:
        """The customer holding an identifier (e-mail, phone, crm_id, line_id…), if any."""
        _require("read")
        found = customers.resolve(engine(), [RawIdentifier(kind, value)])[0]
        return ResolvedCustomer(
            kind=found.kind,
            value=found.value,
            key=found.key,
            customer_id=found.customer_id,
            status=found.status,
        )

    @server.tool(annotations=READ_ONLY)
    @_answers
    def get_profile(customer_id: CustomerId) -> dict[str, Any]:
        """The 360 profile: identity, attributes, orders, loyalty, service, consents."""
        _require("read")
        found = profiles.profile(engine(), customer_id)
        document = found.model_dump(mode="json", exclude_unset=True)
        out: dict[str, Any] = shown(document, found.customer_id)
        return out

    @server.tool(annotations=READ_ONLY)
    @_answers
    def get_context(
        customer_id: CustomerId,
        max_chars: Annotated[
            int,
            Field(ge=MIN_CHARS, le=100_000, description="budget for the whole JSON answer"),
        ] = 4000,
    ) -> dict[str, Any]:
        """Conversation-ready context: contact rules and open issues first, then who the
        customer is, what they own and ordered, and a summary, within max_chars."""
        _require("read")
        return profiles.context(engine(), customer_id, max_chars=max_chars, contacts=view)

    @server.tool(annotations=READ_ONLY)
    @_answers
    def get_timeline(
        customer_id: CustomerId,
        limit: Annotated[int, Field(ge=1, le=100)] = 20,
        cursor: Annotated[str | None, Field(max_length=300)] = None,
        types: Annotated[
            list[str] | None, Field(description="types or families: order.placed, order.*")
        ] = None,
        since: Annotated[str | None, Field(description="ISO-8601 time, inclusive")] = None,
        until: Annotated[str | None, Field(description="ISO-8601 time, exclusive")] = None,
    ) -> TimelinePage:
        """The customer's events, newest first, a page at a time."""
        _require("read")
        query = timeline_query(
            limit=limit, cursor=cursor, types=types or [], since=since, until=until
        )
        page = profiles.timeline(engine(), customer_id, query)
        position = page.next_position
        return TimelinePage(
            customer_id=page.customer_id,
            items=shown([i.model_dump(mode="json") for i in page.items], page.customer_id),
            next_cursor=cursors.encode_time_position(position) if position else None,
        )

    @server.tool(annotations=READ_ONLY)
    @_answers
    def explain_link(a: IdentifierKey, b: IdentifierKey) -> LinkExplanation:
        """Why two identifiers (kind:value) belong to one customer, or what keeps them apart."""
        _require("steward")
        raw_a, raw_b = (RawIdentifier(*k.split(":", 1)) for k in (a, b))
        found = customers.resolve(engine(), [raw_a, raw_b])
        owner = next((r.customer_id for r in found if r.customer_id), None)
        if owner is None:
            raise ToolError("not_found: neither identifier belongs to a customer")
        explained = inspection.explanation_view(inspection.explain(engine(), owner, raw_a, raw_b))
        return LinkExplanation(**shown(explained, owner))

    @server.tool(annotations=READ_ONLY)
    @_answers
    def search_customers(
        query: Annotated[str, Field(min_length=1, max_length=256)],
        limit: Annotated[int, Field(ge=1, le=50)] = 10,
    ) -> SearchResult:
        """Customers a query names: a customer id, kind:value, or a bare e-mail, phone or id."""
        _require("read")
        matches = search.search_customers(engine(), query, limit)
        return SearchResult(
            items=[
                SearchMatch(**shown(vars_of(m), m.customer_id) if m.key else vars_of(m))
                for m in matches
            ]
        )

    @server.tool(annotations=READ_ONLY)
    @_answers
    def customer_segments(customer_id: CustomerId) -> CustomerSegmentList:
        """The segments a customer is in, since when, and the values that decided each."""
        _require("marketing")
        found = segments.customer_segments(engine(), customer_id)
        document = {
            "customer_id": found.customer_id,
            "items": [
                {
                    "segment_id": item.segment_id,
                    "name": item.name,
                    "since": iso_utc(item.since),
                    "why": item.why,
                }
                for item in found.items
            ],
        }
        return CustomerSegmentList(**shown(document, found.customer_id))

    if settings.mcp_steward_tools:
        _steward_tools(server, engine, shown)
    return server


def vars_of(match: search.Match) -> dict[str, Any]:
    """A match as a plain dict."""
    return {"customer_id": match.customer_id, "matched": match.matched, "key": match.key}


def _steward_tools(
    server: MCPServer, engine: Callable[[], Engine], shown: Callable[[Any, str | None], Any]
) -> None:
    """Steward actions as destructive tools; each needs the steward scope and is audited."""

    def outcome(result: stewardship.StewardResult) -> StewardOutcome:
        doc = {
            "action": result.action,
            "customers": result.customers,
            "identifiers": result.identifiers,
            "changed_customers": result.changed_customers,
        }
        return StewardOutcome(**shown(doc, result.customers[0] if result.customers else None))

    @server.tool(annotations=DESTRUCTIVE)
    @_answers
    def suppress_link(a: IdentifierKey, b: IdentifierKey, reason: Reason) -> StewardOutcome:
        """Cut the link between two identifiers (kind:value); the customer may split."""
        actor = _require("steward")
        raw_a, raw_b = (RawIdentifier(*k.split(":", 1)) for k in (a, b))
        return outcome(stewardship.suppress_link(engine(), raw_a, raw_b, reason, actor))

    @server.tool(annotations=DESTRUCTIVE)
    @_answers
    def detach_identifier(kind: Kind, value: Value, reason: Reason) -> StewardOutcome:
        """Take an identifier out of its customer by cutting all its links."""
        actor = _require("steward")
        return outcome(stewardship.detach(engine(), RawIdentifier(kind, value), reason, actor))

    @server.tool(annotations=DESTRUCTIVE)
    @_answers
    def block_identifier(kind: Kind, value: Value, reason: Reason) -> StewardOutcome:
        """Mark a value generic (a shop's front-desk phone): it stops linking customers."""
        actor = _require("steward")
        return outcome(stewardship.block(engine(), RawIdentifier(kind, value), reason, actor))

    @server.tool(annotations=DESTRUCTIVE)
    @_answers
    def merge_customers(
        customer_ids: Annotated[list[CustomerId], Field(min_length=2, max_length=20)],
        reason: Reason,
    ) -> StewardOutcome:
        """Force customers together; the oldest keeps its id."""
        actor = _require("steward")
        return outcome(stewardship.merge_customers(engine(), customer_ids, reason, actor))
