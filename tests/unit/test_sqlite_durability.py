"""Acknowledged means durable: the SQLite store syncs every commit unless told otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.engine import build_engine
from app.settings import Settings
from app.store.sqlite.store import SqliteStore

SYNCHRONOUS = {0: "off", 1: "normal", 2: "full", 3: "extra"}


def setting_of(store: SqliteStore) -> tuple[str, str]:
    """(synchronous, journal_mode) as the connection that writes reports them."""

    def read(tx: object) -> tuple[str, str]:
        conn = tx.conn  # type: ignore[attr-defined]
        level = conn.execute("PRAGMA synchronous").fetchone()[0]
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        return SYNCHRONOUS[level], mode

    return store.write(read)


def test_the_default_is_full_with_wal(tmp_path: Path) -> None:
    store = SqliteStore(str(tmp_path / "c.db"))
    try:
        assert setting_of(store) == ("full", "wal")
    finally:
        store.close()


def test_normal_is_a_setting_for_those_who_trade_it_away(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("C360_SQLITE_SYNCHRONOUS", "normal")
    engine = build_engine(Settings(store_url=f"sqlite:///{tmp_path / 'c.db'}"))
    try:
        assert setting_of(engine.store) == ("normal", "wal")  # type: ignore[arg-type]
    finally:
        engine.store.close()


def test_other_levels_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("C360_SQLITE_SYNCHRONOUS", "off")
    with pytest.raises(ValueError, match="sqlite_synchronous"):
        Settings()
    with pytest.raises(ValueError, match="full, normal"):
        SqliteStore(str(tmp_path / "c.db"), synchronous="off")
