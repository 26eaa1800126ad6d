"""``c360 import``: bulk load observations or events from JSON Lines."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from app.cli.common import EXIT_FAILED, EXIT_USAGE, Subcommands, fail, open_engine, positive
from app.cli.progress import ProgressBar
from app.runtime import tune_gc
from app.settings import Settings


def _import(args: argparse.Namespace, settings: Settings) -> int:
    from app.services.importing import ImportReport, import_file

    path = Path(args.file)
    if not path.is_file():
        fail(f"no such file: {path}")
        return EXIT_USAGE
    engine = open_engine(settings)
    tune_gc()
    actor = f"import:{path.name}"
    bar = ProgressBar(f"importing {args.what}", path.stat().st_size, "B")

    def show(read: int, total: int, report: ImportReport) -> None:
        bar.update(read, f"{report.written:,} written, {report.rejected_chunks} chunk(s) refused")

    if args.what == "observations":
        from app.schemas import ObservationIn
        from app.services.stitching import normalise_batch, stitch

        def apply_observations(records: Sequence[ObservationIn]) -> tuple[int, int]:
            results = stitch(engine, [r.raw() for r in records], actor)
            repeats = sum(r.status == "duplicate" for r in results)
            return len(results) - repeats, repeats

        def check_observations(records: Sequence[ObservationIn]) -> object:
            return normalise_batch(engine, [r.raw() for r in records])

        report = import_file(
            path,
            ObservationIn,
            apply_observations,
            chunk_size=args.chunk_size,
            progress=show,
            check=check_observations,
        )
    else:
        from app.schemas import EventIn
        from app.services.events import record_events, validate_batch

        def apply_events(records: Sequence[EventIn]) -> tuple[int, int]:
            results = record_events(engine, [r.raw() for r in records], actor)
            repeats = sum(r.status == "duplicate" for r in results)
            return len(results) - repeats, repeats

        def check_events(records: Sequence[EventIn]) -> object:
            return validate_batch(engine, [r.raw() for r in records])

        report = import_file(
            path,
            EventIn,
            apply_events,
            chunk_size=args.chunk_size,
            progress=show,
            check=check_events,
        )
    bar.close()
    print(
        f"{report.lines:,} lines: {report.written:,} written, {report.duplicates:,} already there, "
        f"{report.rejected_lines:,} in {report.rejected_chunks} refused chunk(s)"
    )
    for error in report.errors[:50]:
        where = f" {error.field}:" if error.field else ""
        print(f"  line {error.line}:{where} {error.message}", file=sys.stderr)
    if len(report.errors) > 50:
        print(f"  ... and {len(report.errors) - 50} more errors", file=sys.stderr)
    return 0 if report.ok else EXIT_FAILED


def register(sub: Subcommands) -> None:
    """Add the command to the ``c360`` parser."""
    imp = sub.add_parser("import", help="bulk load a JSON Lines file")
    imp.add_argument("what", choices=["observations", "events"])
    imp.add_argument("file")
    imp.add_argument(
        "--chunk-size", type=positive, default=1000, help="records per atomic chunk (1-10000)"
    )
    imp.set_defaults(run=_import)
