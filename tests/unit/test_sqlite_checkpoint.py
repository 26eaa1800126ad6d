"""WAL checkpoints on a thread of their own (app/store/sqlite/checkpoint.py): what a commit
wrote reaches the database file without the writer copying it, and the thread stops with
the store."""

from __future__ import annotations

import gc
import logging
import os
import shutil
import sqlite3
import threading
import weakref
from pathlib import Path

import pytest

from app.services.stitching import stitch
from app.store.protocol import StoreUnavailable
from app.store.sqlite.checkpoint import BACKSTOP_PAGES, Checkpointer
from app.store.sqlite.store import SqliteStore
from tests.factories import engine, obs


def file_alone(path: Path, tmp_path: Path) -> sqlite3.Connection:
    """The database file as it is on disk, without its write-ahead log."""
    copy = tmp_path / "alone.db"
    shutil.copyfile(path, copy)
    return sqlite3.connect(copy)


def identifier_keys(conn: sqlite3.Connection) -> set[str]:
    """The identifier keys the file holds (none when not even the schema reached it)."""
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_schema")}
    if "identifiers" not in tables:
        return set()
    return {row[0] for row in conn.execute("SELECT key FROM identifiers")}


def stitch_some(store: SqliteStore) -> None:
    e = engine(store)
    for n in range(5):
        stitch(e, [obs(f"r{n}", ("crm_id", f"C{n:07d}"), ("email", f"p{n}@example.com"))], "t")


@pytest.mark.parametrize("background", [True, False])
def test_committed_pages_reach_the_database_file_only_with_the_thread(
    tmp_path: Path, background: bool
) -> None:
    path = tmp_path / "c360.db"
    store = SqliteStore(str(path), background_checkpoint=background)
    stitch_some(store)
    if background:
        assert store.checkpointer is not None and store.checkpointer.settle()

    on_disk = identifier_keys(file_alone(path, tmp_path))

    # a few small commits stay below SQLite's own 1,000-page threshold: without the thread
    # they are in the log only (which is durable: a reader of the store sees them)
    if background:
        assert {"crm_id:C0000004", "email:p4@example.com"} <= on_disk
    else:
        assert not on_disk & {"crm_id:C0000004", "email:p4@example.com"}
    assert "crm_id:C0000004" in store.read(
        lambda g: {r[0] for r in g.conn.execute("SELECT key FROM identifiers")}
    )
    store.close()


def test_writers_keep_a_backstop_and_the_thread_stops_with_the_store(tmp_path: Path) -> None:
    store = SqliteStore(str(tmp_path / "c360.db"))
    checkpointer = store.checkpointer
    assert checkpointer is not None and not checkpointer.alive  # nothing written yet
    before = {t.ident for t in threading.enumerate()}
    stitch_some(store)
    started = [t for t in threading.enumerate() if t.ident not in before]
    assert [t.name for t in started] == [f"c360-checkpoint {tmp_path / 'c360.db'}"]
    assert checkpointer.alive and checkpointer.settle()
    assert checkpointer.checkpoints >= 1
    threshold = store.read(lambda g: g.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
    assert threshold == BACKSTOP_PAGES

    store.close()

    assert not checkpointer.alive and not started[0].is_alive()
    checkpointer.kick()  # after close: ignored, no thread started again
    assert not checkpointer.alive


def test_a_memory_store_has_no_thread() -> None:
    assert SqliteStore(":memory:").checkpointer is None


def test_a_failed_checkpoint_is_logged_and_the_next_kick_tries_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "plain.db"
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode = WAL")
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    writer.execute("CREATE TABLE t (n INTEGER)")
    attempts: list[int] = []

    def connect() -> sqlite3.Connection:
        attempts.append(1)
        if len(attempts) == 1:
            # what the store's own connect raises when SQLite cannot open the file
            raise StoreUnavailable("cannot open the SQLite database: unable to open database file")
        return sqlite3.connect(path, isolation_level=None, check_same_thread=False)

    checkpointer = Checkpointer(connect, "test")
    with caplog.at_level(logging.WARNING, logger="app.store.sqlite.checkpoint"):
        writer.execute("INSERT INTO t VALUES (1)")
        checkpointer.kick()
        assert checkpointer.settle()
        assert checkpointer.checkpoints == 0
        assert "background checkpoint failed: cannot open the SQLite database" in caplog.text

        writer.execute("INSERT INTO t VALUES (2)")
        checkpointer.kick()
        assert checkpointer.settle()
    checkpointer.close()

    assert checkpointer.checkpoints == 1 and len(attempts) == 2
    assert file_alone(path, tmp_path).execute("SELECT count(*) FROM t").fetchone()[0] == 2
    writer.close()


def test_a_store_dropped_without_close_is_collected_and_its_thread_stops(tmp_path: Path) -> None:
    store = SqliteStore(str(tmp_path / "c360.db"))
    stitch_some(store)
    checkpointer = store.checkpointer
    assert checkpointer is not None and checkpointer.settle() and checkpointer.alive
    gone = weakref.ref(store)

    del store
    gc.collect()

    assert gone() is None  # the thread holds the path only, not the store
    assert not checkpointer.alive


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_forked_child_checkpoints_on_a_thread_of_its_own(tmp_path: Path) -> None:
    path = tmp_path / "c360.db"
    store = SqliteStore(str(path))
    store.set_meta("parent", "1")
    assert store.checkpointer is not None and store.checkpointer.settle()
    pid = os.fork()
    if pid == 0:  # the child: its kicks start a thread; exit code 0 when that checkpointed
        code = 1
        try:
            store.set_meta("child", "1")
            checkpointer = store.checkpointer
            settled = checkpointer is not None and checkpointer.settle(5.0)
            code = 0 if settled and checkpointer is not None and checkpointer.alive else 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    on_disk = file_alone(path, tmp_path)
    assert dict(on_disk.execute("SELECT name, value FROM meta WHERE name IN ('parent', 'child')"))
    assert on_disk.execute("SELECT value FROM meta WHERE name = 'child'").fetchone() == ("1",)
    store.close()
