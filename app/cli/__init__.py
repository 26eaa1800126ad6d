"""``c360``: run the service and operate its store from the command line."""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path
from typing import TextIO

from pydantic import ValidationError

from app.cli.progress import ProgressBar
from app.engine import Engine, RegionMismatch, build_engine, read_policy
from app.errors import Unprocessable
from app.runtime import tune_gc
from app.settings import Settings
from app.store.protocol import StoreUnavailable
from resolvers.errors import DomainError, PolicyError

EXIT_USAGE = 2
EXIT_FAILED = 1


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``c360`` console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return EXIT_USAGE
    try:
        settings = Settings()
        return int(args.run(args, settings))
    except ValidationError as error:
        _fail(f"invalid settings: {_settings_error(error)}")
    except (RegionMismatch, PolicyError, Unprocessable) as error:
        _fail(str(error))
    except StoreUnavailable as error:
        _fail(f"the store cannot be reached: {error}")
    except DomainError as error:
        _fail(error.message)
    except OSError as error:  # a file named on the command line or in a setting
        where = f": {error.filename}" if error.filename else ""
        _fail(f"{error.strerror or error}{where}")
    except KeyboardInterrupt:
        _fail("interrupted")
    finally:
        _close_engines()
    return EXIT_FAILED


def _fail(message: str) -> None:
    print(f"c360: error: {message}", file=sys.stderr)


def _settings_error(error: ValidationError) -> str:
    parts = []
    for item in error.errors(include_url=False):
        field = "_".join(str(p) for p in item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        parts.append(f"C360_{field.upper()}: {message}" if field else message)
    return "; ".join(parts)


_OPEN: list[Engine] = []


def _engine(settings: Settings) -> Engine:
    """The command's engine; its store is closed when the command ends, however it ends."""
    engine = build_engine(settings)
    _OPEN.append(engine)
    return engine


def _close_engines() -> None:
    while _OPEN:
        _OPEN.pop().store.close()


# -- commands ------------------------------------------------------------------------------


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    host = args.host or settings.host
    port = args.port or settings.port
    read_policy(settings.policy_file)  # fail before binding the port
    if args.workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # one /metrics for every worker: the workers share a directory of counters
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="c360-metrics-")
    uvicorn.run(
        "app.api.main:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=args.workers,
        log_level=settings.log_level,
        proxy_headers=True,
        server_header=False,
        access_log=False,  # ours logs the route template; uvicorn's would log query values
    )
    return 0


def _keys_create(args: argparse.Namespace, settings: Settings) -> int:
    from app.services.keys import create_key, parse_scopes

    try:
        scopes = parse_scopes(args.scopes)
    except Unprocessable as error:  # a mistyped argument: say so before touching the store
        _fail(f"--scopes: {error.message}")
        return EXIT_USAGE
    engine = _engine(settings)
    new = create_key(engine, args.name, scopes)
    print(
        f"created key {new.record.id} '{new.record.name}' with scopes {','.join(new.record.scopes)}"
    )
    print("store it now: it is shown once and only its hash is kept")
    print(new.secret)
    return 0


def _keys_list(args: argparse.Namespace, settings: Settings) -> int:
    engine = _engine(settings)
    rows = engine.store.list_keys()
    if not rows:
        print("no keys; make one with: c360 keys create --name NAME --scopes ingest,read")
        return 0
    print(f"{'id':<10} {'name':<24} {'prefix':<14} {'scopes':<28} {'created':<20} revoked")
    for key in rows:
        revoked = key.revoked_at.isoformat(timespec="seconds") if key.revoked_at else "-"
        print(
            f"{key.id:<10} {key.name[:24]:<24} {key.prefix:<14} {','.join(key.scopes):<28} "
            f"{key.created_at.isoformat(timespec='seconds'):<20} {revoked}"
        )
    return 0


def _keys_revoke(args: argparse.Namespace, settings: Settings) -> int:
    engine = _engine(settings)
    if engine.store.revoke_key(args.key_id, engine.clock()):
        print(f"revoked key {args.key_id} (cached answers expire within 10 seconds)")
        return 0
    _fail(f"no live key {args.key_id}")
    return EXIT_FAILED


