"""Segments benchmark: event ingest with 50 segments kept current vs none, in the same run,
and the latency from an event's acknowledgement to its signed ``segment.entered`` delivery.

    PYTHONPATH=. python bench/segments.py [--events 20000] [--customers 5000] [--latency 200]

1. Ingest: the real use case (``record_events``) on a SQLite file, batches of 1,000 orders
   and product views for ``--customers`` people. Baseline: no segments. Then the same events
   into a fresh store with 50 segments defined and the segment follower running in its
   background thread, as in ``c360 serve``; the time until it has caught up is reported
   apart (``follower_events_per_s``). The ratio is ingest with segments / without.
2. Store size: the follower's cost per event after ``--scale`` identifiers are stored (the
   segments defined and the cursors set at the end, so only the probe is timed): 1,000
   events for people already stored, followed to the end. Flat rates mean an event's cost
   grows with the customers and segments it touches, not with the store.
3. Latency: the follower and the webhook dispatcher run as in ``c360 serve`` (their default
   polling intervals); a real receiver on 127.0.0.1 verifies each delivery with the
   ``standardwebhooks`` package. One order at a time makes a new customer enter a segment;
   latency = arrival of its ``segment.entered`` - return of ``record_events`` (the ack).

Results: bench/results/segments.json and a markdown table on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from app.engine import Engine
from app.services import segments, webhooks
from app.services.events import record_events
from app.services.segment_engine import FOLLOWER, SegmentFollower, catch_up
from app.services.stitching import stitch
from app.store.segments import SegmentRecord
from app.store.sqlite.store import SqliteStore
from resolvers.customer360.events import RawEvent
from resolvers.identity.normalise import Normaliser
from resolvers.identity.observations import RawIdentifier, RawObservation
from resolvers.identity.policy import load_policy
from tests.support.receiver import Receiver

RESULTS = Path(__file__).parent / "results"
CATEGORIES = ("kettles", "mugs", "pots", "pans", "knives", "cups", "plates", "bowls", "tea", "rice")
NOW = datetime.now(UTC).replace(microsecond=0)  # `c360 follow` reads the wall clock
POLICY = load_policy()


def engine(path: Path) -> Engine:
    return Engine(SqliteStore(str(path)), POLICY, Normaliser(POLICY, "TW"), clock=lambda: NOW)


def fifty_segments() -> list[dict[str, Any]]:
    """Ten categories x (bought twice in 30 days, viewed in 7, spent 3000 in 90, none in 60),
    and ten on the profile: a realistic marketing team's set."""
    out: list[dict[str, Any]] = []
    for c in CATEGORIES:
        out.append({"events": {"type": "order.*", "where": {"category": c}, "within_days": 30},
                    "count": {"gte": 2}})  # fmt: skip
        out.append({"events": {"type": "web.product_viewed", "where": {"category": c},
                               "within_days": 7}, "count": {"gte": 1}})  # fmt: skip
        out.append({"events": {"type": "order.placed", "where": {"category": c},
                               "within_days": 90}, "sum": "total", "gte": 3000})  # fmt: skip
        out.append({"events": {"type": "order.placed", "where": {"category": c},
                               "within_days": 60}, "count": {"eq": 0}})  # fmt: skip
    for k in range(1, 6):
        out.append({"profile": "stats.orders", "op": "gte", "value": k})
        out.append({"profile": "stats.revenue", "op": "gte", "value": k * 2000})
    return out


def events(n: int, customers: int, seed: int = 7) -> list[RawEvent]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        who = RawIdentifier("email", f"p{rng.randrange(customers)}@mail.com")
        at = NOW - timedelta(days=rng.uniform(0, 120))
        category = rng.choice(CATEGORIES)
        if rng.random() < 0.5:
            price = rng.choice((300, 900, 1800))
            item = {
                "sku": f"S-{category}",
                "category": category,
                "quantity": 1,
                "unit_price": price,
            }
            data = {"order_id": f"o{i}", "total": price, "currency": "TWD", "items": [item]}
            out.append(RawEvent(f"e{i}", "order.placed", at, "eshop", [who], data))
        else:
            data = {"sku": f"S-{category}", "category": category}
            out.append(RawEvent(f"e{i}", "web.product_viewed", at, "web", [who], data))
    return out


