"""Ingest benchmark: the engine on SQLite against a bare stitcher, in the same run.

    PYTHONPATH=. python bench/ingest.py [--sizes 20000,500000] [--batch 1000]
    PYTHONPATH=. python bench/ingest.py --people 1000000 --out ingest-1m.json
    PYTHONPATH=. python bench/ingest.py --sizes 20000 --arcadedb --out ingest-arcadedb.json

The bare baseline does what the simplest correct stitcher must: normalise identifiers with
the same normaliser, union-find in memory, and write identifiers, observations and the
identifier-to-root map with ``executemany`` into SQLite, one commit per batch. It has no
merge policy, no link evidence, no audit, no idempotency. The engine is the real use case
(``app.services.stitching.stitch``) on the real SQLite store. Both read the same generated
observations, in the same shuffled order, into fresh database files.

The input is generated once per size, in a process of its own, and written to a JSON Lines
file; every contender then streams it batch by batch, so the benchmark's own data never
weighs on a contender's memory. Each contender runs in a fresh process (``spawn``) that
reports its peak resident memory (the kernel's ``VmHWM``: anonymous memory plus the pages of
the mapped database file), its anonymous share, and its resident memory as the store grows.

The per-batch rate of the main run mixes two effects: the store grows, and later records
more often belong to people already seen (more merges, fewer fresh customers). Probes
separate them: after 10 %, 40 %, 70 % and 100 % of the batches, 5,000 records (a tenth of
a smaller run) of people never seen before, the same mix each time, are fed and timed
apart. Flat probe rates mean cost does not grow with the store.

Graph legs (small sizes only, ``--graph-max``): ``--arcadedb`` runs the same input through
the Neo4j adapter (``app.store.neo4j``) against a throwaway ArcadeDB server speaking Bolt
(``tests/support/arcadedb_server.py``: Bolt compatibility, not Neo4j parity); with
``C360_BENCH_NEO4J_URI`` set (and ``C360_NEO4J_USER``, ``C360_NEO4J_PASSWORD``,
``C360_NEO4J_DATABASE``) it also runs against that Neo4j after emptying its database. Each is
reported as a ratio to the SQLite engine on the same input in the same run.

Results: bench/results/ingest.json (or ``--out``) and markdown tables on stdout; with
``--progress FILE`` every leg also appends its checkpoints to FILE as it goes.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import os
import platform
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import orjson

from app.demo.channels import generate_observations
from app.engine import Engine
from app.runtime import tune_gc
from app.services.demo import raw_observation
from app.services.stitching import stitch
from app.store.protocol import Store
from app.store.sqlite.store import SqliteStore
from resolvers.errors import InvalidIdentifier
from resolvers.identity.normalise import Normaliser
from resolvers.identity.observations import RawObservation
from resolvers.identity.policy import load_policy

RESULTS = Path(__file__).parent / "results"
PROBE_SIZE = 5000  # records of fresh people per probe (a tenth of a smaller run)
PROBE_SHARES = (0.1, 0.4, 0.7, 1.0)  # probes after these shares of the batches
PROGRESS_EVERY = 50  # batches between progress lines and resident-memory curve points
MIB = 1024 * 1024


# -- memory -----------------------------------------------------------------------------------

_STATUS_FIELDS = ("VmHWM", "VmRSS", "RssAnon", "RssFile")


def process_memory(pid: int | str = "self") -> dict[str, float]:
    """Resident memory of a process in MiB: peak (``VmHWM``), now, and its anonymous and
    file-backed parts, from ``/proc/<pid>/status`` (Linux).

    ``VmHWM`` belongs to the process's own address space, so a spawned child's peak does not
    include its parent's (``ru_maxrss`` may: Linux carries it across ``exec``). Elsewhere only
    the peak is known, from ``getrusage``.
    """
    try:
        text = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        if pid != "self":
            return {}
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return {"VmHWM": round(peak / (MIB if sys.platform == "darwin" else 1024), 1)}
    out = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key in _STATUS_FIELDS:
            out[key] = round(int(value.split()[0]) / 1024, 1)  # reported in kB
    return out


# -- contenders -------------------------------------------------------------------------------


class BareStitcher:
    """Normalise, union-find in memory, executemany: the floor any stitcher must pay."""

    def __init__(self, path: str, normaliser: Normaliser) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "cache_size = -262144"):
            self.conn.execute(f"PRAGMA {pragma}")
        self.conn.execute("CREATE TABLE identifiers (key TEXT PRIMARY KEY, root TEXT NOT NULL)")
        self.conn.execute("CREATE TABLE observations (id TEXT PRIMARY KEY, body TEXT NOT NULL)")
        self.normaliser = normaliser
        self.parent: dict[str, str] = {}

    def find(self, key: str) -> str:
        parent = self.parent
        parent.setdefault(key, key)
        root = key
        while parent[root] != root:
            root = parent[root]
        while parent[key] != root:
            parent[key], key = root, parent[key]
        return root

    def ingest(self, batch: Sequence[RawObservation]) -> None:
        touched: set[str] = set()
        rows = []
        for raw in batch:
            keys: list[str] = []
            for item in raw.identifiers:
                try:
                    out = self.normaliser.normalise(item.kind, item.value)
                except InvalidIdentifier:
                    continue
                keys.extend(n.identifier.key for n in out or ())
            for a, b in itertools.pairwise(keys):
                ra, rb = self.find(a), self.find(b)
                if ra != rb:
                    self.parent[max(ra, rb)] = min(ra, rb)
            touched.update(keys)
            rows.append((raw.id, json.dumps(keys)))
        self.conn.execute("BEGIN")
        self.conn.executemany("INSERT OR IGNORE INTO observations VALUES (?, ?)", rows)
        self.conn.executemany(
            "INSERT INTO identifiers VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET root = excluded.root",
            [(k, self.find(k)) for k in touched],
        )
        self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()


@dataclass(frozen=True, slots=True)
class GraphTarget:
    """A Bolt server for the Neo4j adapter: ArcadeDB started here, or a Neo4j from the env."""

    server: str  # "arcadedb <version>" or "neo4j"
    uri: str
    user: str
    password: str
    database: str


# -- input ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Input:
    """One size's generated observations as JSON Lines files, in the order they are fed."""

    people: int
    observations: int
    path: Path
    probes: tuple[Path, ...]  # one file per probe, after PROBE_SHARES of the batches
    seconds: float  # to generate and write
    memory: dict[str, float]  # of the generating process (not a contender's)