def _import(args: argparse.Namespace, settings: Settings) -> int:
    from app.services.importing import ImportReport, import_file

    path = Path(args.file)
    if not path.is_file():
        _fail(f"no such file: {path}")
        return EXIT_USAGE
    engine = _engine(settings)
    tune_gc()
    actor = f"import:{path.name}"
    bar = ProgressBar(f"importing {args.what}", path.stat().st_size, "B")

    def show(read: int, total: int, report: ImportReport) -> None:
        bar.update(read, f"{report.written:,} written, {report.rejected_chunks} chunk(s) refused")

    if args.what == "observations":
        from app.schemas import ObservationIn
        from app.services.stitching import normalise_batch, stitch

        def apply_observations(records: Sequence[ObservationIn]) -> tuple[int, int]:
            results = stitch(engine, [r.raw() for r in records], actor)
            repeats = sum(r.status == "duplicate" for r in results)
            return len(results) - repeats, repeats

        def check_observations(records: Sequence[ObservationIn]) -> object:
            return normalise_batch(engine, [r.raw() for r in records], "observations")

        report = import_file(
            path, ObservationIn, apply_observations, args.chunk_size, show, check_observations
        )
    else:
        from app.schemas import EventIn
        from app.services.events import record_events, validate_batch

        def apply_events(records: Sequence[EventIn]) -> tuple[int, int]:
            results = record_events(engine, [r.raw() for r in records], actor)
            repeats = sum(r.status == "duplicate" for r in results)
            return len(results) - repeats, repeats

        def check_events(records: Sequence[EventIn]) -> object:
            return validate_batch(engine, [r.raw() for r in records])

        report = import_file(path, EventIn, apply_events, args.chunk_size, show, check_events)
    bar.close()
    print(
        f"{report.lines:,} lines: {report.written:,} written, {report.duplicates:,} already there, "
        f"{report.rejected_lines:,} in {report.rejected_chunks} refused chunk(s)"
    )
    for error in report.errors[:50]:
        where = f" {error.field}:" if error.field else ""
        print(f"  line {error.line}:{where} {error.message}", file=sys.stderr)
    if len(report.errors) > 50:
        print(f"  ... and {len(report.errors) - 50} more errors", file=sys.stderr)
    return 0 if report.ok else EXIT_FAILED


def _export(args: argparse.Namespace, settings: Settings) -> int:
    engine = _engine(settings)
    if args.output:
        with Path(args.output).open("w", encoding="utf-8", newline="") as out:
            count = _write_identity_map(engine, args.format, out)
        print(f"wrote {count:,} identifiers to {args.output}", file=sys.stderr)
    else:
        _write_identity_map(engine, args.format, sys.stdout)
    return 0


def _write_identity_map(engine: Engine, fmt: str, out: TextIO) -> int:
    writer = csv.writer(out) if fmt == "csv" else None
    if writer:
        writer.writerow(["key", "kind", "value", "customer_id", "status"])
    count = 0
    for batch in engine.store.scan_identifiers(10_000):
        for state in batch:
            value = state.key[len(state.kind) + 1 :]
            if writer:
                writer.writerow(
                    [state.key, state.kind, value, state.customer_id or "", state.status.value]
                )
            else:
                row = {
                    "key": state.key,
                    "kind": state.kind,
                    "value": value,
                    "customer_id": state.customer_id,
                    "status": state.status.value,
                }
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count


def _segments_refresh(args: argparse.Namespace, settings: Settings) -> int:
    from app.services import segment_engine, segments

    engine = _engine(settings)
    followed = segment_engine.catch_up(engine)
    print(
        f"caught up: {followed.changes:,} change(s) followed, {followed.rechecked:,} re-checked, "
        f"{followed.entered:,} entered, {followed.exited:,} exited"
    )
    outcome = segments.recompute(engine, None, cause={"type": "refresh"})
    if not outcome.delta.history:
        print("refreshed: nothing to change, every membership was current")
        return 0
    print(f"refreshed: {outcome.entered:,} entered, {outcome.exited:,} exited")
    return 0


