"""``c360 prune``: delete history past its retention (feed, webhook deliveries, segment history)."""

from __future__ import annotations

import argparse

from app.cli.common import Subcommands, open_engine
from app.settings import Settings


def _prune(args: argparse.Namespace, settings: Settings) -> int:
    from app.services.retention import Pruned, Retention, prune

    retention = Retention(
        settings.feed_retention_days if args.feed_days is None else args.feed_days,
        settings.delivery_retention_days if args.delivery_days is None else args.delivery_days,
        settings.history_retention_days if args.history_days is None else args.history_days,
    )
    engine = open_engine(settings)
    print(
        "keeping the change feed "
        f"{_days(retention.feed_days)}, settled webhook deliveries "
        f"{_days(retention.delivery_days)}, segment history {_days(retention.history_days)}",
        flush=True,
    )

    def show(so_far: Pruned) -> None:
        print(
            f"  pruned so far: {so_far.changes:,} changes, {so_far.deliveries:,} deliveries, "
            f"{so_far.history:,} history entries",
            flush=True,
        )

    pruned = prune(engine, retention, progress=show if args.verbose else None)
    print(
        f"pruned {pruned.changes:,} change(s), {pruned.deliveries:,} webhook deliveries and "
        f"{pruned.history:,} segment history entries"
    )
    if pruned.held_by is not None and retention.feed_days:
        name, position = pruned.held_by
        print(
            f"the feed is kept from change {position + 1:,} on: the {name} follower has read "
            "up to there (serve with followers on, or run `c360 follow`, to move it)"
        )
    return 0


def _days(days: int) -> str:
    return f"{days} day(s)" if days else "forever"


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("0 (keep forever) or more days")
    return value


def register(sub: Subcommands) -> None:
    """Add the command to the ``c360`` parser."""
    command = sub.add_parser(
        "prune",
        help="delete change feed, webhook deliveries and segment history past their retention",
    )
    for name, env in (
        ("feed", "FEED"),
        ("delivery", "DELIVERY"),
        ("history", "HISTORY"),
    ):
        command.add_argument(
            f"--{name}-days",
            type=_non_negative,
            default=None,
            help=f"override C360_{env}_RETENTION_DAYS (0 keeps forever)",
        )
    command.add_argument("--verbose", action="store_true", help="report after every step")
    command.set_defaults(run=_prune)
