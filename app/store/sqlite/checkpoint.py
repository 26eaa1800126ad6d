"""Checkpoints off the write path: a thread copies committed WAL pages into the database file.

In WAL mode a commit appends the pages it changed to the write-ahead log, and a checkpoint
later copies them into the database file. SQLite's default runs that checkpoint inside the
commit that pushes the log past 1,000 pages, so the writer waits for it. On a large store a
batch of 1,000 records changes about 5,000 pages (random keys land on a different leaf of
each index), so nearly every commit also checkpoints: a fifth of a batch's wall time at
500,000 stored records. Here a thread of the process checkpoints after each commit on a
connection of its own (``PASSIVE``: it never waits for readers or the writer, and SQLite
releases the interpreter's lock while it works, so it runs beside the next batch). The
writers keep a far larger automatic threshold as a backstop: should the thread fall behind
or stop, a writer checkpoints itself once the log passes it, as before.

Durability does not change: a commit is acknowledged once it is in the log (and synced
under ``synchronous = FULL``), checkpointed or not.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

# pages (4 KiB each) the log may reach before a writer checkpoints itself
BACKSTOP_PAGES = 16_000


class Checkpointer:
    """A daemon thread that checkpoints the WAL each time it is kicked (after a commit).

    ``connect`` opens the thread's connection; it must not hold the store, which the running
    thread would then keep alive (the store closes its checkpointer when collected).
    """

    def __init__(self, connect: Callable[[], sqlite3.Connection], name: str) -> None:
        self._connect = connect
        self._name = name
        self._stopping = False
        self.checkpoints = 0
        self._fresh()

    def _fresh(self) -> None:
        """A thread not started yet, and the state it shares (again in a forked child,
        where the parent's thread does not run and its locks may be held)."""
        self._pid = os.getpid()
        self._kicked = threading.Event()
        self._lock = threading.Condition()
        self._asked = 0  # kicks received
        self._done = 0  # kicks a finished checkpoint covers
        self._thread = threading.Thread(target=self._run, name=f"c360-checkpoint {self._name}")
        self._thread.daemon = True

    def kick(self) -> None:
        """A transaction committed: checkpoint what it wrote, soon, on the thread (started by
        the first kick, so a store only read never starts one)."""
        if os.getpid() != self._pid:
            self._fresh()
        with self._lock:
            if self._stopping:
                return
            self._asked += 1
            if self._thread.ident is None:
                self._thread.start()
        self._kicked.set()

    def settle(self, timeout: float = 10.0) -> bool:
        """Wait until a checkpoint has run after the last kick; False on timeout."""
        with self._lock:
            target = self._asked
            return self._lock.wait_for(lambda: self._done >= target, timeout)

    @property
    def alive(self) -> bool:
        """Whether the thread is running."""
        return self._thread.is_alive()

    def close(self) -> None:
        """Stop the thread (a checkpoint under way finishes first)."""
        with self._lock:
            self._stopping = True
            started = self._thread.ident is not None
        self._kicked.set()
        # never join from the thread itself (a finalizer may run there), nor a parent's thread
        # from a forked child, where it does not run
        here = os.getpid() == self._pid
        if started and here and self._thread is not threading.current_thread():
            self._thread.join()

    def _run(self) -> None:
        conn: sqlite3.Connection | None = None
        try:
            while True:
                self._kicked.wait()
                if self._stopping:
                    return
                self._kicked.clear()
                with self._lock:
                    target = self._asked
                try:
                    if conn is None:
                        conn = self._connect()
                        # what a checkpoint writes to the database file is synced, whatever
                        # the build's default
                        conn.execute("PRAGMA synchronous = FULL")
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    self.checkpoints += 1
                except Exception as error:  # the thread must outlive any one failure
                    # the writers' own threshold still checkpoints; try again on the next kick
                    log.warning("background checkpoint failed: %s", error)
                    if conn is not None:
                        conn.close()
                        conn = None
                with self._lock:
                    self._done = max(self._done, target)
                    self._lock.notify_all()
        finally:
            if conn is not None:
                conn.close()
