"""``c360 demo``: load the generated demo data set."""

from __future__ import annotations

import argparse

from app.cli.common import EXIT_USAGE, Subcommands, fail, open_engine
from app.cli.progress import ProgressBar
from app.settings import Settings


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from app.services.demo import load_demo

    if settings.default_region not in (None, "TW"):
        fail("the demo data set is Taiwanese: use C360_DEFAULT_REGION=TW or leave it unset")
        return EXIT_USAGE
    settings = settings.model_copy(update={"default_region": "TW"})
    engine = open_engine(settings)
    bar = ProgressBar("loading demo", 1)

    def show(done: int, total: int, note: str) -> None:
        bar.total = max(total, 1)
        bar.update(done, note)

    summary = load_demo(engine, people=args.people, seed=args.seed, progress=show)
    bar.close()
    print(summary.describe())
    if not args.no_key:
        from app.services.keys import SCOPES, create_key

        new = create_key(engine, "demo", SCOPES)
        print("an API key with every scope, shown once (only its hash is stored):")
        print(new.secret)
    return 0


def register(sub: Subcommands) -> None:
    """Add the command to the ``c360`` parser."""
    demo = sub.add_parser("demo", help="load a generated demo data set")
    demo.add_argument("--people", type=int, default=2000)
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--no-key", action="store_true", help="do not create a demo API key")
    demo.set_defaults(run=_demo)