def _follow(args: argparse.Namespace, settings: Settings) -> int:
    import signal
    import threading

    from app.services.segment_engine import SegmentFollower
    from app.services.webhooks import WebhookDispatcher, scaled
    from resolvers.webhooks import RETRY_SCHEDULE

    engine = _engine(settings)
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    follower = SegmentFollower(engine)
    dispatcher = WebhookDispatcher(
        engine, schedule=scaled(RETRY_SCHEDULE, settings.webhook_retry_scale)
    )
    follower.start()
    dispatcher.start()
    print("following the change feed: segments and webhooks (Ctrl-C stops)", flush=True)
    done.wait()
    dispatcher.stop()
    follower.stop()
    return 0


def _segments_list(args: argparse.Namespace, settings: Settings) -> int:
    from app.services import segments

    for record in segments.list_segments(_engine(settings)):
        print(f"{record.id}\t{record.name}")
    return 0


def _verify(args: argparse.Namespace, settings: Settings) -> int:
    from app.services.verification import verify

    engine = _engine(settings)
    counts = engine.store.counts()
    bar = ProgressBar("verifying", counts["identifiers"] + counts["links"])
    seen: dict[str, int] = {}

    def show(stage: str, done: int) -> None:
        seen[stage] = done
        bar.update(seen.get("identifiers", 0) + seen.get("links", 0), stage)

    report = verify(engine, repair=args.repair, progress=show)
    bar.close()
    print(
        f"{report.identifiers:,} identifiers, {report.links:,} links, "
        f"{report.customers:,} customers, {report.components:,} components"
    )
    if not report.drift:
        print("clean: every customer equals the components of its active and manual links")
        return 0
    print(f"{len(report.drift)} drift(s):")
    for drift in report.drift[:100]:
        ids = ", ".join(drift.customer_ids) or "-"
        print(f"  {drift.problem} (customers {ids}; identifiers {', '.join(drift.sample)})")
    if args.repair:
        print(
            f"repaired {report.repaired} by re-resolving their evidence; run verify again to check"
        )
        return 0
    print("run `c360 verify --repair` to re-resolve them")
    return EXIT_FAILED


def _reresolve(args: argparse.Namespace, settings: Settings) -> int:
    from app.services.reresolution import ReresolveReport, reresolve_store

    engine = _engine(settings)
    source = f"policy file {settings.policy_file}" if settings.policy_file else "default policy"
    reason = args.reason or f"the merge policy was applied again to stored evidence ({source})"
    bar = ProgressBar("re-resolving", engine.store.counts()["identifiers"])

    def show(done: int, report: ReresolveReport) -> None:
        bar.update(done, f"{report.changed:,} re-derived, {report.customers_written:,} written")

    report = reresolve_store(engine, "c360 reresolve", reason, args.page_size, show)
    bar.close()
    print(
        f"{report.identifiers:,} identifiers under the {source}: {report.changed:,} re-derived, "
        f"{report.customers_written:,} customers written, {report.customers_removed:,} removed, "
        f"{report.audit_entries:,} audit entries"
    )
    for transition, count in sorted(report.transitions.items()):
        print(f"  {transition}: {count:,}")
    return 0


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from app.services.demo import load_demo

    if settings.default_region not in (None, "TW"):
        _fail("the demo data set is Taiwanese: use C360_DEFAULT_REGION=TW or leave it unset")
        return EXIT_USAGE
    settings = settings.model_copy(update={"default_region": "TW"})
    engine = _engine(settings)
    bar = ProgressBar("loading demo", 1)

    def show(done: int, total: int, note: str) -> None:
        bar.total = max(total, 1)
        bar.update(done, note)

    summary = load_demo(engine, people=args.people, seed=args.seed, progress=show)
    bar.close()
    print(summary.describe())
    if not args.no_key:
        from app.services.keys import SCOPES, create_key

        new = create_key(engine, "demo", SCOPES)
        print("an API key with every scope, shown once (only its hash is stored):")
        print(new.secret)
    return 0


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    from app.engine import open_store

    store = open_store(settings, apply_schema=False)
    try:
        migrate = getattr(store, "migrate", None)
        if callable(migrate):
            print(migrate().describe())
        else:
            print(f"{store.kind} store schema is up to date (the store creates it on open)")
    finally:
        store.close()
    return 0


def _policy_show(args: argparse.Namespace, settings: Settings) -> int:
    from resolvers.default_policy import DEFAULT_POLICY_TOML

    path = Path(args.file) if args.file else settings.policy_file
    read_policy(path)  # validate what is in force
    print(DEFAULT_POLICY_TOML.strip())
    if path:
        print(f"\n# ---- laid over by {path} ----\n")
        print(path.read_text(encoding="utf-8").strip())
    return 0


