"""HTTP benchmark: ``c360 serve`` under load from a second process, at two store sizes.

    PYTHONPATH=. python bench/api_load.py [--sizes 10000,1000000] [--workers 2] [--threads 4]

For each store size (identifiers) the script fills a fresh SQLite store in-process with the
demo generator's observations (and the events of a few thousand of those people, plus one
"big" customer with 5,000 events), starts ``c360 serve`` as a subprocess on a free loopback
port, and drives it from this process — the load generator — with ``httpx`` clients on
``--threads`` threads. It measures, over HTTP, what channels and support tools do:

- stitch: new observations in batches of 1,000, and one at a time;
- events: new events in batches of 1,000;
- resolve: 1,000 identifiers in one request;
- profile by identifier; profile, first timeline page and context of an ordinary and of
  the big customer.

Write phases run ``--threads`` clients at once and report throughput (items per second over
the phase) with per-request latencies; read phases run one client, so their p50 and p99
are the service's latency rather than time spent queueing behind other requests.
The bare ceiling is measured in the same run: the stitch phase's observations fed in-process,
in the same batches of 1,000, to the bare stitcher of ``bench/ingest.py`` (normalise,
union-find, ``executemany`` into a fresh SQLite file); ``stitch_over_bare`` is the HTTP
stitch rate over it. The bare stitcher also stitches them into a store first filled with
the served store's observations (``stitch_over_bare_filled``): at 1 M identifiers the
served store is large and a fresh file is not, and both figures are reported.
Results: bench/results/api_load.json (``--out NAME`` for another name in that folder) and
markdown tables on stdout. With
``C360_BENCH_NEO4J_URI`` set (and ``C360_NEO4J_USER``/``C360_NEO4J_PASSWORD``), the same
phases run against that Neo4j database too (it is wiped first: use a scratch database).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from app.demo.channels import GeneratedObservation, generate_observations
from app.demo.events import generate_events, vip_of
from app.engine import build_engine
from app.services.demo import raw_observation
from app.services.events import record_events
from app.services.keys import SCOPES, create_key
from app.services.stitching import stitch
from app.settings import Settings

RESULTS = Path(__file__).parent / "results"
ROOT = Path(__file__).resolve().parents[1]
IDENTIFIERS_PER_PERSON = 3.45  # what the demo generator yields, measured
EVENT_PEOPLE = 3000  # people whose events are loaded, whatever the store size
BIG_EVENTS = 5000
NOW = datetime(2026, 11, 1, tzinfo=UTC)
START = NOW - timedelta(days=730)


@dataclass
class Phase:
    """One measured phase: items per second and request latencies in milliseconds."""

    name: str
    requests: int
    items: int
    seconds: float
    rate: float
    p50_ms: float
    p99_ms: float


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def fill(settings: Settings, people: int, seed: int) -> dict[str, Any]:
    """Fill a fresh store: observations of ``people``, events of the first few thousand."""
    engine = build_engine(settings)
    generated = generate_observations(people, seed=seed, start=START, days=700)
    started = time.perf_counter()
    for i in range(0, len(generated), 5000):
        stitch(engine, [raw_observation(g.body) for g in generated[i : i + 5000]], "bench fill")
        print(f"  fill: {min(i + 5000, len(generated)):,}/{len(generated):,}", file=sys.stderr)
    with_events = [g for g in generated if _person(g) < EVENT_PEOPLE]
    events = generate_events(with_events, seed=seed, start=START, now=NOW, vip_events=BIG_EVENTS)
    for i in range(0, len(events), 5000):
        record_events(engine, events[i : i + 5000], "bench fill")
    vip = vip_of(with_events)
    big_key = ordinary_key = None
    ordinary_keys: list[str] = []
    for g in with_events:
        first = g.body["identifiers"][0]
        key = f"{first['kind']}:{first['value']}"
        if g.person_id == vip and big_key is None:
            big_key = key
        elif g.person_id != vip:
            ordinary_keys.append(key)
    ordinary_key = ordinary_keys[len(ordinary_keys) // 2]
    sample = [
        {"kind": i["kind"], "value": i["value"]}
        for g in random.Random(seed).sample(generated, min(len(generated), 5000))
        for i in g.body["identifiers"][:1]
    ]
    secret = create_key(engine, "bench", SCOPES).secret
    counts = engine.store.counts()
    engine.store.close()
    return {
        "counts": counts,
        "fill_seconds": round(time.perf_counter() - started, 1),
        "key": secret,
        "big": big_key,
        "ordinary": ordinary_key,
        "identifiers": sample,
        "events": len(events),
    }


def _person(g: GeneratedObservation) -> int:
    return int(g.person_id.lstrip("P"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serving(env: dict[str, str], workers: int, log: Path) -> Iterator[str]:
    """``c360 serve`` in a subprocess until the block ends; yields its base URL."""
    port = free_port()
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "app.cli",
                "serve",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                        break
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"c360 serve did not start; see {log}")
                time.sleep(0.3)
            time.sleep(2)  # let every worker finish starting
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def drive(
    name: str,
    url: str,
    key: str,
    requests: Sequence[tuple[str, str, Any, int]],
    threads: int,
) -> Phase:
    """Send (method, path, body-or-params, items) requests from ``threads`` clients."""
    headers = {"Authorization": f"Bearer {key}"}
    latencies: list[float] = []
    clients = [httpx.Client(base_url=url, headers=headers, timeout=300) for _ in range(threads)]

    def one(index: int) -> float:
        method, path, payload, _ = requests[index]
        client = clients[index % threads]
        t = time.perf_counter()
        if method == "GET":
            response = client.get(path, params=payload)
        else:
            response = client.post(path, json=payload)
        elapsed = time.perf_counter() - t
        if response.status_code != 200:
            raise RuntimeError(f"{name}: {method} {path} → {response.status_code} {response.text}")
        return elapsed

    # warm every worker and connection first
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, range(min(threads * 2, len(requests)))))
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        latencies = list(pool.map(one, range(len(requests))))
    seconds = time.perf_counter() - started
    for client in clients:
        client.close()
    items = sum(r[3] for r in requests)
    ms = [x * 1000 for x in latencies]
    return Phase(
        name=name,
        requests=len(requests),
        items=items,
        seconds=round(seconds, 2),
        rate=round(items / seconds, 1),
        p50_ms=round(statistics.median(ms), 1),
        p99_ms=round(percentile(ms, 0.99), 1),
    )


def new_observations(count: int, seed: int) -> list[dict[str, Any]]:
    """Observations of people the store has never seen (their own seed and id prefix)."""
    generated = generate_observations(count // 4 + 10, seed=seed, start=START, days=700)
    bodies = []
    for g in generated[:count]:
        body = dict(g.body)
        body["id"] = f"new{seed}-{body['id']}"
        bodies.append(body)
    return bodies


def new_events(count: int, seed: int) -> list[dict[str, Any]]:
    generated = generate_observations(400, seed=seed, start=START, days=700)
    events = generate_events(generated, seed=seed, start=START, now=NOW)[:count]
    return [
        {
            "id": f"new{seed}-{e.id}",
            "type": e.type,
            "occurred_at": e.occurred_at.isoformat(),
            "source": e.source,
            "identifiers": [{"kind": i.kind, "value": i.value} for i in e.identifiers],
            "data": dict(e.data),
        }
        for e in events
    ]


STITCH_SEED = 100  # the stitch phase's observations: new_observations(20_000, seed + this)


def bare_ceiling(seed: int, workdir: Path, fill_people: int = 0, fill_seed: int = 0) -> float:
    """The bare stitcher's rate (obs/s) over the stitch phase's observations, in-process:
    into a fresh file, or (``fill_people``) one first filled, untimed, with the observations
    the served store was filled with, so that both stitch into a store of the same size."""
    sys.path.insert(0, str(Path(__file__).parent))
    from ingest import BareStitcher

    from resolvers.identity.normalise import Normaliser
    from resolvers.identity.policy import load_policy

    raws = [raw_observation(b) for b in new_observations(20_000, seed + STITCH_SEED)]
    # a fresh file every time: a run of several sizes measures the ceiling once per size
    path = workdir / f"bare-{seed}-{time.monotonic_ns()}.db"
    bare = BareStitcher(str(path), Normaliser(load_policy(None), "TW"))
    if fill_people:
        generated = generate_observations(fill_people, seed=fill_seed, start=START, days=700)
        for i in range(0, len(generated), 5000):
            bare.ingest([raw_observation(g.body) for g in generated[i : i + 5000]])
        del generated
        gc.collect()
    started = time.perf_counter()
    for i in range(0, len(raws), 1000):
        bare.ingest(raws[i : i + 1000])
    rate = len(raws) / (time.perf_counter() - started)
    bare.conn.close()
    path.unlink(missing_ok=True)
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return rate


def phases(url: str, filled: dict[str, Any], threads: int, seed: int) -> list[Phase]:
    key = filled["key"]
    out: list[Phase] = []
    batches = new_observations(20_000, seed + STITCH_SEED)
    out.append(
        drive(
            "stitch, batches of 1,000",
            url,
            key,
            [
                ("POST", "/v1/observations/batch", {"observations": batches[i : i + 1000]}, 1000)
                for i in range(0, len(batches), 1000)
            ],
            threads,
        )
    )
    singles = new_observations(2000, seed + 200)
    out.append(
        drive(
            "stitch, one observation",
            url,
            key,
            [("POST", "/v1/observations", body, 1) for body in singles],
            threads,
        )
    )
    events = new_events(20_000, seed + 300)
    out.append(
        drive(
            "events, batches of 1,000",
            url,
            key,
            [
                ("POST", "/v1/events/batch", {"events": events[i : i + 1000]}, 1000)
                for i in range(0, len(events), 1000)
            ],
            threads,
        )
    )
    identifiers = filled["identifiers"]
    rng = random.Random(seed)
    resolve = [
        ("POST", "/v1/resolve", {"identifiers": rng.sample(identifiers, 1000)}, 1000)
        for _ in range(60)
    ]
    # latency phases: one client, so a percentile is the service's, not a queue's
    out.append(drive("resolve 1,000 identifiers", url, key, resolve, 1))
    # what still belongs to a customer after the writes above (new records can make a value
    # generic, and a generic value belongs to no customer)
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}) as client:
        answer = client.post("/v1/resolve", json={"identifiers": identifiers[:1000]})
        answer.raise_for_status()
    known = [
        i for i, r in zip(identifiers, answer.json()["results"], strict=False) if r["customer_id"]
    ]
    by_identifier = [
        ("GET", "/v1/customers/by-identifier", known[i % len(known)], 1) for i in range(1000)
    ]
    out.append(drive("profile by identifier", url, key, by_identifier, 1))
    for label, ident_key in (("ordinary", filled["ordinary"]), ("big", filled["big"])):
        kind, _, value = ident_key.partition(":")
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}) as client:
            found = client.get("/v1/customers/by-identifier", params={"kind": kind, "value": value})
            found.raise_for_status()
            customer = found.json()["customer_id"]
        for what, path in (
            ("profile", f"/v1/customers/{customer}"),
            ("timeline page", f"/v1/customers/{customer}/timeline"),
            ("context", f"/v1/customers/{customer}/context"),
        ):
            out.append(
                drive(
                    f"{what}, {label} customer",
                    url,
                    key,
                    [("GET", path, {}, 1)] * 400,
                    1,
                )
            )
    return out


def bench_store(
    store: str,
    store_url: str,
    identifiers: int,
    workers: int,
    threads: int,
    workdir: Path,
    policy: Path | None = None,
) -> dict[str, Any]:
    """Fill a store of about ``identifiers`` identifiers, serve it, measure every phase."""
    people = max(EVENT_PEOPLE + 10, round(identifiers / IDENTIFIERS_PER_PERSON))
    env = {
        k: v
        for k, v in os.environ.items()
        if k.startswith("C360_NEO4J_") or not k.startswith("C360_")
    }
    env.update(
        C360_STORE_URL=store_url,
        C360_DEFAULT_REGION="TW",
        C360_LOG_LEVEL="warning",
        PYTHONPATH=str(ROOT),
    )
    if policy is not None:  # the same policy for the fill and the server
        env["C360_POLICY_FILE"] = str(policy.resolve())
    settings = Settings(store_url=store_url, default_region="TW", policy_file=policy)
    print(f"{store}: filling {identifiers:,} identifiers ({people:,} people)", file=sys.stderr)
    gc.collect()
    filled = fill(settings, people, seed=identifiers % 997)
    gc.collect()
    with serving(env, workers, workdir / f"serve-{store}-{identifiers}.log") as url:
        measured = phases(url, filled, threads, seed=7)
    bare = bare_ceiling(7, workdir)
    bare_filled = bare_ceiling(7, workdir, people, identifiers % 997)
    stitched = next(p for p in measured if p.name == "stitch, batches of 1,000")
    print(
        f"{store}: stitch over HTTP {stitched.rate:,.0f}/s, bare ceiling {bare:,.0f}/s: "
        f"{stitched.rate / bare:.2f}; on a bare store of the same fill {bare_filled:,.0f}/s: "
        f"{stitched.rate / bare_filled:.2f}",
        file=sys.stderr,
    )
    return {
        "store": store,
        "target_identifiers": identifiers,
        "counts": filled["counts"],
        "fill_seconds": filled["fill_seconds"],
        "big_customer_events": BIG_EVENTS,
        "phases": [asdict(p) for p in measured],
        "bare_stitch_rate": round(bare),
        "stitch_over_bare": round(stitched.rate / bare, 3),
        "bare_filled_stitch_rate": round(bare_filled),
        "stitch_over_bare_filled": round(stitched.rate / bare_filled, 3),
    }


def wipe_neo4j(uri: str) -> None:
    """Empty the bench database (the run needs a fresh graph)."""
    from neo4j import GraphDatabase

    auth = (os.environ.get("C360_NEO4J_USER", "neo4j"), os.environ["C360_NEO4J_PASSWORD"])
    database = os.environ.get("C360_NEO4J_DATABASE", "neo4j")
    with GraphDatabase.driver(uri, auth=auth) as driver:
        driver.execute_query(
            "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS",
            database_=database,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--sizes", default="10000,1000000", help="store sizes in identifiers")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--policy", type=Path, default=None, help="a merge policy file for fill and server"
    )
    parser.add_argument("--neo4j-sizes", default="10000", help="store sizes on Neo4j")
    parser.add_argument("--out", default="api_load.json", help="file name in bench/results")
    args = parser.parse_args()
    runs: list[dict[str, Any]] = []
    neo4j_uri = os.environ.get("C360_BENCH_NEO4J_URI")
    with tempfile.TemporaryDirectory(prefix="c360-bench-http-") as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            url = f"sqlite:///{Path(tmp) / f'c360-{size}.db'}"
            runs.append(
                bench_store("sqlite", url, size, args.workers, args.threads, Path(tmp), args.policy)
            )
        if neo4j_uri:
            for size in (int(s) for s in args.neo4j_sizes.split(",")):
                wipe_neo4j(neo4j_uri)
                runs.append(
                    bench_store("neo4j", neo4j_uri, size, args.workers, args.threads, Path(tmp))
                )
        else:
            print("C360_BENCH_NEO4J_URI unset: the Neo4j runs are skipped", file=sys.stderr)
    report = {
        "benchmark": "api_load",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "cpus": len(os.sched_getaffinity(0)),
            "platform": platform.platform(),
        },
        "workers": args.workers,
        "client_threads": args.threads,
        "policy": str(args.policy) if args.policy else "default",
        "runs": runs,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / args.out).write_text(json.dumps(report, indent=2) + "\n")
    print(table(runs))


def table(runs: list[dict[str, Any]]) -> str:
    head = "| phase | " + " | ".join(
        f"{r['store']}, {r['counts']['identifiers']:,} identifiers: rate/s, p50, p99 ms"
        for r in runs
    )
    lines = [head + " |", "|---" * (len(runs) + 1) + "|"]
    names = [p["name"] for p in runs[0]["phases"]]
    for i, name in enumerate(names):
        cells = [
            f"{r['phases'][i]['rate']:,.0f}, {r['phases'][i]['p50_ms']}, {r['phases'][i]['p99_ms']}"
            for r in runs
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    cells = [f"{r['bare_stitch_rate']:,}, ratio {r['stitch_over_bare']:.2f}" for r in runs]
    lines.append("| bare stitcher in-process (same batches): rate/s, HTTP stitch / bare | ")
    lines[-1] += " | ".join(cells) + " |"
    cells = [
        f"{r['bare_filled_stitch_rate']:,}, ratio {r['stitch_over_bare_filled']:.2f}" for r in runs
    ]
    lines.append("| … into a bare store of the same fill: rate/s, HTTP stitch / bare | ")
    lines[-1] += " | ".join(cells) + " |"
    return "\n".join(lines)


if __name__ == "__main__":
    main()
