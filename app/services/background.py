"""Background workers of a serving process: a daemon thread running one step every interval.

The segment follower, the webhook dispatcher and the retention sweeper share the loop: a
store that is away (unavailable, or a conflict) is logged and tried again next round; any
other error is logged with its trace and tried again, so a bug never kills the thread
silently, nor the server.
"""

from __future__ import annotations

import logging
import threading
from contextlib import AbstractContextManager, nullcontext

from app.store.protocol import StoreConflict, StoreUnavailable

log = logging.getLogger(__name__)


class Periodic:
    """Runs ``step`` at once and then every ``interval`` seconds until ``stop``."""

    def __init__(self, label: str, interval: float) -> None:
        self.label = label
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=label.replace(" ", "-"), daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Ask the thread to stop between steps and wait for it: the store is closed after
        this returns, and closing it under a running step would pull it from under the thread."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def stopping(self) -> bool:
        """Whether ``stop`` was asked (long steps check it between their parts)."""
        return self._stop.is_set()

    def step(self) -> None:
        """One round of the worker's work."""
        raise NotImplementedError

    def session(self) -> AbstractContextManager[object]:
        """What the thread holds open while it runs (an HTTP client); nothing by default."""
        return nullcontext()

    def _run(self) -> None:
        with self.session():
            while not self._stop.is_set():
                try:
                    self.step()
                except (StoreUnavailable, StoreConflict) as error:
                    log.warning("%s: %s; trying again", self.label, error)
                except Exception:  # a bug must not kill the thread silently, nor the server
                    log.exception("%s failed; trying again", self.label)
                self._stop.wait(self.interval)
