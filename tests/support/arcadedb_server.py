"""A throwaway ArcadeDB server (Bolt + Cypher) in a child JVM, for tests and benchmarks.

ArcadeDB speaks Bolt 5.4 and Cypher to the official ``neo4j`` driver, so the graph store's
contract tests can run on machines without Docker or Neo4j. It is *a Bolt-compatible server,
not Neo4j*: see ``docs/arcadedb-compat.md`` for what differs.

The server comes from the ``arcadedb-embedded`` wheel, which bundles the server jars and its own
Java runtime. It runs as a separate process (not in-process through JPype) so the test process
stays clean and the server can always be killed. Everything listens on 127.0.0.1 only, on free
ports, with its files in a private temporary directory that :meth:`ArcadeDBServer.stop` removes.

Usage::

    with ArcadeDBServer(database="identity") as server:
        driver = GraphDatabase.driver(server.bolt_uri, auth=(server.user, server.password))
        ...
        server.wipe()  # between tests

This module must not import pytest: benchmarks use it too.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import importlib.metadata
import importlib.util
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Self

__all__ = [
    "DEFAULT_DATABASE",
    "ArcadeDBError",
    "ArcadeDBRuntime",
    "ArcadeDBServer",
    "ArcadeDBStartError",
    "ArcadeDBUnavailableError",
    "arcadedb_available",
    "locate_runtime",
]

PACKAGE: Final = "arcadedb_embedded"
DISTRIBUTION: Final = "arcadedb-embedded"
MAIN_CLASS: Final = "com.arcadedb.server.ArcadeDBServer"
BOLT_PLUGIN: Final = "Bolt:com.arcadedb.bolt.BoltProtocolPlugin"
DEFAULT_DATABASE: Final = "identity"
ROOT_USER: Final = "root"
LOOPBACK: Final = "127.0.0.1"

_DB_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
_BIND_FAILURE = re.compile(r"BindException|already in use|Unable to listen|busy", re.IGNORECASE)
# A failed start can leave the JVM running (non-daemon threads): detect it in the log.
_FATAL = re.compile(r'Exception in thread "main"|Error starting plugin|Unable to listen')
_START_ATTEMPTS: Final = 3  # a free port can be taken between probing and binding
_HTTP_TIMEOUT: Final = 30.0
_BOLT_GRACE: Final = 5.0  # seconds Bolt may lag behind HTTP during start-up
# Fast wipe for the small graphs tests build: one auto-commit Cypher statement. Indexes and
# uniqueness constraints are schema and survive it (measured in docs/arcadedb-compat.md).
_WIPE_CYPHER: Final = "MATCH (n) DETACH DELETE n"


class ArcadeDBError(RuntimeError):
    """The ArcadeDB server or its HTTP API failed."""


class ArcadeDBUnavailableError(ArcadeDBError):
    """The ``arcadedb-embedded`` package is missing or cannot run here."""


class ArcadeDBStartError(ArcadeDBError):
    """The server process did not come up; the message ends with the tail of its log."""


@dataclass(frozen=True, slots=True)
class ArcadeDBRuntime:
    """Where the installed ``arcadedb-embedded`` wheel keeps its Java runtime and jars."""

    package_dir: Path
    java: Path
    jars_dir: Path
    version: str

    @property
    def classpath(self) -> str:
        """The classpath wildcard the JVM expands itself (no shell involved)."""
        return str(self.jars_dir / "*")


def locate_runtime() -> ArcadeDBRuntime:
    """Find the installed package's bundled ``java`` and jar directory without importing it.

    Importing ``arcadedb_embedded`` would import JPype; only files are needed here.

    Raises:
        ArcadeDBUnavailableError: the package is not installed or is incomplete.
    """
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.origin is None:
        raise ArcadeDBUnavailableError(
            f"Python package {PACKAGE!r} is not installed "
            f"(pip install '{DISTRIBUTION}==26.10.2.post1')"
        )
    package_dir = Path(spec.origin).resolve().parent
    java = package_dir / "jre" / "bin" / ("java.exe" if os.name == "nt" else "java")
    jars_dir = package_dir / "jars"
    if not (java.is_file() and os.access(java, os.X_OK)):
        raise ArcadeDBUnavailableError(f"bundled Java runtime missing or not executable: {java}")
    for pattern in ("arcadedb-server-*.jar", "arcadedb-bolt-*.jar"):
        if not any(jars_dir.glob(pattern)):
            raise ArcadeDBUnavailableError(f"no {pattern} in {jars_dir}")
    try:
        version = importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    return ArcadeDBRuntime(package_dir=package_dir, java=java, jars_dir=jars_dir, version=version)


@cache
def arcadedb_available() -> tuple[bool, str]:
    """Whether an ArcadeDB server can be started here, and if not, why (for skip messages).

    Checks that the package is installed with its jars and that its bundled ``java`` runs
    (about 0.1 s, cached for the process).
    """
    try:
        runtime = locate_runtime()
    except ArcadeDBUnavailableError as exc:
        return False, str(exc)
    try:
        probe = subprocess.run(
            [str(runtime.java), "-version"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"bundled Java runtime {runtime.java} cannot run: {exc}"
    if probe.returncode != 0:
        detail = (probe.stderr or probe.stdout).strip()[-500:]
        return False, f"bundled Java runtime {runtime.java} failed: {detail}"
    return True, f"{DISTRIBUTION} {runtime.version} at {runtime.package_dir}"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


_BOLT_MAGIC: Final = b"\x60\x60\xb0\x17"
# Four version proposals: 5.4 down to 5.0 (range 4), 4.4, then none.
_BOLT_VERSIONS: Final = b"\x00\x04\x04\x05" + b"\x00\x00\x04\x04" + b"\x00" * 8


def _speaks_bolt(port: int) -> bool:
    """Whether a Bolt server answers the handshake on the port (not merely any listener)."""
    try:
        with socket.create_connection((LOOPBACK, port), timeout=1.0) as sock:
            sock.sendall(_BOLT_MAGIC + _BOLT_VERSIONS)
            reply = sock.recv(4)
    except OSError:
        return False
    return len(reply) == 4 and reply != b"\x00\x00\x00\x00"


class ArcadeDBServer:
    """One ArcadeDB server in a child JVM with one database, reachable over Bolt.

    ``start``/``stop`` are serialised by a lock; call the other methods from one thread at a
    time (a pytest session fixture). Drivers of any number of threads may use the server.
    """

    user: Final = ROOT_USER
    #: Above this many nodes :meth:`wipe` recreates the database instead of deleting nodes.
    wipe_delete_limit: int = 500

    def __init__(
        self,
        database: str = DEFAULT_DATABASE,
        *,
        password: str | None = None,
        heap: str = "1g",
        jvm_args: Sequence[str] = (),
        start_timeout: float = 60.0,
        stop_timeout: float = 15.0,
    ) -> None:
        """Configure a server; nothing starts until :meth:`start` (or ``with``).

        Args:
            database: the database created at start-up and used by :meth:`wipe`.
            password: root password; a random one when omitted.
            heap: the JVM's ``-Xmx`` value.
            jvm_args: extra JVM flags, e.g. ``-Darcadedb.…`` settings (appended last, so they win).
            start_timeout: seconds to wait for Bolt and HTTP to accept connections.
            stop_timeout: seconds between SIGTERM and SIGKILL in :meth:`stop`.
        """
        if not _DB_NAME.fullmatch(database):
            raise ValueError(f"invalid database name {database!r}")
        self._database = database
        self._password = password or secrets.token_urlsafe(18)
        self._heap = heap
        self._jvm_args = tuple(jvm_args)
        self._start_timeout = start_timeout
        self._stop_timeout = stop_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._root_dir: Path | None = None
        self._bolt_port = 0
        self._http_port = 0
        self._lock = threading.Lock()

    # -- connection details -------------------------------------------------------------------

    @property
    def bolt_uri(self) -> str:
        """``bolt://127.0.0.1:<port>``; ``neo4j://`` with the same address also works."""
        self._require_running()
        return f"bolt://{LOOPBACK}:{self._bolt_port}"

    @property
    def http_url(self) -> str:
        """Base URL of the HTTP API (``/api/v1/…``)."""
        self._require_running()
        return f"http://{LOOPBACK}:{self._http_port}"

    @property
    def password(self) -> str:
        return self._password

    @property
    def database(self) -> str:
        return self._database

    @property
    def auth(self) -> tuple[str, str]:
        """``(user, password)`` as the ``neo4j`` driver's ``auth=`` takes it."""
        return (self.user, self._password)

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def log_path(self) -> Path | None:
        return None if self._root_dir is None else self._root_dir / "server.log"

    def __repr__(self) -> str:
        state = f"bolt={self._bolt_port} http={self._http_port}" if self.running else "stopped"
        return f"<ArcadeDBServer database={self._database!r} {state}>"

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> Self:
        """Start the JVM, wait for Bolt and HTTP, create the database; returns ``self``.

        Raises:
            ArcadeDBUnavailableError: the package is missing or incomplete.
            ArcadeDBStartError: the server exited or did not listen within ``start_timeout``.
        """
        with self._lock:
            if self._process is not None:
                raise ArcadeDBError("server already started")
            runtime = locate_runtime()
            _LIVE_SERVERS.add(self)
            try:
                self._start_with_retries(runtime)
                self.create_database(self._database)
            except BaseException:
                self._shutdown()
                raise
        return self

    def stop(self) -> None:
        """Terminate the JVM (SIGTERM, then SIGKILL after ``stop_timeout``); remove its files.

        Idempotent; safe to call after a failed start.
        """
        with self._lock:
            self._shutdown()

    def halt(self, *, kill: bool = False) -> None:
        """Stop the JVM but keep its files and ports, so that :meth:`resume` reopens the data.

        ``kill=True`` sends SIGKILL (a crash: no shutdown hook, databases not closed);
        otherwise SIGTERM, then SIGKILL after ``stop_timeout``. :meth:`stop` still removes the
        files, also after a halt.
        """
        with self._lock:
            process, self._process = self._process, None
            if process is None or process.poll() is not None:
                raise ArcadeDBError("server is not running")
            if kill:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                process.wait()
            else:
                _terminate(process, self._stop_timeout)

    def resume(self) -> Self:
        """Start the JVM again on the halted server's directory and ports (same Bolt URI).

        The databases found under the root directory are opened as they were left; nothing is
        created. Raises :class:`ArcadeDBStartError` if it does not come up (a port may have
        been taken meanwhile: unlike :meth:`start`, this cannot move to new ports).
        """
        with self._lock:
            if self._process is not None:
                raise ArcadeDBError("server already running")
            if self._root_dir is None:
                raise ArcadeDBError("nothing to resume: the server was never started, or stopped")
            runtime = locate_runtime()
            try:
                self._launch(runtime, self._root_dir, append_log=True)
                self._wait_until_ready()
            except ArcadeDBStartError as exc:
                tail = self.log_tail()
                self._shutdown()
                raise ArcadeDBStartError(f"{exc}\n--- server log (tail) ---\n{tail}") from None
            except BaseException:
                self._shutdown()
                raise
        return self

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- databases and data -------------------------------------------------------------------

    def create_database(self, name: str) -> None:
        """Create an empty database (``POST /api/v1/server``)."""
        self._server_command(f"create database {self._checked_name(name)}")

    def drop_database(self, name: str) -> None:
        """Drop a database and its files."""
        self._server_command(f"drop database {self._checked_name(name)}")

    def list_databases(self) -> list[str]:
        body = self._http("GET", "/api/v1/databases")
        return [str(name) for name in body.get("result", [])]

    def wipe(self) -> None:
        """Delete every node and relationship; indexes and uniqueness constraints survive.

        Counts the nodes (~2 ms), then up to ``wipe_delete_limit`` nodes (the graphs tests
        build) runs one auto-commit ``MATCH (n) DETACH DELETE n``: ~3 ms empty, ~6 ms for 25
        nodes, ~11 ms for 250, then ~0.1 ms a node. Beyond the limit (benchmarks) it calls
        :meth:`recreate_database` instead: ~50-60 ms whatever the size. Labels and relationship
        types stay defined after a delete, as Neo4j keeps its tokens.
        """
        rows = self.cypher("MATCH (n) RETURN count(n) AS nodes")
        nodes = int(rows[0]["nodes"]) if rows else 0
        if nodes == 0:
            return
        if nodes > self.wipe_delete_limit:
            statements = self._replayable_schema()
            if statements is not None:
                self._recreate(statements)
                return
        self.cypher(_WIPE_CYPHER)

    def recreate_database(self) -> None:
        """Drop and recreate the database, then replay its constraints and indexes.

        Open driver sessions keep working. Raises :class:`ArcadeDBError` when the schema has
        something this cannot replay (anything but node uniqueness constraints and range
        indexes) or when the replayed schema differs from the original.
        """
        statements = self._replayable_schema()
        if statements is None:
            raise ArcadeDBError("schema cannot be replayed; use wipe() instead")
        self._recreate(statements)

    def _recreate(self, statements: Sequence[str]) -> None:
        before = self._schema_signature()
        self.drop_database(self._database)
        self.create_database(self._database)
        for statement in statements:
            self.cypher(statement)
        after = self._schema_signature()
        if after != before:
            raise ArcadeDBError(f"schema differs after recreate: {before} != {after}")

    def cypher(self, query: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run one auto-commit Cypher statement over HTTP (setup and checks, not the store)."""
        payload: dict[str, Any] = {"language": "cypher", "command": query}
        if params:
            payload["params"] = params
        body = self._http("POST", f"/api/v1/command/{self._database}", payload)
        result = body.get("result", [])
        return [row for row in result if isinstance(row, dict)]

    def log_tail(self, lines: int = 40) -> str:
        """The last ``lines`` lines of the server's console log ('' if none)."""
        path = self.log_path
        if path is None or not path.is_file():
            return ""
        with contextlib.suppress(OSError):
            text = path.read_text(encoding="utf-8", errors="replace")
            return "\n".join(text.splitlines()[-lines:])
        return ""

    # -- internals ----------------------------------------------------------------------------

    def _require_running(self) -> None:
        if not self.running:
            raise ArcadeDBError("server is not running")

    @staticmethod
    def _checked_name(name: str) -> str:
        if not _DB_NAME.fullmatch(name):
            raise ValueError(f"invalid database name {name!r}")
        return name

    def _replayable_schema(self) -> list[str] | None:
        """Cypher that recreates the current constraints and indexes; None if impossible."""
        statements: list[str] = []
        for row in self.cypher("SHOW CONSTRAINTS"):
            if row.get("type") != "UNIQUENESS" or row.get("entityType") != "NODE":
                return None
            label, props = _label_and_properties(row)
            if not label:
                return None
            keys = ", ".join(f"n.{_quote(p)}" for p in props)
            statements.append(
                f"CREATE CONSTRAINT {_quote(str(row['name']))} IF NOT EXISTS "
                f"FOR (n:{_quote(label)}) REQUIRE ({keys}) IS UNIQUE"
            )
        for row in self.cypher("SHOW INDEXES"):
            if row.get("owningConstraint") is not None:
                continue
            if row.get("type") != "RANGE":
                return None
            label, props = _label_and_properties(row)
            if not label:
                return None
            keys = ", ".join(f"x.{_quote(p)}" for p in props)
            pattern = {"NODE": f"(x:{_quote(label)})", "RELATIONSHIP": f"()-[x:{_quote(label)}]-()"}
            if row.get("entityType") not in pattern:
                return None
            statements.append(
                f"CREATE INDEX {_quote(str(row['name']))} IF NOT EXISTS "
                f"FOR {pattern[str(row['entityType'])]} ON ({keys})"
            )
        return statements

    def _schema_signature(self) -> list[tuple[str, ...]]:
        signature = [
            (
                "constraint",
                str(r["name"]),
                str(r["type"]),
                *map(str, r["labelsOrTypes"]),
                *map(str, r["properties"]),
            )
            for r in self.cypher("SHOW CONSTRAINTS")
        ]
        signature += [
            (
                "index",
                str(r["name"]),
                str(r["type"]),
                str(r["entityType"]),
                *map(str, r["labelsOrTypes"]),
                *map(str, r["properties"]),
            )
            for r in self.cypher("SHOW INDEXES")
            if r.get("owningConstraint") is None
        ]
        return sorted(signature)

    def _command_line(self, runtime: ArcadeDBRuntime, root: Path) -> list[str]:
        # The password goes through a JVM @argfile in the private (0700) root directory, so
        # that it does not show in `ps`.
        secret = f"-Darcadedb.server.rootPassword={self._password}"
        argfile = root / "jvm-secrets.args"
        argfile.write_text(_argfile_quote(secret) + "\n", encoding="utf-8")
        settings = {
            "arcadedb.server.rootPath": str(root),
            "arcadedb.server.httpIncomingHost": LOOPBACK,
            "arcadedb.server.httpIncomingPort": str(self._http_port),
            "arcadedb.server.plugins": BOLT_PLUGIN,
            "arcadedb.bolt.host": LOOPBACK,
            "arcadedb.bolt.port": str(self._bolt_port),
        }
        return [
            str(runtime.java),
            f"-Xmx{self._heap}",
            "-Djava.awt.headless=true",
            *(f"-D{key}={value}" for key, value in settings.items()),
            f"@{argfile}",
            *self._jvm_args,
            "-cp",
            runtime.classpath,
            MAIN_CLASS,
        ]

    def _start_with_retries(self, runtime: ArcadeDBRuntime) -> None:
        for attempt in range(1, _START_ATTEMPTS + 1):
            try:
                self._spawn(runtime)
                self._wait_until_ready()
            except ArcadeDBStartError as exc:
                tail = self.log_tail()
                self._shutdown()
                if attempt < _START_ATTEMPTS and _BIND_FAILURE.search(tail):
                    continue  # a port was taken between probing and binding: new ports
                raise ArcadeDBStartError(f"{exc}\n--- server log (tail) ---\n{tail}") from None
            return

    def _spawn(self, runtime: ArcadeDBRuntime) -> None:
        self._root_dir = Path(tempfile.mkdtemp(prefix="arcadedb-"))
        self._bolt_port = _free_port()
        self._http_port = _free_port()
        while self._http_port == self._bolt_port:
            self._http_port = _free_port()
        self._launch(runtime, self._root_dir, append_log=False)

    def _launch(self, runtime: ArcadeDBRuntime, root: Path, *, append_log: bool) -> None:
        with (root / "server.log").open("ab" if append_log else "wb") as log:
            # cwd matters: the server writes ./log/ relative to its working directory.
            # Same process group as the caller on purpose: a Ctrl-C or a CI job killing the
            # group reaches the JVM too.
            self._process = subprocess.Popen(
                self._command_line(runtime, root),
                cwd=root,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def _wait_until_ready(self) -> None:
        process = self._process
        assert process is not None
        deadline = time.monotonic() + self._start_timeout
        bolt_up = http_up = False
        while True:
            code = process.poll()
            if code is not None:
                raise ArcadeDBStartError(f"ArcadeDB server exited with code {code} during start-up")
            if _FATAL.search(self.log_tail(200)):
                raise ArcadeDBStartError("ArcadeDB server failed to start")
            bolt_up = bolt_up or _speaks_bolt(self._bolt_port)
            if not http_up and self._http_ready():
                http_up = True
                # Plugins start before the HTTP server: Bolt down now means it failed to load.
                deadline = min(deadline, time.monotonic() + _BOLT_GRACE)
            if bolt_up and http_up:
                return
            if time.monotonic() > deadline:
                raise ArcadeDBStartError(
                    "ArcadeDB did not accept connections in time "
                    f"(bolt port {self._bolt_port}: {'up' if bolt_up else 'down'}, "
                    f"http port {self._http_port}: {'up' if http_up else 'down'})"
                )
            time.sleep(0.05)

    def _http_ready(self) -> bool:
        url = f"http://{LOOPBACK}:{self._http_port}/api/v1/ready"
        try:
            with urllib.request.urlopen(url, timeout=1.0) as response:
                return 200 <= int(response.status) < 300
        except (OSError, urllib.error.URLError):
            return False

    def _server_command(self, command: str) -> None:
        body = self._http("POST", "/api/v1/server", {"command": command})
        if body.get("result") != "ok":
            raise ArcadeDBError(f"{command!r} failed: {body}")

    def _http(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        self._require_running()
        token = base64.b64encode(f"{self.user}:{self._password}".encode()).decode("ascii")
        request = urllib.request.Request(
            f"http://{LOOPBACK}:{self._http_port}{path}",
            method=method,
            data=None if payload is None else json.dumps(payload).encode(),
            headers={"Authorization": f"Basic {token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=_HTTP_TIMEOUT) as response:
                raw: bytes = response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", errors="replace")[:2000]
            raise ArcadeDBError(f"{method} {path} -> HTTP {exc.code}: {detail}") from None
        except (OSError, urllib.error.URLError) as exc:
            raise ArcadeDBError(f"{method} {path} failed: {exc}") from exc
        return json.loads(raw) if raw else {}

    def _shutdown(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            _terminate(process, self._stop_timeout)
        root, self._root_dir = self._root_dir, None
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)
        _LIVE_SERVERS.discard(self)


def _quote(name: str) -> str:
    """A Cypher identifier in backticks."""
    return "`" + name.replace("`", "``") + "`"


def _argfile_quote(arg: str) -> str:
    """One argument for a ``java @argfile``: double quotes, backslash escapes."""
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _label_and_properties(row: dict[str, Any]) -> tuple[str, list[str]]:
    """The one label and the properties of a SHOW row; ``("", [])`` for any other shape."""
    labels = [str(label) for label in row.get("labelsOrTypes") or []]
    props = [str(prop) for prop in row.get("properties") or []]
    if len(labels) != 1 or not props:
        return "", []
    return labels[0], props


def _terminate(process: subprocess.Popen[bytes], timeout: float) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGTERM)  # the JVM's shutdown hook closes databases cleanly
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        process.wait()


_LIVE_SERVERS: set[ArcadeDBServer] = set()


@atexit.register
def _stop_leftover_servers() -> None:
    """Never leave a JVM behind, even when a caller forgot :meth:`ArcadeDBServer.stop`."""
    for server in list(_LIVE_SERVERS):
        with contextlib.suppress(Exception):
            server._shutdown()