def _policy_check(args: argparse.Namespace, settings: Settings) -> int:
    path = Path(args.file)
    if not path.is_file():
        _fail(f"no such file: {path}")
        return EXIT_USAGE
    policy = read_policy(path)
    print(f"{args.file}: valid; {len(policy.kinds)} identifier kinds")
    return 0


# -- parser --------------------------------------------------------------------------------


def _positive(text: str) -> int:
    """A chunk size: a whole number from 1 to 10,000."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= 10_000:
        raise argparse.ArgumentTypeError(f"{value} is outside 1-10000")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="c360",
        description="Contact 360: identity resolution and customer 360 profiles.",
        epilog="Settings come from C360_* environment variables (see README).",
    )
    sub = parser.add_subparsers(metavar="command")

    serve = sub.add_parser("serve", help="run the HTTP API (default 127.0.0.1:8360)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.set_defaults(run=_serve)

    keys = sub.add_parser("keys", help="API keys").add_subparsers(metavar="action")
    create = keys.add_parser("create", help="make a key; prints it alone on the last line")
    create.add_argument("--name", required=True)
    create.add_argument(
        "--scopes", required=True, help="comma-separated: ingest,read,steward,marketing,admin"
    )
    create.set_defaults(run=_keys_create)
    keys.add_parser("list", help="list keys (never the secrets)").set_defaults(run=_keys_list)
    revoke = keys.add_parser("revoke", help="revoke a key by id")
    revoke.add_argument("key_id")
    revoke.set_defaults(run=_keys_revoke)

    imp = sub.add_parser("import", help="bulk load a JSON Lines file")
    imp.add_argument("what", choices=["observations", "events"])
    imp.add_argument("file")
    imp.add_argument(
        "--chunk-size", type=_positive, default=1000, help="records per atomic chunk (1-10000)"
    )
    imp.set_defaults(run=_import)

    export = sub.add_parser("export", help="export data").add_subparsers(metavar="what")
    identity_map = export.add_parser("identity-map", help="every identifier with its customer")
    identity_map.add_argument("--format", choices=["csv", "jsonl"], default="csv")
    identity_map.add_argument("--output", help="file to write (default: standard output)")
    identity_map.set_defaults(run=_export)

    sub.add_parser(
        "follow", help="run the segment follower and webhook dispatcher (with C360_FOLLOWERS=false)"
    ).set_defaults(run=_follow)
    seg = sub.add_parser("segments", help="segments").add_subparsers(metavar="action")
    seg.add_parser(
        "refresh", help="follow the feed, then recompute every membership and report changes"
    ).set_defaults(run=_segments_refresh)
    seg.add_parser("list", help="list segments (id and name)").set_defaults(run=_segments_list)

    verify = sub.add_parser("verify", help="recompute customers from the links and compare")
    verify.add_argument("--repair", action="store_true", help="re-resolve whatever drifted")
    verify.set_defaults(run=_verify)

    again = sub.add_parser(
        "reresolve", help="apply the current merge policy to everything already stored"
    )
    again.add_argument("--reason", help="the reason the audit entries give")
    again.add_argument(
        "--page-size", type=_positive, default=500, help="identifiers per transaction (1-10000)"
    )
    again.set_defaults(run=_reresolve)

    demo = sub.add_parser("demo", help="load a generated demo data set")
    demo.add_argument("--people", type=int, default=2000)
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--no-key", action="store_true", help="do not create a demo API key")
    demo.set_defaults(run=_demo)

    sub.add_parser("migrate", help="apply the store schema").set_defaults(run=_migrate)

    policy = sub.add_parser("policy", help="the merge policy").add_subparsers(metavar="action")
    show = policy.add_parser("show", help="print the defaults and the file laid over them")
    show.add_argument("--file")
    show.set_defaults(run=_policy_show)
    check = policy.add_parser("check", help="validate a policy file")
    check.add_argument("file")
    check.set_defaults(run=_policy_check)
    return parser


if __name__ == "__main__":  # pragma: no cover
    with suppress(BrokenPipeError):
        sys.exit(main())
