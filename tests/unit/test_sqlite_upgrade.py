"""A SQLite store from an earlier release opens as it was and gains what was added since."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from app.services import webhooks
from app.services.events import record_events
from app.store.sqlite.store import SqliteStore
from resolvers.customer360.events import RawEvent
from tests.factories import NOW, Clock, ident
from tests.factories import engine as build_engine

# the endpoints table as releases before the feed-position start rule created it
OLD_ENDPOINTS = """
CREATE TABLE webhook_endpoints (
  id TEXT PRIMARY KEY, url TEXT NOT NULL, secret TEXT NOT NULL, types TEXT NOT NULL,
  segments TEXT NOT NULL, marketing INTEGER NOT NULL, active INTEGER NOT NULL,
  disabled_reason TEXT NOT NULL, created_at TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO webhook_endpoints VALUES ('wh_old', 'http://127.0.0.1:9/hook', 'whsec_c2VjcmV0',
  '["order.*"]', '[]', 0, 1, '', '2026-03-01T09:00:00.000000+00:00');
"""


def test_an_endpoint_stored_before_positions_were_kept_still_starts_at_its_creation(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(OLD_ENDPOINTS)
    store = SqliteStore(str(path))
    try:
        (old,) = store.read(lambda tx: tx.endpoint_records())
        assert old.id == "wh_old" and old.after_seq is None
        clock = Clock()
        engine = build_engine(store, clock=clock)
        who = [ident("email", "amy@mail.com")]
        at_creation = old.created_at
        for n, now in (
            (1, at_creation.replace(minute=0, hour=8)),
            (2, at_creation.replace(hour=10)),
        ):
            clock.now = now
            data = {"order_id": str(n), "total": 100, "currency": "TWD"}
            record_events(engine, [RawEvent(f"ord-{n}", "order.placed", NOW, "s", who, data)], "t")
        while webhooks.fan_out(engine):
            pass
        sent = webhooks.deliveries(engine, "wh_old", limit=10)
        assert [d.seq for d in sent] == [2]  # by its creation time: the first came before
        new = webhooks.create_endpoint(engine, "http://127.0.0.1:9/new", ["order.*"])
        assert new.record.after_seq == 2
    finally:
        store.close()
    again = SqliteStore(str(path))  # opening twice adds nothing twice
    try:
        ids = [e.id for e in again.read(lambda tx: tx.endpoint_records())]
        assert sorted(ids) == sorted(["wh_old", new.record.id])
    finally:
        again.close()
