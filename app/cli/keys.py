"""``c360 keys``: create, list and revoke API keys."""

from __future__ import annotations

import argparse

from app.cli.common import EXIT_FAILED, EXIT_USAGE, Subcommands, fail, open_engine
from app.errors import Unprocessable
from app.settings import Settings


def _keys_create(args: argparse.Namespace, settings: Settings) -> int:
    from app.services.keys import create_key, parse_scopes

    try:
        scopes = parse_scopes(args.scopes)
    except Unprocessable as error:  # a mistyped argument: say so before touching the store
        fail(f"--scopes: {error.message}")
        return EXIT_USAGE
    engine = open_engine(settings)
    new = create_key(engine, args.name, scopes)
    print(
        f"created key {new.record.id} '{new.record.name}' with scopes {','.join(new.record.scopes)}"
    )
    print("store it now: it is shown once and only its hash is kept")
    print(new.secret)
    return 0


def _keys_list(args: argparse.Namespace, settings: Settings) -> int:
    engine = open_engine(settings)
    rows = engine.store.list_keys()
    if not rows:
        print("no keys; make one with: c360 keys create --name NAME --scopes ingest,read")
        return 0
    print(f"{'id':<10} {'name':<24} {'prefix':<14} {'scopes':<28} {'created':<20} revoked")
    for key in rows:
        revoked = key.revoked_at.isoformat(timespec="seconds") if key.revoked_at else "-"
        print(
            f"{key.id:<10} {key.name[:24]:<24} {key.prefix:<14} {','.join(key.scopes):<28} "
            f"{key.created_at.isoformat(timespec='seconds'):<20} {revoked}"
        )
    return 0


def _keys_revoke(args: argparse.Namespace, settings: Settings) -> int:
    engine = open_engine(settings)
    if engine.store.revoke_key(args.key_id, engine.clock()):
        print(f"revoked key {args.key_id} (cached answers expire within 10 seconds)")
        return 0
    fail(f"no live key {args.key_id}")
    return EXIT_FAILED


def register(sub: Subcommands) -> None:
    """Add the command to the ``c360`` parser."""
    keys = sub.add_parser("keys", help="API keys").add_subparsers(metavar="action")
    create = keys.add_parser("create", help="make a key; prints it alone on the last line")
    create.add_argument("--name", required=True)
    create.add_argument(
        "--scopes", required=True, help="comma-separated: ingest,read,steward,marketing,admin"
    )
    create.set_defaults(run=_keys_create)
    keys.add_parser("list", help="list keys (never the secrets)").set_defaults(run=_keys_list)
    revoke = keys.add_parser("revoke", help="revoke a key by id")
    revoke.add_argument("key_id")
    revoke.set_defaults(run=_keys_revoke)
