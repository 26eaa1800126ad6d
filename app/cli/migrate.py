"""``c360 migrate``: apply the store schema."""

from __future__ import annotations

import argparse

from app.cli.common import Subcommands
from app.settings import Settings


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    from app.engine import open_store

    store = open_store(settings, apply_schema=False)
    try:
        migrate = getattr(store, "migrate", None)
        if callable(migrate):
            print(migrate().describe())
        else:
            print(f"{store.kind} store schema is up to date (the store creates it on open)")
    finally:
        store.close()
    return 0


def register(sub: Subcommands) -> None:
    """Add the command to the ``c360`` parser."""
    sub.add_parser("migrate", help="apply the store schema").set_defaults(run=_migrate)
