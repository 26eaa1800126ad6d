"""The ``c360`` command line, run in-process over a temporary SQLite store; outcomes are read
back from the store or by resolving identifiers."""

from __future__ import annotations

import csv
import gc
import hashlib
import io
import json
import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from app.cli import main, progress
from app.cli.progress import ProgressBar
from app.engine import Engine, build_engine
from app.services.customers import Resolved, resolve
from app.settings import Settings
from app.store.protocol import StoreUnavailable
from resolvers.identity.observations import RawIdentifier

# -- harness -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """What one ``c360`` invocation answered."""

    code: int
    out: str
    err: str


class Cli:
    """Runs ``c360`` in-process against one temporary store and reads that store back."""

    def __init__(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        self.dir = tmp_path
        self.db = tmp_path / "c360.db"
        self.capsys = capsys
        self.monkeypatch = monkeypatch

    def __call__(self, *argv: str) -> Run:
        self.capsys.readouterr()
        code = main(list(argv))
        captured = self.capsys.readouterr()
        return Run(code, captured.out, captured.err)

    def env(self, name: str, value: str) -> None:
        self.monkeypatch.setenv(name, value)

    def sql(self, query: str, *params: object) -> list[tuple[Any, ...]]:
        with closing(sqlite3.connect(self.db)) as conn:
            return conn.execute(query, params).fetchall()

    def execute(self, statement: str, *params: object) -> None:
        with closing(sqlite3.connect(self.db)) as conn, conn:
            conn.execute(statement, params)

    def resolve(self, *pairs: tuple[str, str]) -> list[Resolved]:
        engine = build_engine(Settings())
        try:
            return resolve(engine, [RawIdentifier(kind, value) for kind, value in pairs])
        finally:
            engine.store.close()

    def customer_of(self, kind: str, value: str) -> str | None:
        return self.resolve((kind, value))[0].customer_id

    def jsonl(self, name: str, *lines: dict[str, Any] | str) -> Path:
        path = self.dir / name
        text = "".join(
            (line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)) + "\n"
            for line in lines
        )
        path.write_text(text, encoding="utf-8")
        return path

    def ids(self, table: str) -> list[str]:
        return [row[0] for row in self.sql(f"SELECT id FROM {table} ORDER BY id")]