def ingest(
    workdir: Path, name: str, items: list[RawEvent], batch: int, follower: str
) -> dict[str, Any]:
    """``follower``: none (no segments), thread (in this process, as in each API worker) or
    process (``c360 follow`` beside, as with C360_FOLLOWERS=false on the API)."""
    path = workdir / f"{name}.db"
    eng = engine(path)
    thread: SegmentFollower | None = None
    process: subprocess.Popen[bytes] | None = None
    if follower != "none":
        for i, condition in enumerate(fifty_segments()):
            segments.create_segment(eng, f"s{i}", condition)
    if follower == "thread":
        thread = SegmentFollower(eng)
        thread.start()
    elif follower == "process":
        env = {**os.environ, "C360_STORE_URL": f"sqlite:///{path}", "PYTHONPATH": "."}
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "follow"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    start = time.perf_counter()
    for i in range(0, len(items), batch):
        record_events(eng, items[i : i + batch], "bench")
    ingested = time.perf_counter() - start
    if thread is not None:
        thread.stop()
        catch_up(eng)  # what the thread had not reached yet
    if process is not None:
        last = eng.store.read(lambda tx: tx.last_change())
        while eng.store.read(lambda tx: tx.cursor_of(FOLLOWER)) < last:
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        catch_up(eng)
    caught = time.perf_counter() - start
    members = refresh_changes = 0
    if follower != "none":
        members = sum(
            len(segments.members(eng, s.id, after="", limit=1_000_000)[0])
            for s in segments.list_segments(eng)
        )
        found = segments.recompute(eng, None, cause={"type": "refresh"})
        refresh_changes = len(found.delta.history)
    eng.store.close()
    return {
        "follower": follower,
        "events": len(items),
        "ingest_s": round(ingested, 3),
        "events_per_s": round(len(items) / ingested),
        "follower_caught_up_s": round(caught, 3),
        "follower_events_per_s": round(len(items) / caught),
        "memberships": members,
        "refresh_changes": refresh_changes,
    }


def scale(workdir: Path, size: int, probe: int = 1000) -> dict[str, Any]:
    eng = engine(workdir / f"scale-{size}.db")
    for start in range(0, size, 1000):
        raws = [
            RawObservation(f"s{i}", "crm", NOW, [RawIdentifier("email", f"p{i}@mail.com")], {})
            for i in range(start, min(size, start + 1000))
        ]
        stitch(eng, raws, "bench")
    at = NOW

    def define(tx: Any) -> None:
        for i, condition in enumerate(fifty_segments()):
            tx.put_segment(SegmentRecord(f"seg_{i:02d}", f"s{i}", "", condition, at, at))
        tx.set_cursor(FOLLOWER, tx.last_change())

    eng.store.write(define)
    rng = random.Random(size)
    items = [
        RawEvent(
            f"probe{i}",
            "order.placed",
            NOW - timedelta(days=rng.uniform(0, 60)),
            "eshop",
            [RawIdentifier("email", f"p{rng.randrange(size)}@mail.com")],
            {
                "order_id": f"p{i}",
                "total": 900,
                "currency": "TWD",
                "items": [
                    {
                        "sku": "S",
                        "category": rng.choice(CATEGORIES),
                        "quantity": 1,
                        "unit_price": 900,
                    }
                ],
            },
        )
        for i in range(probe)
    ]
    record_events(eng, items, "bench")
    start_t = time.perf_counter()
    catch_up(eng)
    took = time.perf_counter() - start_t
    eng.store.close()
    return {
        "identifiers": size,
        "probe_events": probe,
        "follower_events_per_s": round(probe / took),
    }


