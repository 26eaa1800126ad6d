"""``c360 export identity-map``: every identifier with its customer."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import TextIO

from app.cli.common import Subcommands, open_engine
from app.engine import Engine
from app.settings import Settings


def _export(args: argparse.Namespace, settings: Settings) -> int:
    engine = open_engine(settings)
    if args.output:
        with Path(args.output).open("w", encoding="utf-8", newline="") as out:
            count = _write_identity_map(engine, args.format, out)
        print(f"wrote {count:,} identifiers to {args.output}", file=sys.stderr)
    else:
        _write_identity_map(engine, args.format, sys.stdout)
    return 0


def _write_identity_map(engine: Engine, fmt: str, out: TextIO) -> int:
    writer = csv.writer(out) if fmt == "csv" else None
    if writer:
        writer.writerow(["key", "kind", "value", "customer_id", "status"])
    count = 0
    for batch in engine.store.scan_identifiers(10_000):
        for state in batch:
            value = state.key[len(state.kind) + 1 :]
            if writer:
                writer.writerow(
                    [state.key, state.kind, value, state.customer_id or "", state.status.value]
                )
            else:
                row = {
                    "key": state.key,
                    "kind": state.kind,
                    "value": value,
                    "customer_id": state.customer_id,
                    "status": state.status.value,
                }
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count


def register(sub: Subcommands) -> None:
    """Add the command to the ``c360`` parser."""
    export = sub.add_parser("export", help="export data").add_subparsers(metavar="what")
    identity_map = export.add_parser("identity-map", help="every identifier with its customer")
    identity_map.add_argument("--format", choices=["csv", "jsonl"], default="csv")
    identity_map.add_argument("--output", help="file to write (default: standard output)")
    identity_map.set_defaults(run=_export)