def write_input(people: int, limit: int | None, workdir: Path) -> Input:
    """Generate ``people`` people's observations (the first ``limit``) and the probes.

    Runs in a process of its own: the generator holds its whole world in memory.
    """
    t = time.perf_counter()
    generated = generate_observations(people, seed=11)
    if limit is not None:
        del generated[limit:]
    path = workdir / f"input-{people}-{len(generated)}.jsonl"
    _write_bodies(path, (g.body for g in generated))
    observations = len(generated)
    del generated
    size = min(PROBE_SIZE, observations // 10)
    probes = []
    for n in range(len(PROBE_SHARES)):
        fresh = generate_observations(size * 10 // 45 + 10, seed=1000 + n)[:size]
        probe = workdir / f"probe{n}-{observations}.jsonl"
        _write_bodies(probe, ({**g.body, "id": f"probe{n}-{g.body['id']}"} for g in fresh))
        probes.append(probe)
    return Input(
        people=people,
        observations=observations,
        path=path,
        probes=tuple(probes),
        seconds=round(time.perf_counter() - t, 1),
        memory=process_memory(),
    )


def _write_bodies(path: Path, bodies: Iterable[dict[str, Any]]) -> None:
    with path.open("wb") as out:
        for body in bodies:
            out.write(orjson.dumps(body))
            out.write(b"\n")


def read_batches(path: Path, batch: int) -> Iterator[list[RawObservation]]:
    """The file's observations in batches, read as they are needed."""
    chunk: list[RawObservation] = []
    with path.open("rb") as lines:
        for line in lines:
            chunk.append(raw_observation(orjson.loads(line)))
            if len(chunk) == batch:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


def probe_points(batches: int) -> list[int]:
    """The batch index after which each probe is fed."""
    return [max(0, round(batches * share) - 1) for share in PROBE_SHARES]


# -- one contender, in a process of its own ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class Leg:
    """What one contender process needs: which contender, the input and where to write."""

    label: str  # "baseline", "engine" (SQLite), "graph"
    input: Input
    batch: int
    workdir: Path
    policy_text: str | None
    graph: GraphTarget | None = None
    progress: Path | None = None  # JSON Lines of checkpoints, for runs cut short


def run_leg(leg: Leg) -> dict[str, Any]:
    """Feed the input to one contender in this (fresh) process; rates and memory."""
    batches = -(-leg.input.observations // leg.batch)
    probes = {
        at: list(read_batches(path, leg.batch))
        for at, path in zip(probe_points(batches), leg.input.probes, strict=True)
    }
    policy = load_policy(leg.policy_text)
    normaliser = Normaliser(policy, "TW")
    ingest: Callable[[list[RawObservation]], object]
    close: Callable[[], None]
    counts: Callable[[], dict[str, int]] = dict
    if leg.label == "baseline":
        bare = BareStitcher(str(leg.workdir / f"bare-{leg.input.observations}.db"), normaliser)
        ingest, close = bare.ingest, bare.close
    else:
        store = _open_store(leg)
        engine = Engine(store, policy, normaliser)
        ingest, close, counts = (lambda b: stitch(engine, b, "bench")), store.close, store.counts
    # As `c360 import` does: what start-up built (modules, policy, probes) out of the
    # collector's sight, and its thresholds (app/runtime.py).
    tune_gc()
    before = process_memory()
    log = Progress(leg.progress, leg.label, leg.input.observations)
    result = feed(leg.label, read_batches(leg.input.path, leg.batch), ingest, probes, log)
    result["store"] = counts()
    close()
    result["memory"] = {"before_mib": before, **result["memory"], "end_mib": process_memory()}
    return result


def _open_store(leg: Leg) -> Store:
    if leg.graph is None:
        return SqliteStore(str(leg.workdir / f"engine-{leg.input.observations}.db"))
    from app.store.neo4j.store import Neo4jStore

    g = leg.graph
    return Neo4jStore.connect(g.uri, g.user, g.password, g.database, startup_timeout_s=60)


def feed(
    label: str,
    batches: Iterable[list[RawObservation]],
    ingest: Callable[[list[RawObservation]], object],
    probes: dict[int, list[list[RawObservation]]],
    log: Progress | None = None,
) -> dict[str, Any]:
    """Feed every batch; per-batch rates show whether cost grows with the store.

    ``probes`` maps a batch index to a probe: fresh people's records (the same mix at every
    checkpoint) fed after that batch and timed apart, so that their rates compare stores of
    different sizes on the same kind of work. The overall rate leaves the probes out. Only
    ``ingest`` is timed, not reading the input.
    """
    gc.collect()
    rates = []
    probe_rates = []
    curve = []  # (observations stored, resident MiB, anonymous MiB)
    peak_anon = 0.0
    elapsed = 0.0
    done = 0
    stored = 0  # observations in the store, the probes' included
    for i, batch in enumerate(batches):
        t = time.perf_counter()
        ingest(batch)
        took = time.perf_counter() - t
        elapsed += took
        rates.append(len(batch) / took)
        done += len(batch)
        stored += len(batch)
        memory = process_memory()
        peak_anon = max(peak_anon, memory.get("RssAnon", 0.0))
        if i % PROGRESS_EVERY == 0:
            curve.append([stored, memory.get("VmRSS"), memory.get("RssAnon")])
            if log is not None:
                log.write(stored=stored, seconds=round(elapsed, 2), rate=round(rates[-1]), **memory)
            print(
                f"  {label}: {done:,} observations, {rates[-1]:,.0f}/s, "
                f"rss {memory.get('VmRSS', 0):,.0f} MiB (anon {memory.get('RssAnon', 0):,.0f})",
                file=sys.stderr,
                flush=True,
            )
        if i in probes:
            probe = probes[i]
            t = time.perf_counter()
            for part in probe:
                ingest(part)
            size = sum(len(p) for p in probe)
            rate = size / (time.perf_counter() - t)
            probe_rates.append({"store_observations": stored, "rate": round(rate)})
            if log is not None:
                log.write(probe_at=stored, rate=round(rate))
            print(f"  {label}: probe at {stored:,}: {rate:,.0f}/s", file=sys.stderr, flush=True)
            stored += size
    memory = process_memory()
    curve.append([stored, memory.get("VmRSS"), memory.get("RssAnon")])
    tenth = max(1, len(rates) // 10)
    return {
        "observations": done,
        "seconds": round(elapsed, 2),
        "rate": round(done / elapsed),
        "first_tenth_rate": round(statistics.median(rates[:tenth])),
        "last_tenth_rate": round(statistics.median(rates[-tenth:])),
        "probes": probe_rates,
        "memory": {
            "peak_rss_mib": memory.get("VmHWM"),
            "peak_anon_mib_sampled": peak_anon,  # after every batch; the kernel keeps no peak
            "curve": curve,
        },
    }


class Progress:
    """Checkpoints of one leg appended to a JSON Lines file as they happen (or nowhere), so
    that a run stopped before its end still leaves its rates and memory curve."""

    def __init__(self, path: Path | None, label: str, observations: int) -> None:
        self.path = path
        self.head = {"leg": label, "run_observations": observations}

    def write(self, **fields: Any) -> None:
        if self.path is not None:
            with self.path.open("ab") as out:
                out.write(orjson.dumps({**self.head, **fields}) + b"\n")


def in_own_process(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` in a fresh interpreter (spawn), so its memory is its own."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


# -- graph servers ----------------------------------------------------------------------------


def neo4j_from_env() -> GraphTarget | None:
    """The Neo4j named by ``C360_BENCH_NEO4J_URI`` (as bench/api_load.py), emptied first."""
    uri = os.environ.get("C360_BENCH_NEO4J_URI")
    if not uri:
        return None
    from neo4j import GraphDatabase

    target = GraphTarget(
        server="neo4j",
        uri=uri,
        user=os.environ.get("C360_NEO4J_USER", "neo4j"),
        password=os.environ["C360_NEO4J_PASSWORD"],
        database=os.environ.get("C360_NEO4J_DATABASE", "neo4j"),
    )
    with GraphDatabase.driver(uri, auth=(target.user, target.password)) as driver:
        driver.execute_query(
            "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS",
            database_=target.database,
        )
    return target


def graph_legs(base: Leg, arcadedb: bool) -> list[dict[str, Any]]:
    """The Neo4j adapter over ArcadeDB (``--arcadedb``) and over Neo4j (from the env)."""
    out = []
    if arcadedb:
        from tests.support.arcadedb_server import ArcadeDBServer, locate_runtime

        with ArcadeDBServer(heap="2g") as server:
            target = GraphTarget(
                server=f"arcadedb {locate_runtime().version}",
                uri=server.bolt_uri,
                user=server.user,
                password=server.password,
                database=server.database,
            )
            result = in_own_process(run_leg, _with_graph(base, target))
            result["server"] = target.server
            result["server_memory_mib"] = process_memory(server.pid or 0)
            out.append(result)
    neo4j = neo4j_from_env()
    if neo4j is not None:
        result = in_own_process(run_leg, _with_graph(base, neo4j))
        result["server"] = neo4j.server
        out.append(result)
    return out


def _with_graph(leg: Leg, target: GraphTarget) -> Leg:
    return Leg("graph", leg.input, leg.batch, leg.workdir, leg.policy_text, target, leg.progress)


# -- the run ----------------------------------------------------------------------------------


def bench_size(
    people: int,
    limit: int | None,
    args: argparse.Namespace,
    policy_text: str | None,
    workdir: Path,
) -> dict[str, Any]:
    """Every contender over the same generated records: ``people`` people's, first ``limit``."""
    print(f"generating {people:,} people's observations", file=sys.stderr, flush=True)
    data = in_own_process(write_input, people, limit, workdir)
    print(
        f"  {data.observations:,} observations in {data.seconds:,.0f} s, generator peak "
        f"{data.memory.get('VmHWM', 0):,.0f} MiB",
        file=sys.stderr,
        flush=True,
    )
    out: dict[str, Any] = {
        "people": people,
        "observations": data.observations,
        "batch": args.batch,
        "input": {"seconds": data.seconds, "generator_memory_mib": data.memory},
    }
    for label in args.legs.split(","):
        leg = Leg(label, data, args.batch, workdir, policy_text, progress=args.progress)
        out[label] = in_own_process(run_leg, leg)
    if "baseline" in out and "engine" in out:
        out["engine_over_baseline"] = round(out["engine"]["rate"] / out["baseline"]["rate"], 3)
    wants_graph = args.arcadedb or os.environ.get("C360_BENCH_NEO4J_URI")
    if wants_graph and data.observations > args.graph_max:
        print(f"  graph legs skipped above {args.graph_max:,} observations", file=sys.stderr)
    elif wants_graph:
        out["graph"] = graph_legs(
            Leg("graph", data, args.batch, workdir, policy_text), args.arcadedb
        )
        if "engine" in out:
            for g in out["graph"]:
                g["over_sqlite_engine"] = round(g["rate"] / out["engine"]["rate"], 3)
    for leftover in (data.path, *data.probes):
        leftover.unlink(missing_ok=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--sizes", default="20000,500000", help="observations per run")
    parser.add_argument(
        "--people", default=None, help="people per run (every observation of each); not --sizes"
    )
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--policy", type=Path, default=None, help="a merge policy file")
    parser.add_argument("--legs", default="baseline,engine", help="SQLite contenders to run")
    parser.add_argument(
        "--arcadedb", action="store_true", help="also the Neo4j adapter on an ArcadeDB server"
    )
    parser.add_argument(
        "--graph-max", type=int, default=100_000, help="largest run with graph legs"
    )
    parser.add_argument("--out", default="ingest.json", help="file name in bench/results/")
    parser.add_argument("--workdir", type=Path, default=None, help="for input and databases")
    parser.add_argument(
        "--progress", type=Path, default=None, help="append checkpoints here (JSON Lines)"
    )
    args = parser.parse_args()
    if not set(args.legs.split(",")) <= {"baseline", "engine"}:
        parser.error("--legs takes baseline and/or engine")
    policy_text = args.policy.read_text(encoding="utf-8") if args.policy else None
    runs: list[tuple[int, int | None]]
    if args.people:
        runs = [(int(p), None) for p in args.people.split(",")]
    else:
        # the generator makes about 4.5 records a person
        runs = [(max(10, int(n) * 10 // 45), int(n)) for n in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="c360-bench-", dir=args.workdir) as tmp:
        results = [bench_size(p, n, args, policy_text, Path(tmp)) for p, n in runs]
    report = {
        "benchmark": "ingest",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["bench/ingest.py", *sys.argv[1:]]),
        "machine": {
            "python": platform.python_version(),
            "cpus": _cpus(),
            "platform": platform.platform(),
            "memory_mib": _machine_memory(),
        },
        "sqlite": sqlite3.sqlite_version,
        "results": results,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / args.out).write_text(json.dumps(report, indent=2) + "\n")
    print_tables(results)


def print_tables(results: Sequence[dict[str, Any]]) -> None:
    """The report as markdown tables."""
    legs = [leg for leg in ("baseline", "engine") if leg in results[0]]
    print(
        "| observations | "
        + " | ".join(f"{leg} obs/s | {leg} peak RSS MiB" for leg in legs)
        + " | engine / baseline | engine first → last tenth |"
    )
    print("|---:|" + "---:|---:|" * len(legs) + "---:|---|")
    for r in results:
        cells = [f"{r[leg]['rate']:,} | {r[leg]['memory']['peak_rss_mib']:,.0f}" for leg in legs]
        ratio = f"{r['engine_over_baseline']:.2f}" if "engine_over_baseline" in r else "—"
        tenths = (
            f"{r['engine']['first_tenth_rate']:,} → {r['engine']['last_tenth_rate']:,}"
            if "engine" in r
            else "—"
        )
        print(f"| {r['observations']:,} | {' | '.join(cells)} | {ratio} | {tenths} |")
    print()
    print(
        "| observations | store size at probe | "
        + " | ".join(f"{leg} probe obs/s" for leg in legs)
        + " |"
    )
    print("|---:|---:|" + "---:|" * len(legs))
    for r in results:
        for row in zip(*(r[leg]["probes"] for leg in legs), strict=True):
            rates = " | ".join(f"{p['rate']:,}" for p in row)
            print(f"| {r['observations']:,} | {row[-1]['store_observations']:,} | {rates} |")
    graphs = [(r, g) for r in results for g in r.get("graph", [])]
    if graphs:
        print()
        print("| observations | server | adapter obs/s | SQLite engine obs/s | adapter / SQLite |")
        print("|---:|---|---:|---:|---:|")
        for r, g in graphs:
            engine = f"{r['engine']['rate']:,}" if "engine" in r else "—"
            ratio = f"{g['over_sqlite_engine']:.3f}" if "over_sqlite_engine" in g else "—"
            print(f"| {r['observations']:,} | {g['server']} | {g['rate']:,} | {engine} | {ratio} |")


def _cpus() -> int:
    return (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    )


def _machine_memory() -> int | None:
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        return None
    return pages * size // MIB


if __name__ == "__main__":
    main()
