"""``c360``: run the service and operate its store from the command line.

Each command lives in its own module with a ``register`` that adds it to the parser.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from contextlib import suppress

from pydantic import ValidationError

from app.cli import (
    demo,
    export,
    keys,
    load,
    match,
    mcp,
    migrate,
    policy,
    prune,
    reresolve,
    segments,
    serve,
    verify,
)
from app.cli.common import EXIT_FAILED, EXIT_USAGE, close_engines, fail
from app.engine import RegionMismatch
from app.errors import Unprocessable
from app.settings import Settings
from app.store.protocol import StoreUnavailable
from resolvers.errors import DomainError, PolicyError

COMMANDS = (
    serve,
    mcp,
    keys,
    load,
    export,
    verify,
    reresolve,
    demo,
    migrate,
    match,
    policy,
    segments,
    prune,
)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``c360`` console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return EXIT_USAGE
    try:
        settings = Settings()
        return int(args.run(args, settings))
    except ValidationError as error:
        fail(f"invalid settings: {_settings_error(error)}")
    except (RegionMismatch, PolicyError, Unprocessable) as error:
        fail(str(error))
    except StoreUnavailable as error:
        fail(f"the store cannot be reached: {error}")
    except DomainError as error:
        fail(error.message)
    except OSError as error:  # a file named on the command line or in a setting
        where = f": {error.filename}" if error.filename else ""
        fail(f"{error.strerror or error}{where}")
    except KeyboardInterrupt:
        fail("interrupted")
    finally:
        close_engines()
    return EXIT_FAILED


def _settings_error(error: ValidationError) -> str:
    parts = []
    for item in error.errors(include_url=False):
        field = "_".join(str(p) for p in item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        parts.append(f"C360_{field.upper()}: {message}" if field else message)
    return "; ".join(parts)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="c360",
        description="Contact 360: identity resolution and customer 360 profiles.",
        epilog="Settings come from C360_* environment variables (see README).",
    )
    sub = parser.add_subparsers(metavar="command")
    for command in COMMANDS:
        command.register(sub)
    return parser


if __name__ == "__main__":  # pragma: no cover
    with suppress(BrokenPipeError):
        sys.exit(main())