@pytest.fixture(autouse=True)
def restored_gc() -> Iterator[None]:
    """``c360 import`` tunes the collector for its process; give the test process its own back."""
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    for name in list(os.environ):
        if name.startswith("C360_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("C360_STORE_URL", f"sqlite:///{tmp_path / 'c360.db'}")
    monkeypatch.setenv("C360_DEFAULT_REGION", "TW")
    monkeypatch.chdir(tmp_path)  # the default store, were it used, lands here
    return Cli(tmp_path, capsys, monkeypatch)


def observation(
    record_id: str, *identifiers: tuple[str, str], source: str = "crm", **attributes: Any
) -> dict[str, Any]:
    return {
        "id": record_id,
        "source": source,
        "observed_at": "2026-03-01T10:00:00Z",
        "identifiers": [{"kind": kind, "value": value} for kind, value in identifiers],
        "attributes": attributes,
    }


def event(record_id: str, event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": record_id,
        "type": event_type,
        "occurred_at": "2026-03-02T08:00:00Z",
        "source": "eshop",
        "identifiers": [{"kind": "email", "value": "jane.doe@gmail.com"}],
        "data": data,
    }


# Jane types a placeholder phone at the CRM desk, then her real one elsewhere, in every format;
# Bob types the same placeholder in international form.
PEOPLE = (
    observation(
        "crm-1",
        ("crm_id", "C1234567"),
        ("email", " Jane.Doe@Gmail.com"),
        ("phone", "0912-345-678"),
        first_name="Jane",
        birth_date="1990-02-03",
    ),
    observation(
        "shop-1", ("email", "janedoe@gmail.com"), ("phone", "+886933616284"), source="eshop"
    ),
    observation("pos-1", ("phone", "0933 616 284"), ("email", "n/a"), source="pos"),
    observation("crm-2", ("crm_id", "C7654321"), ("email", "Bob.Lin@Hinet.net")),
    observation("line-1", ("email", "bob.lin@hinet.net"), ("phone", "+886912345678")),
)
ORDER = {
    "order_id": "991",
    "total": 1280,
    "currency": "TWD",
    "items": [{"sku": "K-1", "category": "kettles", "quantity": 1, "unit_price": 1280}],
}


def graph(cli: Cli) -> list[list[tuple[Any, ...]]]:
    """Everything the stitching writes, to compare before and after."""
    return [
        cli.sql("SELECT * FROM identifiers ORDER BY key"),
        cli.sql("SELECT * FROM links ORDER BY a, b"),
        cli.sql("SELECT * FROM customers ORDER BY id"),
        cli.sql("SELECT * FROM observations ORDER BY id"),
        cli.sql("SELECT * FROM events ORDER BY id"),
        cli.sql("SELECT * FROM audit ORDER BY seq"),
    ]


# -- keys --------------------------------------------------------------------------------------


def test_keys_create_prints_the_key_alone_on_the_last_line_and_stores_only_its_hash(
    cli: Cli,
) -> None:
    run = cli("keys", "create", "--name", "crm sync", "--scopes", "read, ingest")

    assert run.code == 0
    secret = run.out.splitlines()[-1]
    assert re.fullmatch(r"c360_[0-9a-f]{8}_[A-Za-z0-9_-]{40,}", secret)
    [(key_id, name, scopes, digest)] = cli.sql("SELECT id, name, scopes, digest FROM api_keys")
    assert (name, json.loads(scopes)) == ("crm sync", ["ingest", "read"])
    assert digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret.startswith(f"c360_{key_id}_")
    stored = b"".join(p.read_bytes() for p in cli.dir.glob("c360.db*"))
    assert secret.encode() not in stored

    listing = cli("keys", "list")
    assert listing.code == 0
    assert key_id in listing.out and "crm sync" in listing.out and "ingest,read" in listing.out
    assert secret not in listing.out + listing.err
    assert secret[13:] not in listing.out  # not even the random part after the prefix


def test_keys_revoke_marks_the_key_and_refuses_an_unknown_or_revoked_one(cli: Cli) -> None:
    secret = cli("keys", "create", "--name", "ops", "--scopes", "admin").out.splitlines()[-1]
    key_id = secret.split("_")[1]

    run = cli("keys", "revoke", key_id)

    assert run.code == 0 and f"revoked key {key_id}" in run.out
    [(revoked_at,)] = cli.sql("SELECT revoked_at FROM api_keys WHERE id = ?", key_id)
    assert revoked_at is not None
    listing = cli("keys", "list").out.splitlines()
    assert not listing[1].rstrip().endswith(" -")  # the revoked column holds a time
    again = cli("keys", "revoke", key_id)
    assert again.code == 1 and f"no live key {key_id}" in again.err
    assert cli("keys", "revoke", "deadbeef").code == 1


def test_keys_list_on_an_empty_store_says_how_to_make_one(cli: Cli) -> None:
    run = cli("keys", "list")
    assert run.code == 0 and "c360 keys create" in run.out


@pytest.mark.parametrize("scopes", ["ingest,bogus", " , "])
def test_keys_create_with_a_bad_scope_is_a_usage_error(cli: Cli, scopes: str) -> None:
    run = cli("keys", "create", "--name", "n", "--scopes", scopes)

    assert run.code == 2
    assert run.out == ""
    assert "--scopes" in run.err and "ingest, read, steward, marketing, admin" in run.err
    if "bogus" in scopes:
        assert "unknown: bogus" in run.err
    assert not cli.db.exists()  # refused before the store was touched


def test_keys_create_without_a_name_is_refused_by_the_parser(cli: Cli) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli("keys", "create", "--scopes", "read")
    assert exit_.value.code == 2


@pytest.mark.parametrize("size", ["0", "-3", "20000", "many"])
def test_import_refuses_a_chunk_size_out_of_range(
    cli: Cli, size: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = cli.jsonl("one.jsonl", observation("o1", ("email", "amy@x.com")))
    with pytest.raises(SystemExit) as exit_:
        cli("import", "observations", str(path), "--chunk-size", size)
    assert exit_.value.code == 2
    assert "--chunk-size" in capsys.readouterr().err
    assert not cli.db.exists()


# -- import observations -----------------------------------------------------------------------


def test_import_observations_stitches_every_format_and_a_second_run_writes_nothing(
    cli: Cli,
) -> None:
    path = cli.jsonl("people.jsonl", *PEOPLE)

    run = cli("import", "observations", str(path))

    assert run.code == 0, run.err
    assert "5 lines: 5 written, 0 already there, 0 in 0 refused chunk(s)" in run.out
    assert cli.ids("observations") == ["crm-1", "crm-2", "line-1", "pos-1", "shop-1"]
    jane = cli.resolve(
        ("crm_id", "C1234567"),
        ("email", "JANE.DOE@gmail.com"),
        ("phone", "0933616284"),
        ("phone", "+886 933 616 284"),
    )
    bob = cli.resolve(("crm_id", "C7654321"), ("email", " bob.lin@HINET.net"))
    assert jane[0].customer_id is not None
    assert {r.customer_id for r in jane} == {jane[0].customer_id}
    assert bob[0].customer_id is not None and {r.customer_id for r in bob} == {bob[0].customer_id}
    assert jane[0].customer_id != bob[0].customer_id  # the shared placeholder joined nobody
    placeholder = cli.resolve(("phone", "0912-345-678"), ("phone", "+886912345678"))
    assert {(r.key, r.customer_id, r.status) for r in placeholder} == {
        ("phone:+886912345678", None, "placeholder")
    }
    assert "importing observations" in run.err and "100.0%" in run.err  # the progress bar

    before = graph(cli)
    again = cli("import", "observations", str(path))

    assert again.code == 0
    assert "5 lines: 0 written, 5 already there" in again.out
    assert graph(cli) == before


def test_a_bad_line_refuses_its_whole_chunk_and_only_that_chunk(cli: Cli) -> None:
    path = cli.jsonl(
        "mixed.jsonl",
        observation("a-1", ("crm_id", "A0000001")),
        observation("a-2", ("crm_id", "A0000002")),
        observation("b-1", ("crm_id", "B0000001")),  # good, but shares a chunk with line 4
        '{"id": "b-2", "source": "crm", ',
        observation("c-1", ("crm_id", "C0000001")),
        {k: v for k, v in observation("c-2", ("crm_id", "C0000002")).items() if k != "identifiers"},
        observation("d-1", ("crm_id", "D0000001")),
        observation("d-2", ("crm_id", "D0000002"), ("phone", "12")),
        observation("e-1", ("crm_id", "E0000001")),
    )

    run = cli("import", "observations", str(path), "--chunk-size", "2")

    assert run.code == 1
    assert "9 lines: 3 written, 0 already there, 6 in 3 refused chunk(s)" in run.out
    problems = [line.strip() for line in run.err.splitlines() if line.startswith("  line ")]
    assert problems[0].startswith("line 4: ") and "JSON" in problems[0]
    assert problems[1] == "line 6: identifiers: Field required"
    assert problems[2].startswith("line 8: identifiers.1.value: ")
    assert len(problems) == 3
    assert cli.ids("observations") == ["a-1", "a-2", "e-1"]
    assert [r.status for r in cli.resolve(("crm_id", "B0000001"), ("crm_id", "D0000001"))] == [
        "unknown",
        "unknown",
    ]
    assert cli.customer_of("crm_id", "E0000001") is not None


def test_one_run_names_every_bad_line_of_a_chunk_whatever_is_wrong_with_it(cli: Cli) -> None:
    path = cli.jsonl(
        "mixed.jsonl",
        observation("a-1", ("phone", "12")),  # parses, but is no phone number
        '{"id": "a-2", "source": "crm", ',  # does not parse
        observation("a-3", ("crm_id", "A0000003")),
        observation("a-4", ("email", "not-an-address")),
    )

    run = cli("import", "observations", str(path))

    assert run.code == 1
    assert "4 lines: 0 written, 0 already there, 4 in 1 refused chunk(s)" in run.out
    problems = [line.strip() for line in run.err.splitlines() if line.startswith("  line ")]
    assert [p.split(":")[0] for p in problems] == ["line 1", "line 2", "line 4"]
    assert problems[0].startswith("line 1: identifiers.0.value: ")
    assert problems[2].startswith("line 4: identifiers.0.value: ")
    assert cli.ids("observations") == []


def test_an_id_stored_with_another_body_is_reported_and_not_overwritten(cli: Cli) -> None:
    cli("import", "observations", str(cli.jsonl("first.jsonl", PEOPLE[0])))
    changed = {**PEOPLE[0], "attributes": {"first_name": "Janet"}}

    run = cli("import", "observations", str(cli.jsonl("second.jsonl", changed)))

    assert run.code == 1
    assert "line 1: id: this id was stored with a different body" in run.err
    [(attributes,)] = cli.sql("SELECT attributes FROM observations WHERE id = 'crm-1'")
    assert json.loads(attributes)["first_name"] == "Jane"


def test_import_of_a_missing_file_is_a_usage_error(cli: Cli) -> None:
    run = cli("import", "observations", str(cli.dir / "nope.jsonl"))

    assert run.code == 2
    assert "no such file" in run.err and "nope.jsonl" in run.err


def test_import_lists_at_most_fifty_errors(cli: Cli) -> None:
    path = cli.jsonl("junk.jsonl", *["not json"] * 60)

    run = cli("import", "observations", str(path))

    assert run.code == 1
    assert run.err.count("  line ") == 50
    assert "... and 10 more errors" in run.err


# -- import events -----------------------------------------------------------------------------


def test_import_events_attaches_them_to_the_customer_and_is_idempotent(cli: Cli) -> None:
    cli("import", "observations", str(cli.jsonl("people.jsonl", *PEOPLE)))
    path = cli.jsonl(
        "events.jsonl",
        event("ord-991", "order.placed", ORDER),
        event("visit-1", "custom.store_visit", {"store": "Xinyi"}),
        event("pts-1", "loyalty.points_earned", {"points": 128, "balance_after": 128}),
    )

    run = cli("import", "events", str(path))

    assert run.code == 0, run.err
    assert "3 lines: 3 written, 0 already there" in run.out
    jane = cli.customer_of("email", "jane.doe@gmail.com")
    rows = cli.sql(
        "SELECT e.id, e.type, i.customer_id FROM events e "
        "JOIN identifiers i ON i.id = e.anchor ORDER BY e.id"
    )
    assert rows == [
        ("ord-991", "order.placed", jane),
        ("pts-1", "loyalty.points_earned", jane),
        ("visit-1", "custom.store_visit", jane),
    ]
    [(data,)] = cli.sql("SELECT data FROM events WHERE id = 'ord-991'")
    assert json.loads(data)["total_account"] == 1280

    before = graph(cli)
    again = cli("import", "events", str(path))
    assert again.code == 0 and "0 written, 3 already there" in again.out
    assert graph(cli) == before


def test_import_events_refuses_unknown_types_and_names_the_bad_field(cli: Cli) -> None:
    bad_item = {**ORDER, "items": [{**ORDER["items"][0], "quantity": -1}]}
    path = cli.jsonl(
        "events.jsonl",
        event("x-1", "order.shipped", {"order_id": "1"}),
        event("x-2", "custom.store_visit", {"store": "Xinyi"}),
        event("x-3", "order.placed", bad_item),
        event("x-4", "custom.Store-Visit", {}),
    )

    run = cli("import", "events", str(path), "--chunk-size", "1")

    assert run.code == 1
    assert "4 lines: 1 written, 0 already there, 3 in 3 refused chunk(s)" in run.out
    assert "line 1: type: unknown event type 'order.shipped'" in run.err
    assert "line 3: data.items.0.quantity: must be greater than zero" in run.err
    assert "line 4: type: a custom type is 'custom.'" in run.err
    assert cli.ids("events") == ["x-2"]


# -- export ------------------------------------------------------------------------------------


def stored_identity_map(cli: Cli) -> list[dict[str, str | None]]:
    return [
        {
            "key": key,
            "kind": kind,
            "value": key.split(":", 1)[1],
            "customer_id": customer,
            "status": s,
        }
        for key, kind, customer, s in cli.sql(
            "SELECT key, kind, customer_id, status FROM identifiers ORDER BY key"
        )
    ]


def test_export_identity_map_as_csv_to_stdout_matches_the_store(cli: Cli) -> None:
    cli("import", "observations", str(cli.jsonl("people.jsonl", *PEOPLE)))

    run = cli("export", "identity-map")

    assert run.code == 0
    rows = list(csv.DictReader(io.StringIO(run.out)))
    expected = [
        {**row, "customer_id": row["customer_id"] or ""} for row in stored_identity_map(cli)
    ]
    assert rows == expected
    assert len(rows) == 6  # two crm ids, two e-mails, Jane's phone and the placeholder
    assert {"key": "phone:+886912345678", "status": "placeholder", "customer_id": ""}.items() <= {
        r["key"]: r for r in rows
    }["phone:+886912345678"].items()


def test_export_identity_map_as_jsonl_to_a_file_matches_the_store(cli: Cli) -> None:
    cli("import", "observations", str(cli.jsonl("people.jsonl", *PEOPLE)))
    out = cli.dir / "map.jsonl"

    run = cli("export", "identity-map", "--format", "jsonl", "--output", str(out))

    assert run.code == 0
    assert run.out == ""
    assert f"wrote 6 identifiers to {out}" in run.err
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert rows == stored_identity_map(cli)


def test_export_to_an_unwritable_place_fails_cleanly(cli: Cli) -> None:
    run = cli("export", "identity-map", "--output", str(cli.dir / "missing" / "map.csv"))

    assert run.code == 1
    assert "No such file or directory" in run.err and "map.csv" in run.err


# -- verify ------------------------------------------------------------------------------------


def test_verify_reports_drift_and_repair_mends_it(cli: Cli) -> None:
    cli("import", "observations", str(cli.jsonl("people.jsonl", *PEOPLE)))
    clean = cli("verify")
    assert clean.code == 0, clean.out
    assert "6 identifiers" in clean.out and "2 customers" in clean.out and "clean" in clean.out
    jane = cli.customer_of("crm_id", "C1234567")
    bob = cli.customer_of("crm_id", "C7654321")

    # Jane's e-mail is moved to Bob's customer behind the service's back.
    cli.execute("UPDATE identifiers SET customer_id = ? WHERE key = 'email:janedoe@gmail.com'", bob)
    drifted = cli("verify")

    assert drifted.code == 1
    assert "one component is materialised as several customers" in drifted.out
    assert jane in drifted.out and bob in drifted.out
    assert "janedoe" not in drifted.out  # identifiers are masked
    assert "c360 verify --repair" in drifted.out

    repaired = cli("verify", "--repair")
    assert repaired.code == 0 and "repaired" in repaired.out
    after = cli("verify")
    assert after.code == 0 and "clean" in after.out
    jane_now = cli.customer_of("crm_id", "C1234567")
    assert cli.customer_of("email", "janedoe@gmail.com") == jane_now
    assert cli.customer_of("crm_id", "C7654321") == cli.customer_of("email", "bob.lin@hinet.net")
    assert jane_now != cli.customer_of("crm_id", "C7654321")


# -- demo --------------------------------------------------------------------------------------


def test_demo_loads_a_populated_store_and_a_second_run_adds_nothing(cli: Cli) -> None:
    run = cli("demo", "--people", "30", "--no-key")

    assert run.code == 0, run.err
    assert "demo loaded: 30 people" in run.out
    assert len(cli.ids("observations")) > 30 and len(cli.ids("events")) > 30
    assert cli.sql("SELECT count(*) FROM api_keys") == [(0,)]
    sample = re.search(r"by-identifier\?kind=(\w+)&value=(\S+)", run.out)
    assert sample is not None
    assert cli.customer_of(sample[1], sample[2]) is not None
    before = graph(cli)[:5]

    again = cli("demo", "--people", "30")

    assert again.code == 0, again.err
    assert graph(cli)[:5] == before
    secret = again.out.splitlines()[-1]
    [(digest, scopes)] = cli.sql("SELECT digest, scopes FROM api_keys")
    assert digest == hashlib.sha256(secret.encode()).hexdigest()
    assert set(json.loads(scopes)) == {"admin", "ingest", "marketing", "read", "steward"}
    assert cli("verify").code == 0


def test_demo_refuses_another_default_region(cli: Cli) -> None:
    cli.env("C360_DEFAULT_REGION", "US")

    run = cli("demo", "--people", "30", "--no-key")

    assert run.code == 2
    assert "C360_DEFAULT_REGION=TW" in run.err
    assert not cli.db.exists()


def test_a_store_normalised_for_one_region_refuses_another(cli: Cli) -> None:
    assert cli("keys", "list").code == 0  # the first use records the region
    assert cli.sql("SELECT value FROM meta WHERE name = 'default_region'") == [("TW",)]
    cli.env("C360_DEFAULT_REGION", "JP")

    run = cli("keys", "list")

    assert run.code == 1
    assert "C360_DEFAULT_REGION is JP" in run.err and "normalised with TW" in run.err


# -- policy, migrate, settings -----------------------------------------------------------------


def test_policy_show_prints_the_defaults_and_the_file_laid_over_them(cli: Cli) -> None:
    shown = cli("policy", "show")
    assert shown.code == 0 and "[kinds.crm_id]" in shown.out
    assert "---- laid over by" not in shown.out

    overlay = cli.dir / "policy.toml"
    overlay.write_text("[kinds.crm_id]\nlimit = 3\n", encoding="utf-8")
    cli.env("C360_POLICY_FILE", str(overlay))
    layered = cli("policy", "show")
    assert layered.code == 0
    assert layered.out.rstrip().endswith("[kinds.crm_id]\nlimit = 3")
    assert f"laid over by {overlay}" in layered.out


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ('[kinds.crm_id]\nrole = "sometimes"\n', "role must be 'link' or 'attach'"),
        ("[kinds.email\n", "not valid TOML"),
        ("[colours]\nred = 1\n", "unknown policy table(s): colours"),
    ],
)
def test_policy_check_refuses_an_invalid_file_and_says_why(
    cli: Cli, text: str, complaint: str
) -> None:
    path = cli.dir / "policy.toml"
    path.write_text(text, encoding="utf-8")

    run = cli("policy", "check", str(path))

    assert run.code == 1
    assert complaint in run.err


