"""``c360 policy``: show the merge policy in force, check a policy file."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from app.cli.common import EXIT_USAGE, Subcommands, fail, open_engine, positive
from app.engine import read_policy
from app.settings import Settings
from resolvers.identity.partition_diff import Agreement


def _policy_show(args: argparse.Namespace, settings: Settings) -> int:
    from resolvers.identity.default_policy import DEFAULT_POLICY_TOML

    path = Path(args.file) if args.file else settings.policy_file
    read_policy(path)  # validate what is in force
    print(DEFAULT_POLICY_TOML.strip())
    if path:
        print(f"\n# ---- laid over by {path} ----\n")
        print(path.read_text(encoding="utf-8").strip())
    return 0


def _policy_check(args: argparse.Namespace, settings: Settings) -> int:
    path = Path(args.file)
    if not path.is_file():
        fail(f"no such file: {path}")
        return EXIT_USAGE
    policy = read_policy(path)
    print(f"{args.file}: valid; {len(policy.kinds)} identifier kinds")
    return 0


def _policy_preview(args: argparse.Namespace, settings: Settings) -> int:
    from app.services.policy_preview import preview_policy

    path = Path(args.file)
    if not path.is_file():
        fail(f"no such file: {path}")
        return EXIT_USAGE
    engine = open_engine(settings)
    report = preview_policy(engine, path.read_text(encoding="utf-8"), args.examples)
    if args.json:
        from dataclasses import asdict

        body = {**asdict(report), "current": _agreement(report.current)}
        body["candidate"] = _agreement(report.candidate)
        print(json.dumps(body, indent=2, sort_keys=True))
        return 0
    diff = report.diff
    print(
        f"{args.file} against the {report.identifiers:,} identifiers stored (nothing written):\n"
        f"  customers: {diff.customers_before:,} now, {diff.customers_after:,} under the file\n"
        f"  unchanged {diff.unchanged:,}, merged {diff.merged:,}, split {diff.split:,}; "
        f"{diff.identifiers_moved:,} identifiers would move"
    )
    for transition, count in report.transitions.items():
        print(f"  identifiers {transition}: {count:,}")
    for merged in diff.merged_examples:
        print(f"  merged {merged.customer_id} <- {', '.join(merged.from_customers)}")
        print(f"    {' '.join(merged.identifiers)}")
    for split in diff.split_examples:
        into = ", ".join(c or "(no customer)" for c in split.into)
        print(f"  split {split.customer_id} -> {into}")
        for part in split.parts:
            print(f"    {' '.join(part)}")
    for name, measured in (("now", report.current), ("under the file", report.candidate)):
        if measured.labels:
            print(
                f"  against {measured.labels:,} steward answers {name}: "
                f"precision {_share(measured.precision)}, recall {_share(measured.recall)}"
            )
    print("apply it with: C360_POLICY_FILE=" + str(path) + " c360 reresolve")
    return 0


def _agreement(measured: Agreement) -> dict[str, object]:
    return {
        "labels": measured.labels,
        "precision": measured.precision,
        "recall": measured.recall,
        "true_links": measured.true_links,
        "false_links": measured.false_links,
        "missed_links": measured.missed_links,
    }


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def register(sub: Subcommands) -> None:
    """Add the command to the ``c360`` parser."""
    policy = sub.add_parser("policy", help="the merge policy").add_subparsers(metavar="action")
    show = policy.add_parser("show", help="print the defaults and the file laid over them")
    show.add_argument("--file")
    show.set_defaults(run=_policy_show)
    check = policy.add_parser("check", help="validate a policy file")
    check.add_argument("file")
    check.set_defaults(run=_policy_check)
    preview = policy.add_parser(
        "preview", help="what applying a policy file would change (writes nothing)"
    )
    preview.add_argument("file")
    preview.add_argument("--examples", type=positive, default=5, help="examples of each change")
    preview.add_argument("--json", action="store_true", help="the report as JSON")
    preview.set_defaults(run=_policy_preview)
