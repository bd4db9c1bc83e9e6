"""The `tableside` command: demo, serve, migrate, seed-demo, processor-emulator, recover, check,
backup, restore."""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tableside import onboarding
from tableside.config import DEFAULT_EMULATOR_PORT, ConfigError, Settings

# The app, Alembic and the stripe library are imported by the commands that use them, not
# here: `tableside serve --workers N` stays a small supervisor (each worker imports the app
# itself), instead of keeping ~60 MB of imports it never uses.
if TYPE_CHECKING:
    from processor_emulator import EmulatorHandle
    from tableside.core.unit_of_work import Database
    from tableside.payments.stripe_card import StripeCardProcessor


def _database(settings: Settings) -> Database:
    from tableside.core.database import make_engine
    from tableside.core.unit_of_work import Database

    return Database(
        make_engine(settings.database_url, prepared_statements=not settings.pooled_per_transaction)
    )


def cmd_migrate(settings: Settings, _: argparse.Namespace) -> int:
    from tableside.core import migrate
    from tableside.core.database import make_engine

    migrate.upgrade(
        make_engine(settings.database_url, prepared_statements=not settings.pooled_per_transaction)
    )
    print(f"Schema is up to date on {_safe(settings.database_url)}.")
    return 0


def cmd_seed(settings: Settings, _: argparse.Namespace) -> int:
    from tableside.core import migrate
    from tableside.demo import seed_demo

    db = _database(settings)
    migrate.upgrade(db.engine)
    for seeded in seed_demo(db):
        print(f"{seeded.slug}: {'created' if seeded.created else 'already there'}")
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    # Migrate in a short-lived child, so this process (uvicorn's supervisor when there are
    # several workers) never holds Alembic, SQLAlchemy and the models in its memory.
    migrated = subprocess.run([sys.executable, "-m", "tableside.cli", "migrate"], check=False)
    if migrated.returncode != 0:
        print("tableside: the migration failed; not serving.", file=sys.stderr)
        return migrated.returncode
    _run_server(settings, args)
    return 0


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    """Migrate, seed, start the card-processor emulator (unless one is configured), serve."""
    if not _can_listen(args.host, args.port):
        print(
            f"tableside: {args.host}:{args.port} is taken (another demo?). "
            f"Serve this one on another port: tableside demo --port {args.port + 1}",
            file=sys.stderr,
        )
        return 1
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    cmd_seed(settings, args)
    emulator = None
    if settings.uses_emulator:
        try:
            emulator = _start_emulator(settings.data_dir / "processor-emulator.db")
        except RuntimeError as error:
            print(f"tableside: {error}", file=sys.stderr)
            return 1
        url = f"http://127.0.0.1:{emulator.port}"
        # The server below, in this process, reads where the processor is from here.
        os.environ["TABLESIDE_PROCESSOR_URL"] = url
        taken = emulator.port != DEFAULT_EMULATOR_PORT
        print(f"Card-processor emulator on {url}"
              + (f" ({DEFAULT_EMULATOR_PORT} is taken)" if taken else ""))  # fmt: skip
    print(f"Tableside demo on http://{args.host}:{args.port}  (restaurant 'demo', PIN 1234)")
    try:
        _run_server(settings, args)
    finally:
        if emulator is not None:
            emulator.stop()
    return 0


def _start_emulator(ledger: Path) -> EmulatorHandle:
    """The card-processor emulator in a thread of this process: on its usual port when that
    is free, else on any free port (a second demo on this machine)."""
    from processor_emulator import start_in_thread

    if _can_listen("127.0.0.1", DEFAULT_EMULATOR_PORT):
        try:
            return start_in_thread("127.0.0.1", DEFAULT_EMULATOR_PORT, ledger)
        except RuntimeError:
            pass  # taken between the look and the bind
    return start_in_thread("127.0.0.1", 0, ledger)


