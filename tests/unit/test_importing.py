"""Bulk import (app/services/importing.py): chunks, line numbers, located errors, progress."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict

from app.errors import Conflict
from app.services.importing import MAX_ERRORS_KEPT, ImportReport, import_file, read_chunks
from resolvers.errors import FieldError, ValidationFailed


class Row(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    n: int = 0


class Recorder:
    """An ``apply`` that keeps what it was given and can be told to refuse a chunk."""

    def __init__(self, refuse: dict[str, Exception] | None = None) -> None:
        self.chunks: list[list[str]] = []
        self.refuse = refuse or {}
        self.seen: set[str] = set()

    def __call__(self, records: Sequence[Row]) -> tuple[int, int]:
        ids = [r.id for r in records]
        for record_id, error in self.refuse.items():
            if record_id in ids:
                raise error
        self.chunks.append(ids)
        fresh = [i for i in ids if i not in self.seen]
        self.seen.update(ids)
        return len(fresh), len(ids) - len(fresh)


def write(path: Path, *lines: dict[str, Any] | str) -> Path:
    path.write_text(
        "".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines),
        encoding="utf-8",
    )
    return path


def test_chunks_hold_consecutive_records_and_blank_lines_keep_their_numbers(
    tmp_path: Path,
) -> None:
    path = write(tmp_path / "f.jsonl", {"id": "a"}, "", "   ", {"id": "b"}, {"id": "c"})

    chunks = list(read_chunks(path, Row, 2))

    assert [[r.id for r in c.records] for c, _ in chunks] == [["a", "b"], ["c"]]
    assert [c.lines for c, _ in chunks] == [[1, 4], [5]]
    assert chunks[-1][1] == path.stat().st_size


def test_a_file_without_a_trailing_newline_or_with_crlf_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    path.write_bytes(b'{"id": "a"}\r\n{"id": "b"}')

    report = import_file(path, Row, Recorder())

    assert (report.lines, report.written, report.ok) == (2, 2, True)


def test_parse_errors_name_the_line_and_field_and_refuse_only_their_chunk(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path / "f.jsonl",
        {"id": "a"},
        {"id": "b"},
        {"id": "c", "n": "many"},
        {"id": "d", "colour": "red"},
        {"id": "e"},
        "{oops",
    )
    apply = Recorder()

    report = import_file(path, Row, apply, chunk_size=2)

    assert apply.chunks == [["a", "b"]]
    assert (report.lines, report.written, report.rejected_chunks, report.rejected_lines) == (
        6,
        2,
        2,
        4,
    )
    assert not report.ok
    assert [(e.line, e.field) for e in report.errors] == [(3, "n"), (4, "colour"), (6, "")]
    assert "integer" in report.errors[0].message
    assert "JSON" in report.errors[2].message


def test_errors_of_a_chunk_refused_by_apply_are_mapped_to_file_lines(tmp_path: Path) -> None:
    refused = ValidationFailed(
        [
            FieldError((1, "identifiers", 0, "value"), "bad", "not a phone"),
            FieldError(("observations",), "batch", "whole batch is wrong"),
        ]
    )
    path = write(tmp_path / "f.jsonl", {"id": "a"}, "", {"id": "b"}, {"id": "c"})

    report = import_file(path, Row, Recorder({"b": refused}), chunk_size=2)

    assert [(e.line, e.field, e.message) for e in report.errors] == [
        (3, "identifiers.0.value", "not a phone"),
        (1, "observations", "whole batch is wrong"),
    ]
    assert (report.written, report.rejected_chunks, report.rejected_lines) == (1, 1, 2)


def test_a_chunk_with_a_parse_error_is_still_checked_so_every_bad_line_is_named(
    tmp_path: Path,
) -> None:
    def check(records: Sequence[Row]) -> None:
        bad = [i for i, r in enumerate(records) if r.n < 0]
        if bad:
            raise ValidationFailed([FieldError((i, "n"), "negative", "must be >= 0") for i in bad])

    path = write(
        tmp_path / "f.jsonl",
        {"id": "a", "n": -1},
        "{oops",
        "",
        {"id": "b"},
        {"id": "c", "n": -2},
    )
    apply = Recorder()

    report = import_file(path, Row, apply, chunk_size=10, check=check)

    assert apply.chunks == []  # checked, never written
    assert [(e.line, e.field) for e in report.errors] == [(1, "n"), (2, ""), (5, "n")]
    assert (report.written, report.rejected_chunks, report.rejected_lines) == (0, 1, 4)


def test_a_conflict_without_located_errors_is_pinned_to_the_chunk_start(tmp_path: Path) -> None:
    path = write(tmp_path / "f.jsonl", {"id": "a"}, {"id": "b"}, {"id": "c"})

    report = import_file(path, Row, Recorder({"c": Conflict("already taken")}), chunk_size=2)

    assert [(e.line, e.field, e.message) for e in report.errors] == [(3, "", "already taken")]
    assert report.written == 2


def test_repeats_are_counted_not_written(tmp_path: Path) -> None:
    path = write(tmp_path / "f.jsonl", {"id": "a"}, {"id": "b"})
    apply = Recorder()

    import_file(path, Row, apply)
    again = import_file(path, Row, apply)

    assert (again.written, again.duplicates, again.ok) == (0, 2, True)


def test_kept_errors_are_capped(tmp_path: Path) -> None:
    path = write(tmp_path / "f.jsonl", *["nope"] * (MAX_ERRORS_KEPT + 5))

    report = import_file(path, Row, Recorder(), chunk_size=100)

    assert len(report.errors) == MAX_ERRORS_KEPT
    assert report.rejected_lines == MAX_ERRORS_KEPT + 5


def test_progress_reports_bytes_read_after_each_chunk(tmp_path: Path) -> None:
    path = write(tmp_path / "f.jsonl", *[{"id": str(i)} for i in range(5)])
    calls: list[tuple[int, int, int]] = []

    def progress(read: int, total: int, report: ImportReport) -> None:
        calls.append((read, total, report.written))

    import_file(path, Row, Recorder(), chunk_size=2, progress=progress)

    size = path.stat().st_size
    assert [c[2] for c in calls] == [2, 4, 5]
    assert [c[1] for c in calls] == [size] * 3
    assert calls[0][0] < calls[1][0] < calls[2][0] == size


def test_an_empty_file_imports_nothing(tmp_path: Path) -> None:
    path = write(tmp_path / "f.jsonl", "", "")
    apply = Recorder()

    report = import_file(path, Row, apply)

    assert (report.lines, report.ok, apply.chunks) == (0, True, [])


@pytest.mark.parametrize("size", [1, 3])
def test_every_line_lands_in_exactly_one_chunk(tmp_path: Path, size: int) -> None:
    path = write(tmp_path / "f.jsonl", *[{"id": str(i)} for i in range(7)])
    apply = Recorder()

    report = import_file(path, Row, apply, chunk_size=size)

    assert [i for c in apply.chunks for i in c] == [str(i) for i in range(7)]
    assert all(len(c) <= size for c in apply.chunks)
    assert report.written == 7
