"""``c360 reresolve``: apply the merge policy in force to everything stored."""

from __future__ import annotations

import argparse

from app.cli.common import Subcommands, open_engine, positive
from app.cli.progress import ProgressBar
from app.settings import Settings


def _reresolve(args: argparse.Namespace, settings: Settings) -> int:
    from app.services.reresolution import ReresolveReport, reresolve_store

    engine = open_engine(settings)
    source = f"policy file {settings.policy_file}" if settings.policy_file else "default policy"
    reason = args.reason or f"the merge policy was applied again to stored evidence ({source})"
    bar = ProgressBar("re-resolving", engine.store.counts()["identifiers"])

    def show(done: int, report: ReresolveReport) -> None:
        bar.update(done, f"{report.changed:,} re-derived, {report.customers_written:,} written")

    report = reresolve_store(
        engine, "c360 reresolve", reason=reason, page_size=args.page_size, progress=show
    )
    bar.close()
    print(
        f"{report.identifiers:,} identifiers under the {source}: {report.changed:,} re-derived, "
        f"{report.customers_written:,} customers written, {report.customers_removed:,} removed, "
        f"{report.audit_entries:,} audit entries"
    )
    for transition, count in sorted(report.transitions.items()):
        print(f"  {transition}: {count:,}")
    return 0


def register(sub: Subcommands) -> None:
    """Add the command to the ``c360`` parser."""
    again = sub.add_parser(
        "reresolve", help="apply the current merge policy to everything already stored"
    )
    again.add_argument("--reason", help="the reason the audit entries give")
    again.add_argument(
        "--page-size", type=positive, default=500, help="identifiers per transaction (1-10000)"
    )
    again.set_defaults(run=_reresolve)
