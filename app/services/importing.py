"""Bulk import of JSON Lines files: chunk by chunk, each chunk whole or not at all."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import BaseModel, ValidationError

from app.errors import Conflict
from resolvers.errors import FieldError, ValidationFailed

M = TypeVar("M", bound=BaseModel)
Progress = Callable[[int, int, "ImportReport"], None]  # bytes read, bytes in all, report so far


@dataclass(frozen=True, slots=True)
class LineError:
    """A line that stopped its chunk: where, which field, and why."""

    line: int
    field: str
    message: str


@dataclass
class ImportReport:
    """What an import did: records written, recognised as repeats, and chunks refused."""

    lines: int = 0
    written: int = 0
    duplicates: int = 0
    rejected_chunks: int = 0
    rejected_lines: int = 0
    errors: list[LineError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every chunk went in."""
        return self.rejected_chunks == 0


@dataclass(frozen=True, slots=True)
class Chunk(Generic[M]):
    """Parsed records of consecutive lines, with the line number of each."""

    records: list[M]
    lines: list[int]  # every non-blank line of the chunk, parsed or not
    errors: list[LineError]
    record_lines: list[int]  # the line of each record


MAX_ERRORS_KEPT = 1000


def read_chunks(path: Path, model: type[M], chunk_size: int) -> Iterator[tuple[Chunk[M], int]]:
    """Parse a JSON Lines file into chunks of valid records (and the bytes read so far)."""
    records: list[M] = []
    lines: list[int] = []
    errors: list[LineError] = []
    record_lines: list[int] = []
    read = 0
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            read += len(raw)
            text = raw.strip()
            if not text:
                continue
            lines.append(number)
            try:
                records.append(model.model_validate_json(text))
                record_lines.append(number)
            except ValidationError as error:
                errors.extend(_line_errors(number, error))
            if len(lines) >= chunk_size:
                yield Chunk(records, lines, errors, record_lines), read
                records, lines, errors, record_lines = [], [], [], []
    if lines:
        yield Chunk(records, lines, errors, record_lines), read


def import_file(
    path: Path,
    model: type[M],
    apply: Callable[[Sequence[M]], tuple[int, int]],
    *,
    chunk_size: int = 1000,
    progress: Progress | None = None,
    check: Callable[[Sequence[M]], object] | None = None,
) -> ImportReport:
    """Import a file: ``apply`` writes one chunk atomically and answers (written, repeats).

    A chunk with a line that does not parse is refused whole; ``check`` (validation that
    writes nothing, raising ValidationFailed) then still looks at the lines that did parse,
    so one run reports every bad line of the chunk, not just the first kind of problem.
    """
    total = path.stat().st_size
    report = ImportReport()
    for chunk, read in read_chunks(path, model, chunk_size):
        report.lines += len(chunk.lines)
        errors = list(chunk.errors)
        if errors and check is not None and chunk.records:
            try:
                check(chunk.records)
            except ValidationFailed as failed:
                errors.extend(_located(failed.errors, chunk.record_lines))
            errors.sort(key=lambda e: e.line)
        elif not errors:
            try:
                written, repeats = apply(chunk.records)
                report.written += written
                report.duplicates += repeats
            except ValidationFailed as failed:
                errors = _located(failed.errors, chunk.record_lines)
            except Conflict as conflict:
                errors = _located(conflict.errors, chunk.record_lines) or [
                    LineError(chunk.lines[0], "", conflict.message)
                ]
        if errors:
            report.rejected_chunks += 1
            report.rejected_lines += len(chunk.lines)
            room = MAX_ERRORS_KEPT - len(report.errors)
            report.errors.extend(errors[: max(room, 0)])
        if progress:
            progress(read, total, report)
    return report


def _line_errors(number: int, error: ValidationError) -> list[LineError]:
    out = []
    for item in error.errors(include_url=False):
        below = (item.get("ctx") or {}).get("path", ())
        where = ".".join(str(part) for part in (*item["loc"], *below))
        out.append(LineError(number, where, item["msg"]))
    return out or [LineError(number, "", "invalid record")]


def _located(errors: Sequence[FieldError], lines: list[int]) -> list[LineError]:
    """Turn batch-item error locations (3, "identifiers", ...) into file line numbers."""
    out = []
    for error in errors:
        loc = list(error.loc)
        if loc and isinstance(loc[0], int) and loc[0] < len(lines):
            out.append(LineError(lines[loc[0]], ".".join(map(str, loc[1:])), error.message))
        else:
            out.append(LineError(lines[0], ".".join(map(str, loc)), error.message))
    return out
