"""``c360 verify``: recompute customers from the links and report (or mend) drift."""

from __future__ import annotations

import argparse

from app.cli.common import EXIT_FAILED, Subcommands, open_engine
from app.cli.progress import ProgressBar
from app.settings import Settings


def _verify(args: argparse.Namespace, settings: Settings) -> int:
    from app.services.verification import verify

    engine = open_engine(settings)
    counts = engine.store.counts()
    bar = ProgressBar("verifying", counts["identifiers"] + counts["links"])
    seen: dict[str, int] = {}

    def show(stage: str, done: int) -> None:
        seen[stage] = done
        bar.update(seen.get("identifiers", 0) + seen.get("links", 0), stage)

    report = verify(engine, repair=args.repair, progress=show)
    bar.close()
    print(
        f"{report.identifiers:,} identifiers, {report.links:,} links, "
        f"{report.customers:,} customers, {report.components:,} components"
    )
    if not report.drift:
        print("clean: every customer equals the components of its active and manual links")
        return 0
    print(f"{len(report.drift)} drift(s):")
    for drift in report.drift[:100]:
        ids = ", ".join(drift.customer_ids) or "-"
        print(f"  {drift.problem} (customers {ids}; identifiers {', '.join(drift.sample)})")
    if args.repair:
        print(
            f"repaired {report.repaired} by re-resolving their evidence; run verify again to check"
        )
        return 0
    print("run `c360 verify --repair` to re-resolve them")
    return EXIT_FAILED


def register(sub: Subcommands) -> None:
    """Add the command to the ``c360`` parser."""
    verify = sub.add_parser("verify", help="recompute customers from the links and compare")
    verify.add_argument("--repair", action="store_true", help="re-resolve whatever drifted")
    verify.set_defaults(run=_verify)
