"""The SQLite review queue: a page of conflicts is a range of `review_queue`, which triggers
keep equal to the links awaiting review whatever writes them (schema.sql)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from app.demo.channels import generate_observations
from app.services.demo import raw_observation
from app.services.stewardship import answer_review
from app.services.stitching import stitch
from app.store.protocol import Pair
from app.store.sqlite.store import SqliteStore
from tests.factories import engine_for, ident, obs


def _queue(path: Path) -> list[Pair]:
    with sqlite3.connect(path) as conn:
        return [
            tuple(r) for r in conn.execute("SELECT a_key, b_key FROM review_queue ORDER BY 1, 2")
        ]


def _awaiting(path: Path) -> list[Pair]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT ia.key, ib.key FROM links l JOIN identifiers ia ON ia.id = l.a "
            "JOIN identifiers ib ON ib.id = l.b WHERE l.conflict = 1 ORDER BY 1, 2"
        )
        return [tuple(r) for r in rows]


def _pages(store: SqliteStore, size: int) -> list[Pair]:
    found: list[Pair] = []
    after: Pair | None = None
    while page := store.read(lambda tx, after=after: tx.conflicts(size, after)):
        found.extend(link.pair for link in page)
        after = page[-1].pair
    return found


def _conflicts(store: SqliteStore, pairs: int) -> None:
    engine = engine_for(store)
    for i in range(pairs):
        stitch(engine, [obs(f"a{i}", ("user_id", f"A{i}"), ("email", f"a{i}@mail.com"))], "t")
        stitch(engine, [obs(f"b{i}", ("user_id", f"B{i}"), ("email", f"b{i}@mail.com"))], "t")
        both = obs(f"x{i}", ("email", f"a{i}@mail.com"), ("email", f"b{i}@mail.com"), hours=9)
        stitch(engine, [both], "t")


def test_the_queue_follows_the_links_through_answers_and_re_resolution(tmp_path: Path) -> None:
    path = tmp_path / "c360.db"
    store = SqliteStore(str(path))
    try:
        _conflicts(store, 6)
        engine = engine_for(store)
        # the demo's households, shops and person-evidence proposals
        demo = generate_observations(300, seed=5)
        for i in range(0, len(demo), 200):
            stitch(engine, [raw_observation(g.body) for g in demo[i : i + 200]], "demo")
        before = _awaiting(path)
        assert len(before) > 6
        assert _queue(path) == before
        for n, decision in enumerate(("link", "never", "skip")):
            a, b = ident("email", f"a{n}@mail.com"), ident("email", f"b{n}@mail.com")
            answer_review(engine, a, b, decision, "checked by phone", "steward")
        after = _awaiting(path)
        assert after != before  # the answers took items off the queue
        assert _queue(path) == after
        assert _pages(store, 7) == after
    finally:
        store.close()


def test_a_store_from_before_the_queue_lists_its_conflicts_once_opened(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    store = SqliteStore(str(path))
    try:
        _conflicts(store, 5)
    finally:
        store.close()
    with sqlite3.connect(path) as conn:  # as the release before the queue left it
        for trigger in ("insert", "update", "delete"):
            conn.execute(f"DROP TRIGGER review_queue_{trigger}")
        conn.execute("DROP TABLE review_queue")
    expected = _awaiting(path)
    assert len(expected) == 5
    reopened = SqliteStore(str(path))
    try:
        assert _queue(path) == expected
        assert _pages(reopened, 2) == expected
        _conflicts(reopened, 7)  # the triggers are back: later conflicts join the queue
        assert _pages(reopened, 3) == _awaiting(path) == _queue(path)
    finally:
        reopened.close()
    SqliteStore(str(path)).close()  # opening again fills nothing twice
    assert _queue(path) == _awaiting(path)
