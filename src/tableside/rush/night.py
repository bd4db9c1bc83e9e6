"""One service night, start to finish: set the stage, log the terminals in, walk the floor
with the chaos running, settle every unfinished key, look around, run the check, report."""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

from tableside.rush import Options
from tableside.rush.chaos import Chaos
from tableside.rush.chaos import plan as chaos_plan
from tableside.rush.closing import invariant_check, look_around, processor_totals
from tableside.rush.floor import Clock, Floor, Walk, fingerprint, plan
from tableside.rush.keys import Book, settle
from tableside.rush.report import Settled, Summary, Tally
from tableside.rush.stage import Stage, StageError
from tableside.rush.terminal import Answer, Terminal

# The demo restaurant's staff on the floor (API.md "Demo data"): two servers, a manager.
PINS = ("1234", "2345", "9999")


def pins_for(terminals: int) -> list[str]:
    """Servers and a manager: every third terminal is the manager's (the last of a night
    with fewer than three)."""
    if terminals < 3:
        return ["1234", "9999"][-terminals:]
    return [PINS[i % 3] for i in range(terminals)]


def run_night(options: Options) -> int:
    temporary = options.data_dir is None
    data_dir = Path(tempfile.mkdtemp(prefix="tableside-rush-")) if temporary else options.data_dir
    assert data_dir is not None
    data_dir.mkdir(parents=True, exist_ok=True)
    database_url = options.database_url or f"sqlite:///{data_dir / 'tableside.db'}"
    backend = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"
    stage = Stage(data_dir, database_url, options.servers, options.processor_timeout_s)
    ledger_was_there = stage.ledger.exists()
    print(
        f"tableside rush: seed {options.seed}, {options.actions} actions, "
        f"{options.terminals} terminals, {options.servers} server(s) on {backend}; "
        f"data in {data_dir}",
        flush=True,
    )
    summary: Summary | None = None
    try:
        began = time.monotonic()
        try:
            stage.start()
        except StageError as error:
            print(f"tableside rush: {error}", file=sys.stderr)
            return 2
        print(
            f"  the emulator on {stage.emulator_url}, servers on "
            f"{', '.join(stage.server_urls)}: up in {time.monotonic() - began:.1f} s",
            flush=True,
        )
        held = _payments_in(database_url)
        if held and not ledger_was_there:
            print(
                f"tableside rush: the database already holds {held} payments. The rush "
                "reconciles every card payment with a processor of its own, so give it an "
                "empty database (createdb ...), or the --data-dir of the rush that filled it.",
                file=sys.stderr,
            )
            return 2
        summary = _night(options, stage, backend, str(data_dir))
    finally:
        stage.stop()
    print(summary.render(), flush=True)
    if options.json_path is not None:
        options.json_path.write_text(json.dumps(summary.as_json(), indent=2) + "\n")
    if summary.ok and temporary:
        shutil.rmtree(data_dir, ignore_errors=True)
    return 0 if summary.ok else 1


def _night(options: Options, stage: Stage, backend: str, data_dir: str) -> Summary:
    tally = Tally()
    book = Book(tally)
    terminals = [
        Terminal(f"t{i + 1}", pin, stage.server_urls, i, tally)
        for i, pin in enumerate(pins_for(options.terminals))
    ]
    for terminal in terminals:
        terminal.login()
    floor = _floor_of(terminals[0], tally)
    share, extra = divmod(options.actions, options.terminals)
    plans = [
        plan(options.seed, i, t.is_manager, share + (1 if i < extra else 0))
        for i, t in enumerate(terminals)
    ]
    events = chaos_plan(
        options.seed, options.actions, options.servers, options.fault_every, options.kill_every
    )
    plan_id = fingerprint(*plans, events, [t.pin for t in terminals])
    started = time.monotonic()
    step = max(1, options.actions // 10)

    def progress(done: int) -> None:
        if done % step == 0 or done == options.actions:
            print(
                f"  {done}/{options.actions} actions, {time.monotonic() - started:.1f} s, "
                f"{tally.kills} kills, {len(tally.violations)} violations",
                flush=True,
            )

    clock = Clock(options.actions, progress)
    chaos = Chaos(events, stage, clock, tally)
    walks = [Walk(t, p, floor, book, tally, clock) for t, p in zip(terminals, plans, strict=True)]
    threads = [threading.Thread(target=w.run, name=f"rush-{w.t.name}", daemon=True) for w in walks]
    chaos.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    clock.stop()
    chaos.join()
    walked_s = time.monotonic() - started
    for failed in [w.failure for w in walks] + [chaos.failure]:
        if failed is not None:
            tally.violation(
                "the rush itself failed: "
                + "".join(traceback.format_exception(failed)).strip().splitlines()[-1]
            )
    # The night is over: every server up, the processor behaving, every key to its end.
    for index, server in enumerate(stage.servers):
        if not server.running:
            stage.restart_server(index)
    chaos.clear()
    chaos.close()
    closing = Terminal("closing", "9999", stage.server_urls, 0, tally)
    closing.login()
    settled = Settled()
    try:
        settled = settle(book, closing, options.settle_timeout_s)
        look_around(closing, floor, book, tally)
        charged, refunded = processor_totals(stage.emulator_url, tally)
    finally:
        closing.close()
        for terminal in terminals:
            terminal.close()
    check = invariant_check(stage.env)
    return Summary(
        seed=options.seed,
        plan=plan_id,
        terminals=options.terminals,
        servers=options.servers,
        database=backend,
        actions=clock.done,
        duration_s=time.monotonic() - started,
        walk_s=walked_s,
        tally=tally,
        settled=settled,
        processor_charged_cents=charged,
        processor_refunded_cents=refunded,
        check=check,
        data_dir=data_dir,
    )


def _floor_of(terminal: Terminal, tally: Tally) -> Floor:
    tables = terminal.call("GET", "/floor", safe=True)
    menu = terminal.call("GET", "/menu", safe=True)
    if not (isinstance(tables, Answer) and isinstance(menu, Answer)):
        raise StageError("the floor and the menu could not be read")
    return Floor(tables.json()["tables"], menu.json()["items"], tally)


def _payments_in(database_url: str) -> int:
    from sqlalchemy import text

    from tableside.core.database import make_engine

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM payments")).scalar_one())
    finally:
        engine.dispose()