def _can_listen(host: str, port: int) -> bool:
    """Whether a server could listen on ``host:port`` now (bound as uvicorn binds)."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    except OSError:
        return True  # a host we cannot resolve: the server says so itself
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
        return True


def _run_server(settings: Settings, args: argparse.Namespace) -> None:
    import uvicorn

    uvicorn.run(
        "tableside.asgi:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=getattr(args, "workers", 1) or 1,
        log_level="info",
        access_log=False,
        **settings.uvicorn_options(),  # type: ignore[arg-type]
    )


def _processor(settings: Settings) -> StripeCardProcessor:
    from tableside.payments.stripe_card import StripeCardProcessor

    return StripeCardProcessor.from_settings(settings)


def cmd_recover(settings: Settings, _: argparse.Namespace) -> int:
    """Settle every pending card payment once, by asking the processor, and report."""
    from tableside.payments.recovery import Recovery
    from tableside.payments.refunds import Refunds
    from tableside.payments.settlement import Settlement

    db = _database(settings)
    processor = _processor(settings)
    settlement = Settlement(db, processor, settings.processor_timeout_s)
    report = Recovery(
        db,
        settlement,
        processor,
        settings.processor_timeout_s,
        search_lag_s=settings.processor_search_lag_s,
        refunds=Refunds(db, processor, settings.processor_timeout_s),
    ).run_once()
    print(report.summary())
    for label, ids in (
        ("captured", report.captured),
        ("failed", report.failed),
        ("declined", report.declined),
        ("still pending", report.still_pending),
    ):
        for payment_id in ids:
            print(f"  {label}: {payment_id}")
    return 0


def cmd_check(settings: Settings, args: argparse.Namespace) -> int:
    """Verify the invariants; exit 1 on any violation."""
    from tableside.payments.invariants import verify

    processor = None if args.no_processor else _processor(settings)
    report = verify(_database(settings), processor)
    counts = ", ".join(f"{n} {what}" for what, n in report.checked.items())
    print(f"checked {counts}")
    for warning in report.warnings:
        print(f"warning: {warning}")
    for violation in report.violations:
        print(f"VIOLATION: {violation}")
    print("OK: money and tables agree" if report.ok else f"{len(report.violations)} violation(s)")
    return 0 if report.ok else 1


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    from tableside.backup import backup_command

    return backup_command(settings, args.file)


def cmd_restore(settings: Settings, args: argparse.Namespace) -> int:
    from tableside.backup import restore_command

    return restore_command(settings, args.file, force=args.force)


def cmd_emulator(settings: Settings, args: argparse.Namespace) -> int:
    from processor_emulator import serve

    ledger = args.ledger or settings.data_dir / "processor-emulator.db"
    serve(args.host, args.port, ledger)
    return 0


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tableside", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def server_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=8000)

    demo = sub.add_parser("demo", help="seed the demo data and serve it with the emulator")
    server_args(demo)
    demo.set_defaults(func=cmd_demo)
    serve = sub.add_parser("serve", help="serve the API and screens (migrates first)")
    server_args(serve)
    serve.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    serve.set_defaults(func=cmd_serve)
    sub.add_parser("migrate", help="bring the database schema up to date").set_defaults(
        func=cmd_migrate
    )
    sub.add_parser("seed-demo", help="create the demo restaurants (idempotent)").set_defaults(
        func=cmd_seed
    )
    emulator = sub.add_parser("processor-emulator", help="the Stripe-compatible card emulator")
    emulator.add_argument("--host", default="127.0.0.1")
    emulator.add_argument("--port", type=int, default=DEFAULT_EMULATOR_PORT)
    emulator.add_argument(
        "--ledger", type=Path, default=None, help="its SQLite file (default: data dir)"
    )
    emulator.set_defaults(func=cmd_emulator)
    sub.add_parser(
        "recover", help="settle pending card payments now by asking the processor"
    ).set_defaults(func=cmd_recover)
    check = sub.add_parser("check", help="verify the invariants; exit 1 on any violation")
    check.add_argument(
        "--no-processor", action="store_true", help="skip reconciling with the card processor"
    )
    check.set_defaults(func=cmd_check)
    from tableside import rush  # only its options here; a rush imports what it runs

    rush.add_arguments(
        sub.add_parser("rush", help="a service night: terminals, faults, kills, then the check")
    )
    backup = sub.add_parser("backup", help="copy the database now, while servers run")
    backup.add_argument(
        "file", type=Path, nargs="?", help="a new file (default: data dir's backups/ folder)"
    )
    backup.set_defaults(func=cmd_backup)
    restore = sub.add_parser(
        "restore", help="replace the database by a backup, then bring its schema up to date"
    )
    restore.add_argument("file", type=Path, help="a file made by `tableside backup`")
    restore.add_argument(
        "--force", action="store_true", help="restore even though servers have it open"
    )
    restore.set_defaults(func=cmd_restore)
    onboarding.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except ConfigError as error:
        print(f"tableside: {error}", file=sys.stderr)
        return 2
    code: int = args.func(settings, args)
    return code


if __name__ == "__main__":
    sys.exit(main())