def test_policy_check_accepts_a_valid_file_and_a_missing_one_is_a_usage_error(cli: Cli) -> None:
    path = cli.dir / "policy.toml"
    path.write_text('[kinds.member_no]\nnormaliser = "id"\npriority = 85\n', encoding="utf-8")

    run = cli("policy", "check", str(path))
    assert run.code == 0
    assert re.search(r"valid; \d+ identifier kinds", run.out)

    missing = cli("policy", "check", str(cli.dir / "nope.toml"))
    assert missing.code == 2 and "no such file" in missing.err


def test_a_missing_policy_file_setting_is_named(cli: Cli) -> None:
    cli.env("C360_POLICY_FILE", str(cli.dir / "nope.toml"))

    run = cli("keys", "list")

    assert run.code == 1
    assert "nope.toml" in run.err and "Traceback" not in run.err


def test_migrate_applies_the_sqlite_schema(cli: Cli) -> None:
    run = cli("migrate")

    assert run.code == 0 and "sqlite store schema is up to date" in run.out
    assert cli.sql("SELECT value FROM meta WHERE name = 'schema_version'") == [("1",)]
    assert cli("migrate").code == 0


@pytest.mark.parametrize(
    ("name", "value", "complaint"),
    [
        ("C360_STORE_URL", "ftp://x", "C360_STORE_URL: scheme 'ftp' is not supported"),
        ("C360_STORE_URL", "sqlite://c360.db", "C360_STORE_URL: a SQLite store URL is written"),
        ("C360_DEFAULT_REGION", "Taiwan", "C360_DEFAULT_REGION: an ISO 3166 two-letter"),
        ("C360_PORT", "http", "C360_PORT: "),
        ("C360_LOG_LEVEL", "loud", "C360_LOG_LEVEL: "),
    ],
)
def test_invalid_settings_are_refused_naming_the_variable(
    cli: Cli, name: str, value: str, complaint: str
) -> None:
    cli.env(name, value)

    run = cli("keys", "list")

    assert run.code == 1
    assert run.err.startswith("c360: error: invalid settings: ")
    assert complaint in run.err
    assert "Value error" not in run.err
    assert not cli.db.exists()


