"""``c360 match train``: estimate the person matcher's weights from the stored records."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.common import Subcommands, open_engine
from app.settings import Settings


def _match_train(args: argparse.Namespace, settings: Settings) -> int:
    from app.services.training import steward_labels, train
    from resolvers.identity.person.training import policy_toml

    engine = open_engine(settings)
    labels = steward_labels(engine)
    trained = train(
        engine, max_records=args.max_records, random_pairs=args.random_pairs, labels=labels
    )
    text = policy_toml(trained)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(
            f"weights from {trained.records:,} records and {trained.candidate_pairs:,} "
            f"candidate pairs written to {args.output} ({len(labels):,} record pairs labelled "
            "by stewards' review answers); lay it over your policy file, "
            "check it with `c360 policy check`, then run `c360 reresolve`"
        )
    else:
        print(text, end="")
    return 0


def register(sub: Subcommands) -> None:
    """Add the command to the ``c360`` parser."""
    match = sub.add_parser("match", help="the person matcher").add_subparsers(metavar="action")
    trainer = match.add_parser(
        "train", help="estimate matching weights from the stored records (EM) as a policy file"
    )
    trainer.add_argument("--output", help="write the policy tables here (default: stdout)")
    trainer.add_argument("--max-records", type=int, default=200_000)
    trainer.add_argument("--random-pairs", type=int, default=50_000)
    trainer.set_defaults(run=_match_train)
