"""A progress bar on stderr: redrawn in place on a terminal, a line every few seconds in logs."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    """Shows done/total with rate and time left."""

    def __init__(
        self, label: str, total: int, unit: str = "", stream: TextIO | None = None
    ) -> None:
        self.label = label
        self.total = max(total, 1)
        self.unit = unit
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self.tty = self.stream.isatty()
        self._last = 0.0

    def update(self, done: int, note: str = "") -> None:
        """Redraw (at most ten times a second on a terminal, every five seconds otherwise)."""
        now = time.monotonic()
        if now - self._last < (0.1 if self.tty else 5.0) and done < self.total:
            return
        self._last = now
        fraction = min(done / self.total, 1.0)
        elapsed = now - self.started
        eta = elapsed / fraction - elapsed if fraction > 0 else 0.0
        bar = "#" * int(fraction * 30)
        line = (
            f"{self.label} [{bar:<30}] {fraction:6.1%} {self._human(done)}/"
            f"{self._human(self.total)}{self.unit} eta {_clock(eta)} {note}"
        )
        if self.tty:
            self.stream.write("\r" + line[:160].ljust(100))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def _human(self, n: int) -> str:
        return _human(n, 1024 if self.unit == "B" else 1000)

    def close(self) -> None:
        """End the line."""
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def _human(n: int, base: int = 1000) -> str:
    """1.2k, 3.4M: powers of 1,000 for counts, of 1,024 for bytes (``base=1024``)."""
    for unit, power in (("G", 3), ("M", 2), ("k", 1)):
        size = base**power
        if n >= size:
            return f"{n / size:.1f}{unit}"
    return str(n)


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