def test_production_refuses_a_default_neo4j_password(cli: Cli) -> None:
    cli.env("C360_ENVIRONMENT", "production")
    cli.env("C360_STORE_URL", "bolt://graph:7687")
    cli.env("C360_NEO4J_PASSWORD", "neo4j")

    run = cli("keys", "list")

    assert run.code == 1
    assert "invalid settings: C360_NEO4J_PASSWORD is missing or a well-known default" in run.err


def test_no_command_prints_help(cli: Cli) -> None:
    run = cli()
    assert run.code == 2 and "usage: c360" in run.out and "import" in run.out


# -- progress bar ------------------------------------------------------------------------------


class FakeClock:
    """Stands in for ``time.monotonic`` so throttling is exercised without sleeping."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(progress.time, "monotonic", fake)
    return fake


def test_progress_in_a_log_is_one_line_every_five_seconds_and_the_last(clock: FakeClock) -> None:
    stream = io.StringIO()
    bar = ProgressBar("importing", 2048, "B", stream=stream)

    clock.now += 1
    bar.update(512, "12 written")
    clock.now += 1
    bar.update(1024, "throttled")
    clock.now += 4
    bar.update(1536, "36 written")
    clock.now += 1
    bar.update(2048, "48 written")
    bar.close()

    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue() and stream.getvalue().endswith("\n")
    assert lines == [
        f"importing [{'#' * 7:<30}]  25.0% 512/2.0kB eta 0:00:03 12 written",
        f"importing [{'#' * 22:<30}]  75.0% 1.5k/2.0kB eta 0:00:02 36 written",
        f"importing [{'#' * 30}] 100.0% 2.0k/2.0kB eta 0:00:00 48 written",
    ]


def test_progress_on_a_terminal_redraws_one_line_in_place(clock: FakeClock) -> None:
    stream = Terminal()
    bar = ProgressBar("verifying", 10, stream=stream)

    clock.now += 0.5
    bar.update(2, "identifiers")
    clock.now += 0.05
    bar.update(3, "too soon to redraw")
    clock.now += 0.5
    bar.update(10, "links " + "x" * 300)
    bar.close()

    text = stream.getvalue()
    assert text.endswith("\n") and text.count("\n") == 1  # only close() ends the line
    frames = text.rstrip("\n").split("\r")[1:]
    assert len(frames) == 2
    assert frames[0].startswith(f"verifying [{'#' * 6:<30}]  20.0% 2/10 eta 0:00:02 identifiers")
    assert len(frames[0]) == 100  # padded, so a shorter frame wipes a longer one
    assert frames[1].startswith(f"verifying [{'#' * 30}] 100.0% 10/10 eta 0:00:00 links x")
    assert len(frames[1]) == 160  # a long note is cut to the width of a terminal line


def test_progress_copes_with_nothing_to_do_and_overshoot(clock: FakeClock) -> None:
    stream = io.StringIO()
    bar = ProgressBar("loading demo", 0, stream=stream)
    bar.update(0)
    bar.update(5, "more than promised")
    assert "100.0%" in stream.getvalue().splitlines()[-1]
    assert "0/1" in stream.getvalue().splitlines()[0]


def test_progress_goes_to_stderr_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    bar = ProgressBar("x", 1)
    bar.update(1)
    bar.close()
    captured = capsys.readouterr()
    assert captured.out == "" and "100.0%" in captured.err


@pytest.mark.parametrize(
    ("count", "shown"),
    [(0, "0"), (999, "999"), (6980, "7.0k"), (1_500_000, "1.5M"), (5_000_000_000, "5.0G")],
)
def test_progress_counts_are_human(count: int, shown: str) -> None:
    assert progress._human(count) == shown


@pytest.mark.parametrize(
    ("size", "shown"),
    [(1023, "1023"), (1536, "1.5k"), (3 << 20, "3.0M"), (5 << 30, "5.0G")],
)
def test_progress_bytes_are_counted_in_powers_of_1024(size: int, shown: str) -> None:
    assert progress._human(size, 1024) == shown


def test_a_bar_of_records_counts_in_thousands_and_a_bar_of_bytes_in_kibibytes() -> None:
    records, data = io.StringIO(), io.StringIO()
    ProgressBar("re-resolving", 6980, stream=records).update(6980)
    ProgressBar("importing", 6980, "B", stream=data).update(6980)
    assert "6980/" not in records.getvalue() and "7.0k/7.0k" in records.getvalue()
    assert "6.8k/6.8kB" in data.getvalue()


def test_progress_time_left_reads_as_a_clock() -> None:
    assert progress._clock(3725.9) == "1:02:05"
    assert progress._clock(0) == "0:00:00"


@pytest.mark.parametrize("argv", [["verify"], ["export", "identity-map"], ["keys", "list"]])
def test_every_command_closes_the_store_it_opened(cli: Cli, argv: list[str]) -> None:
    import app.cli.common

    opened: list[Engine] = []

    def tracked(settings: Settings) -> Engine:
        engine = build_engine(settings)
        opened.append(engine)
        return engine

    cli.monkeypatch.setattr(app.cli.common, "build_engine", tracked)
    cli(*argv)
    assert opened
    for engine in opened:
        with pytest.raises(StoreUnavailable, match="closed"):
            engine.store.counts()


def test_reresolve_applies_a_changed_policy_to_what_is_stored(cli: Cli) -> None:
    walk_ins = cli.jsonl(
        "walk-ins.jsonl",
        observation("pos-1", ("email", "amy.wu@gmail.com"), ("phone", "0955 123 456")),
        observation("pos-2", ("email", "bo.lin@yahoo.com.tw"), ("phone", "0955-123-456")),
    )
    assert cli("import", "observations", str(walk_ins)).code == 0
    glued = cli.customer_of("email", "amy.wu@gmail.com")
    assert glued is not None and glued == cli.customer_of("email", "bo.lin@yahoo.com.tw")

    # the shop's counter phone is found out: declare it a placeholder, then re-resolve
    policy = cli.dir / "policy.toml"
    policy.write_text('[placeholders]\nvalues = ["phone:+886955123456"]\n', encoding="utf-8")
    cli.env("C360_POLICY_FILE", str(policy))
    run = cli("reresolve", "--reason", "counter phone of store S01")

    assert run.code == 0, run.err
    assert "re-resolving" in run.err and "100.0%" in run.err
    assert "3 identifiers under the policy file" in run.out
    assert "active -> placeholder: 1" in run.out
    amy, bo = (
        cli.customer_of("email", "amy.wu@gmail.com"),
        cli.customer_of("email", "bo.lin@yahoo.com.tw"),
    )
    assert None not in (amy, bo) and amy != bo
    assert glued in (amy, bo)  # the part with the oldest evidence keeps the id
    [(reason,)] = cli.sql("SELECT DISTINCT reason FROM audit WHERE actor = 'c360 reresolve'")
    assert reason == "counter phone of store S01"
    assert "clean" in cli("verify").out

    again = cli("reresolve")
    assert "0 re-derived, 0 customers written" in again.out


def test_policy_preview_reports_the_split_and_writes_nothing(cli: Cli) -> None:
    walk_ins = cli.jsonl(
        "walk-ins.jsonl",
        observation("pos-1", ("email", "amy.wu@gmail.com"), ("phone", "0955 123 456")),
        observation("pos-2", ("email", "bo.lin@yahoo.com.tw"), ("phone", "0955-123-456")),
    )
    assert cli("import", "observations", str(walk_ins)).code == 0
    before = cli.sql("SELECT key, customer_id FROM identifiers ORDER BY key")
    policy = cli.dir / "policy.toml"
    policy.write_text('[placeholders]\nvalues = ["phone:+886955123456"]\n', encoding="utf-8")

    run = cli("policy", "preview", str(policy))

    assert run.code == 0, run.err
    assert "customers: 1 now, 2 under the file" in run.out
    assert "unchanged 0, merged 0, split 1; 3 identifiers would move" in run.out
    assert "identifiers active -> placeholder: 1" in run.out
    assert "(no customer)" in run.out
    assert cli.sql("SELECT key, customer_id FROM identifiers ORDER BY key") == before
    assert cli.sql("SELECT count(*) FROM audit WHERE actor = 'policy preview'") == [(0,)]

    as_json = json.loads(cli("policy", "preview", str(policy), "--json").out)
    assert as_json["diff"]["split"] == 1
    assert as_json["candidate"] == {
        "labels": 0, "precision": None, "recall": None,
        "true_links": 0, "false_links": 0, "missed_links": 0,
    }  # fmt: skip
    bad = cli.dir / "bad.toml"
    bad.write_text("[limits\n", encoding="utf-8")
    refused = cli("policy", "preview", str(bad))
    assert refused.code == 1 and "not valid TOML" in refused.err
    assert cli("policy", "preview", str(cli.dir / "missing.toml")).code == 2


def test_import_reports_every_hostile_line_and_writes_every_good_chunk(cli: Cli) -> None:
    good = [observation(f"ok-{n}", ("email", f"ok{n}@shop.tw")) for n in range(3)]
    old = {**observation("bad-1", ("email", "bad1@shop.tw")), "observed_at": "0999-01-01T00:00:00Z"}
    path = cli.jsonl(
        "hostile.jsonl",
        good[0],
        json.dumps(old),
        good[1],
        '{"id":"bad-2","source":"crm","observed_at":"2026-03-01T10:00:00Z",'
        '"identifiers":[{"kind":"email","value":"b2@shop.tw"}],"attributes":{"n":NaN}}',
        json.dumps(observation("bad-3", ("email", "b3@shop.tw"), n=2**64)),
        '{"id":"bad-4","source":"crm","observed_at":"2026-03-01T10:00:00Z",'
        '"identifiers":[{"kind":"email","value":"b4\\ud800@shop.tw"}]}',
        json.dumps(
            observation(
                "bad-5",
                ("email", "b5@shop.tw"),
                x=[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],
            )
        ),
        json.dumps({**observation("bad-6", ("email", "b6@shop.tw")), "observed_at": 1.7e9}),
        good[2],
    )

    run = cli("import", "observations", str(path), "--chunk-size", "1")

    assert run.code == 1
    assert "9 lines: 3 written, 0 already there, 6 in 6 refused chunk(s)" in run.out
    for line, where in [(2, "observed_at"), (4, "attributes.n"), (5, "attributes.n"),
                        (6, "Invalid JSON"), (7, "attributes.x"), (8, "observed_at")]:  # fmt: skip
        assert f"line {line}: {where}" in run.err, (line, run.err)
    assert cli.ids("observations") == ["ok-0", "ok-1", "ok-2"]


# -- match train -------------------------------------------------------------------------------


def test_match_train_writes_a_policy_file_that_reresolve_applies(cli: Cli) -> None:
    people = [
        ("Jane", "Doe", "1990-02-03", "12 Wallaby St", "2000"),
        ("John", "Smith", "1962-07-01", "3 Beach Rd", "3000"),
        ("Mary", "Major", "1975-11-20", "8 Hill Ave", "4000"),
        ("Ann", "Lee", "1988-05-05", "1 Park Pl", "5000"),
    ]
    lines = []
    for n, (first, last, born, street, postcode) in enumerate(people * 2):
        lines.append(
            observation(
                f"r{n}",
                ("email", f"p{n}@mail.com"),
                first_name=first if n < 4 else first[:-1] + "x",
                last_name=last,
                birth_date=born,
                street=street,
                postcode=postcode,
            )
        )
    assert cli("import", "observations", str(cli.jsonl("people.jsonl", *lines))).code == 0
    out = cli.dir / "trained.toml"
    run = cli("match", "train", "--output", str(out), "--random-pairs", "200")
    assert run.code == 0, run.err
    assert "candidate pairs written to" in run.out
    assert cli("policy", "check", str(out)).code == 0
    text = out.read_text()
    assert text.startswith("# Written by `c360 match train` from 8 records")
    assert "[match.fields]" in text
    cli.env("C360_POLICY_FILE", str(out))
    assert cli("reresolve").code == 0
    printed = cli("match", "train", "--random-pairs", "50")
    assert printed.code == 0 and "[match.fields]" in printed.out


def test_segments_refresh_finds_nothing_after_the_follower_and_mends_a_tampered_store(
    cli: Cli,
) -> None:
    from app.services import segments

    cli("import", "observations", str(cli.jsonl("people.jsonl", *PEOPLE)))
    engine = build_engine(Settings())
    try:
        named = {"profile": "identity.customer_id", "op": "exists"}
        seg = segments.create_segment(engine, "everyone", named)
    finally:
        engine.store.close()
    listed = cli("segments", "list")
    assert listed.code == 0 and listed.out == f"{seg.id}\teveryone\n"
    clean = cli("segments", "refresh")
    assert clean.code == 0 and "nothing to change" in clean.out, clean.out

    cli.execute(
        "DELETE FROM segment_members WHERE customer_id = ?", cli.customer_of("crm_id", "C1234567")
    )
    mended = cli("segments", "refresh")
    assert mended.code == 0 and "refreshed: 1 entered, 0 exited" in mended.out, mended.out
    assert "nothing to change" in cli("segments", "refresh").out


def test_prune_keeps_what_the_followers_owe_then_removes_history_past_retention(cli: Cli) -> None:
    records = cli.jsonl(
        "crm.jsonl",
        *(observation(f"crm-{n}", ("email", f"p{n}@mail.com")) for n in range(4)),
    )
    assert cli("import", "observations", str(records)).code == 0
    changes = [row[0] for row in cli.sql("SELECT seq FROM changes ORDER BY seq")]
    assert len(changes) >= 4
    cli.execute("UPDATE changes SET at = '2000-01-01T00:00:00.000000+00:00'")  # long ago

    # no follower has read the feed yet: nothing of it goes, and the command says why
    held = cli("prune")
    assert held.code == 0, held.err
    assert "pruned 0 change(s)" in held.out
    assert "the segments follower has read up to there" in held.out
    assert cli.sql("SELECT count(*) FROM changes")[0][0] == len(changes)

    for name in ("segments", "webhooks"):
        cli.execute("INSERT OR REPLACE INTO cursors (name, value) VALUES (?, ?)", name, changes[-1])
    done = cli("prune", "--feed-days", "7")
    assert done.code == 0, done.err
    assert "keeping the change feed 7 day(s)" in done.out
    assert f"pruned {len(changes) - 1} change(s)" in done.out
    # the newest change stays: the feed numbers on from it
    assert [row[0] for row in cli.sql("SELECT seq FROM changes")] == [changes[-1]]
    with pytest.raises(SystemExit) as exit_:
        cli("prune", "--feed-days", "-1")
    assert exit_.value.code == 2
