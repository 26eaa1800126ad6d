"""Cypher shipped with the service: one named query per ``<verb_noun>.cypher`` file.

Queries are loaded by name and never assembled from strings: values travel only as
``$parameters``. Full-line ``//`` comments are dropped on load, so a file can say what it
does without the comment reaching the server.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from importlib import resources

_NAME = re.compile(r"[a-z][a-z0-9_]*")


class MissingQuery(LookupError):
    """A query the adapter names is not shipped (a packaging or naming mistake)."""


@cache
def load(name: str) -> str:
    """The text of ``cypher/<name>.cypher``, comment lines removed."""
    if not _NAME.fullmatch(name):
        raise MissingQuery(f"invalid query name {name!r}: use lower_snake_case")
    path = resources.files(__package__).joinpath(f"{name}.cypher")
    if not path.is_file():
        raise MissingQuery(f"cypher/{name}.cypher is missing from the package")
    text = "\n".join(
        line
        for line in path.read_text(encoding="utf-8").splitlines()
        if not line.lstrip().startswith("//")
    ).strip()
    if not text:
        raise MissingQuery(f"cypher/{name}.cypher holds no statement")
    return text


def statements(name: str) -> list[str]:
    """The ``;``-separated statements of a script such as ``schema``."""
    return [part.strip() for part in load(name).split(";") if part.strip()]


def check_all(names: Iterable[str]) -> None:
    """Load every named query now, so that a missing one fails start-up, not a request."""
    missing = []
    for name in names:
        try:
            load(name)
        except MissingQuery as error:
            missing.append(str(error))
    if missing:
        raise MissingQuery("; ".join(missing))
