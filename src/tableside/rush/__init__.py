"""``tableside rush``: a service night in a command.

N terminals (threads, each logged in as a server or the manager of the demo restaurant)
work the floor at random for M actions, over HTTP as tablets do, while the card
processor's faults are switched and server processes are SIGKILLed and restarted. Then
every unfinished idempotency key is retried to its final outcome, what the floor and the
checks show is held to every answer given, and ``tableside check`` runs. The exit code is
0 only when nothing broke the contract.

It starts what it needs itself: a database (its own SQLite unless ``--database-url``), its
own card-processor emulator and 1–2 ``tableside serve`` processes, each on a free port.

The parts: ``stage`` (the processes), ``terminal`` (a tablet's HTTP), ``floor`` (the
terminals' random walk), ``keys`` (every idempotency key and settling them), ``chaos``
(faults and kills), ``contract`` (what any answer must satisfy), ``closing`` (the checks at
the end), ``report`` (the tally and the summary). This module stays light to import: the
``tableside`` command builds its parser from it.
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tableside.config import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``rush`` subcommand's options (it runs ``command``)."""
    parser.add_argument("--actions", type=int, default=300, help="actions in all (default 300)")
    parser.add_argument("--terminals", type=int, default=4, help="terminals at once (default 4)")
    parser.add_argument(
        "--seed", type=int, default=None, help="the night's plan (default: a new one, printed)"
    )
    parser.add_argument(
        "--servers",
        type=int,
        choices=(1, 2),
        default=2,
        help="tableside serve processes (default 2)",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="an empty database to use (default: a SQLite file of the rush's own)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="where the SQLite file, the processor's ledger and the logs go (default: a new "
        "temporary directory, removed after a clean rush)",
    )
    parser.add_argument(
        "--fault-every",
        type=int,
        default=20,
        help="switch the processor's faults about every N actions (0: never; default 20)",
    )
    parser.add_argument(
        "--kill-every",
        type=int,
        default=None,
        help="SIGKILL a server about every N actions (0: never; default: the larger of 100 "
        "and a twentieth of the actions; the first comes by half the night)",
    )
    parser.add_argument(
        "--processor-timeout",
        type=float,
        default=2.0,
        help="the servers' TABLESIDE_PROCESSOR_TIMEOUT_S (default 2)",
    )
    parser.add_argument(
        "--settle-timeout",
        type=float,
        default=120.0,
        help="how long unfinished keys may take to become final at the end (default 120 s)",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the summary here")
    parser.set_defaults(func=command)


@dataclass(frozen=True)
class Options:
    actions: int = 300
    terminals: int = 4
    seed: int = 0
    servers: int = 2
    database_url: str | None = None
    data_dir: Path | None = None
    fault_every: int = 20
    kill_every: int = 100
    processor_timeout_s: float = 2.0
    settle_timeout_s: float = 120.0
    json_path: Path | None = None


def command(settings: Settings, args: argparse.Namespace) -> int:
    del settings  # the rush makes the settings of its own servers
    if args.actions < 1 or args.terminals < 1:
        print("tableside rush: --actions and --terminals must be at least 1", file=sys.stderr)
        return 2
    options = Options(
        actions=args.actions,
        terminals=args.terminals,
        seed=args.seed if args.seed is not None else random.SystemRandom().randrange(10**6),
        servers=args.servers,
        database_url=args.database_url,
        data_dir=args.data_dir,
        fault_every=args.fault_every,
        kill_every=args.kill_every if args.kill_every is not None else max(100, args.actions // 20),
        processor_timeout_s=args.processor_timeout,
        settle_timeout_s=args.settle_timeout,
        json_path=args.json,
    )
    return run(options)


def run(options: Options) -> int:
    """Run one service night; the exit code (0: nothing broke the contract)."""
    from tableside.rush.night import run_night

    return run_night(options)
