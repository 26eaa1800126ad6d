"""resolvers/ is the pure domain: no framework, database or I/O imports, and no clock reads.

Enforced here rather than stated in the docs: a decision that read the clock or a database
would differ between stores and between runs, and the invariant properties would lie.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RESOLVERS = ROOT / "resolvers"
# Infrastructure the domain must not reach for, by top-level module.
FORBIDDEN_MODULES = {
    "app",
    "asyncio",
    "fastapi",
    "httpx",
    "neo4j",
    "os",
    "pydantic_settings",
    "requests",
    "socket",
    "sqlite3",
    "starlette",
    "subprocess",
    "threading",
    "time",
    "urllib",
    "uvicorn",
}
# Calls that read the clock: time is an argument of every decision.
CLOCK_READS = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"),
               ("date", "today")}  # fmt: skip


def _sources() -> list[Path]:
    return sorted(RESOLVERS.rglob("*.py"))


def _violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            names = []
        for name in names:
            if name.split(".")[0] in FORBIDDEN_MODULES:
                found.append(f"{path.name}:{node.lineno} imports {name}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            owner_name = (
                owner.id
                if isinstance(owner, ast.Name)
                else owner.attr
                if isinstance(owner, ast.Attribute)
                else None
            )
            if (owner_name, node.func.attr) in CLOCK_READS:
                found.append(
                    f"{path.name}:{node.lineno} reads the clock ({owner_name}.{node.func.attr})"
                )
    return found


def test_there_is_a_domain_to_check() -> None:
    assert len(_sources()) > 20


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(RESOLVERS)))
def test_resolvers_module_is_pure(path: Path) -> None:
    assert _violations(path) == []


def test_the_checker_catches_what_it_forbids(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import sqlite3\n"
        "from app.engine import Engine\n"
        "from datetime import datetime\n"
        "import datetime as dt\n"
        "x = datetime.now()\n"
        "y = dt.date.today()\n",
        encoding="utf-8",
    )
    found = _violations(bad)
    assert len(found) == 4, found
