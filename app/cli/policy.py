"""``c360 policy``: show the merge policy in force, check a policy file."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.common import EXIT_USAGE, Subcommands, fail
from app.engine import read_policy
from app.settings import Settings


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


def register(sub: Subcommands) -> None:
    """Add the command to the ``c360`` parser."""
    policy = sub.add_parser("policy", help="the merge policy").add_subparsers(metavar="action")
    show = policy.add_parser("show", help="print the defaults and the file laid over them")
    show.add_argument("--file")
    show.set_defaults(run=_policy_show)
    check = policy.add_parser("check", help="validate a policy file")
    check.add_argument("file")
    check.set_defaults(run=_policy_check)
