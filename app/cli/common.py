"""What every ``c360`` command shares: exit codes, errors on stderr, engines it must close."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from app.engine import Engine, build_engine
from app.settings import Settings

if TYPE_CHECKING:
    Subcommands = argparse._SubParsersAction[argparse.ArgumentParser]
else:
    Subcommands = argparse._SubParsersAction

EXIT_USAGE = 2
EXIT_FAILED = 1

_OPEN: list[Engine] = []


def fail(message: str) -> None:
    """Say what went wrong, on standard error."""
    print(f"c360: error: {message}", file=sys.stderr)


def open_engine(settings: Settings) -> Engine:
    """The command's engine; its store is closed when the command ends, however it ends."""
    engine = build_engine(settings)
    _OPEN.append(engine)
    return engine


def close_engines() -> None:
    """Close every store a command opened."""
    while _OPEN:
        _OPEN.pop().store.close()


def positive(text: str) -> int:
    """A chunk size: a whole number from 1 to 10,000."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= 10_000:
        raise argparse.ArgumentTypeError(f"{value} is outside 1-10000")
    return value