def latency(workdir: Path, count: int) -> dict[str, Any]:
    eng = engine(workdir / "latency.db")
    eng.clock = lambda: datetime.now(UTC)
    condition = {"events": {"type": "order.*"}, "count": {"gte": 1}}
    seg = segments.create_segment(eng, "buyers", condition)
    arrived: dict[str, float] = {}
    receiver = Receiver().up()
    new = webhooks.create_endpoint(eng, receiver.url, ["segment.entered"], segments=[seg.id])
    receiver.secret = new.secret
    follower = SegmentFollower(eng)
    dispatcher = webhooks.WebhookDispatcher(eng)
    follower.start()
    dispatcher.start()
    acks: dict[str, float] = {}
    try:
        for i in range(count):
            who = RawIdentifier("email", f"lat{i}@mail.com")
            data = {"order_id": f"l{i}", "total": 100, "currency": "TWD"}
            event = RawEvent(f"l{i}", "order.placed", datetime.now(UTC), "eshop", [who], data)
            result = record_events(eng, [event], "bench")[0]
            acks[str(result.customer_id)] = time.perf_counter()
            time.sleep(0.02)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            for r in receiver.accepted():
                if r.body and r.body["data"]["customer_id"] not in arrived:
                    arrived[r.body["data"]["customer_id"]] = r.at
            if len(arrived) >= count:
                break
            time.sleep(0.05)
    finally:
        dispatcher.stop()
        follower.stop()
        receiver.down()
        eng.store.close()
    delays = sorted((arrived[c] - acks[c]) * 1000 for c in acks if c in arrived)
    return {
        "deliveries": len(delays),
        "sent": count,
        "verified": all(r.verified for r in receiver.seen),
        "p50_ms": round(statistics.median(delays), 1),
        "p99_ms": round(delays[max(0, int(len(delays) * 0.99) - 1)], 1),
        "max_ms": round(delays[-1], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--customers", type=int, default=5_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--latency", type=int, default=200)
    parser.add_argument("--scale", default="10000,100000", help="identifiers stored per probe")
    args = parser.parse_args()
    items = events(args.events, args.customers)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        print("ingest without segments…", file=sys.stderr)
        bare = ingest(work, "bare", items, args.batch, "none")
        print("ingest with 50 segments, follower thread…", file=sys.stderr)
        fifty = ingest(work, "fifty", items, args.batch, "thread")
        print("ingest with 50 segments, follower process…", file=sys.stderr)
        beside = ingest(work, "beside", items, args.batch, "process")
        scaled = []
        for size in (int(x) for x in args.scale.split(",") if x):
            print(f"follower at {size:,} identifiers…", file=sys.stderr)
            scaled.append(scale(work, size))
        print("latency…", file=sys.stderr)
        lat = latency(work, args.latency)
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "args": vars(args),
        "ingest_no_segments": bare,
        "ingest_50_segments": fifty,
        "ingest_50_segments_follower_process": beside,
        "ingest_ratio": round(fifty["events_per_s"] / bare["events_per_s"], 3),
        "ingest_ratio_follower_process": round(beside["events_per_s"] / bare["events_per_s"], 3),
        "follower_by_store_size": scaled,
        "latency": lat,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "segments.json").write_text(json.dumps(report, indent=2) + "\n")
    print("| run | events/s (ack) | follower caught up, events/s | memberships | refresh finds |")
    print("|---|---:|---:|---:|---:|")
    runs = (
        ("no segments", bare),
        ("50 segments, follower thread", fifty),
        ("50 segments, `c360 follow` process", beside),
    )
    for name, run in runs:
        print(
            f"| {name} | {run['events_per_s']:,} | {run['follower_events_per_s']:,} "
            f"| {run['memberships']:,} | {run['refresh_changes']} |"
        )
    print(
        f"\ningest ratio vs none: follower thread {report['ingest_ratio']}, "
        f"follower process {report['ingest_ratio_follower_process']}"
    )
    print("\n| identifiers stored | follower events/s (1,000 events, 50 segments) |")
    print("|---:|---:|")
    for row in scaled:
        print(f"| {row['identifiers']:,} | {row['follower_events_per_s']:,} |")
    print(
        f"ack → segment.entered delivered: p50 {lat['p50_ms']} ms, p99 {lat['p99_ms']} ms, "
        f"max {lat['max_ms']} ms ({lat['deliveries']}/{lat['sent']}, verified={lat['verified']})"
    )


if __name__ == "__main__":
    main()
