"""``c360 mcp``: the MCP tools for AI agents over stdio."""

from __future__ import annotations

import argparse

from app.cli.common import Subcommands, open_engine
from app.settings import Settings


def _mcp(args: argparse.Namespace, settings: Settings) -> int:
    """Serve the MCP tools over stdin/stdout for a desktop agent (logs go to stderr)."""
    from app.agents.server import build_mcp

    if args.steward_tools:
        settings = settings.model_copy(update={"mcp_steward_tools": True})
    engine = open_engine(settings)
    build_mcp(lambda: engine, settings).run("stdio")
    return 0


def register(sub: Subcommands) -> None:
    """Add the command to the ``c360`` parser."""
    mcp = sub.add_parser("mcp", help="serve the MCP tools for AI agents over stdio")
    mcp.add_argument(
        "--steward-tools",
        action="store_true",
        help="also expose steward actions (destructive; C360_MCP_STEWARD_TOOLS=true does too)",
    )
    mcp.set_defaults(run=_mcp)
