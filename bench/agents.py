"""What agents and support screens cost: context budgets, and live streams held open.

    PYTHONPATH=. python bench/agents.py [--people 1000] [--streams 0,25,100] [--events 20]

On the demo data set (SQLite, one uvicorn server in this process):

- ``context``: time to build a customer's context with a budget (JSON ``max_chars=2000``,
  text ``max_chars=800``) as a ratio to building it without one, on the largest customers;
  and how large the unbudgeted documents are.
- ``streams``: with N idle live streams open (each reading the change feed every 250 ms),
  the latency of ``GET /v1/customers/{id}`` as a ratio to the same request with none open,
  measured just before;
  and, with N open, how long a posted event takes to reach a stream (median and worst).

Ratios against a baseline measured in the same run; results in bench/results/agents.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from app.api.main import create_app
from app.engine import build_engine
from app.services import profiles
from app.services.demo import load_demo
from app.services.keys import create_key
from app.settings import Settings
from resolvers.customer360.context import json_chars

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.live import Listener, serve

RESULTS = Path(__file__).parent / "results"


def _per_call(work: Any, rounds: int) -> float:
    started = time.perf_counter()
    for _ in range(rounds):
        work()
    return (time.perf_counter() - started) / rounds


def context_costs(engine: Any, customers: list[str]) -> dict[str, Any]:
    sizes = [json_chars(profiles.context(engine, c)) for c in customers]
    plain = [_per_call(lambda c=c: profiles.context(engine, c), 5) for c in customers]
    fitted = [
        _per_call(lambda c=c: profiles.context(engine, c, max_chars=2000), 5) for c in customers
    ]
    text = [
        _per_call(lambda c=c: profiles.context(engine, c, max_chars=800, text=True), 5)
        for c in customers
    ]
    return {
        "customers": len(customers),
        "unbudgeted_json_chars": {"median": statistics.median(sizes), "max": max(sizes)},
        "plain_ms": round(statistics.median(plain) * 1000, 2),
        "json_2000_ratio": round(statistics.median(fitted) / statistics.median(plain), 3),
        "text_800_ratio": round(statistics.median(text) / statistics.median(plain), 3),
    }


def _latency(url: str, headers: dict[str, str], rounds: int = 200) -> float:
    with httpx.Client(headers=headers) as client:
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            client.get(url).raise_for_status()
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def stream_costs(
    engine: Any, customer: str, counts: list[int], events: int
) -> list[dict[str, Any]]:
    key = create_key(engine, "bench", ["admin"]).secret
    headers = {"Authorization": f"Bearer {key}"}
    settings = Settings(stream_max_open=max(counts) + 10)
    anchor = _anchor(engine, customer)
    out = []
    with serve(create_app(settings, engine=engine)) as base:
        profile_url = f"{base}/v1/customers/{customer}"
        for count in counts:
            baseline = _latency(profile_url, headers)  # just before: the machine is shared
            listeners = [
                Listener(f"{base}/v1/customers/{customer}/stream", headers).start()
                for _ in range(max(count, 1))
            ]
            try:
                loaded = _latency(profile_url, headers) if count else baseline
                delays = []
                for n in range(events):
                    time.sleep(random.uniform(0, 0.25))  # post at any phase of the polls
                    body = {
                        "id": f"bench-{count}-{n}",
                        "type": "custom.bench",
                        "occurred_at": "2026-03-02T08:00:00Z",
                        "source": "bench",
                        "identifiers": [anchor],
                        "data": {},
                    }
                    posted = time.monotonic()
                    httpx.post(f"{base}/v1/events", json=body, headers=headers).raise_for_status()
                    arrived, _ = listeners[0].next(timeout=10)
                    delays.append(arrived - posted)
                    for other in listeners[1:]:
                        other.next(timeout=10)
                out.append(
                    {
                        "open_streams": count,
                        "profile_get_ratio": round(loaded / baseline, 3),
                        "delivery_measured_on": len(listeners),
                        "delivery_ms_median": round(statistics.median(delays) * 1000, 1),
                        "delivery_ms_max": round(max(delays) * 1000, 1),
                    }
                )
            finally:
                for listener in listeners:
                    listener.stop()
    return out


def _anchor(engine: Any, customer: str) -> dict[str, str]:
    members = engine.store.read(lambda tx: tx.members([customer]))
    key = sorted(members)[0]
    kind, value = key.split(":", 1)
    return {"kind": kind, "value": value}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--streams", default="0,25,100")
    parser.add_argument("--events", type=int, default=20)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    random.seed(7)
    with tempfile.TemporaryDirectory() as tmp:
        engine = build_engine(Settings(store_url=f"sqlite:///{tmp}/b.db", default_region="TW"))
        load_demo(engine, args.people, 7)
        everyone = [c for batch in engine.store.scan_customers(1000) for c in batch]
        largest = [c.id for c in sorted(everyone, key=lambda c: (-c.size, c.id))[:20]]
        result = {
            "people": args.people,
            "context": context_costs(engine, largest),
            "streams": stream_costs(
                engine, largest[0], [int(n) for n in args.streams.split(",")], args.events
            ),
        }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "agents.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
