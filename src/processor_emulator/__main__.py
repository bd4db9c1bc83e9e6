"""The command line: ``python -m processor_emulator --port 12111 --ledger PATH``.

Without ``--ledger`` the ledger is ``processor-emulator.db`` in the data directory named by
``$TABLESIDE_DATA_DIR`` (default ``./tableside-data``), the file the POS's demo uses too.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from processor_emulator.server import serve

LEDGER_FILENAME = "processor-emulator.db"


def default_data_dir() -> Path:
    """``$TABLESIDE_DATA_DIR``, else ``./tableside-data``: the POS's data directory."""
    return Path(os.environ.get("TABLESIDE_DATA_DIR") or Path.cwd() / "tableside-data")


def default_ledger_path(data_dir: Path) -> Path:
    """Where the emulator keeps its ledger inside the POS's data directory."""
    return data_dir / LEDGER_FILENAME


def main(argv: list[str] | None = None) -> None:
    """``python -m processor_emulator --port 12111 --ledger PATH``."""
    parser = argparse.ArgumentParser(description="Stripe-compatible card processor emulator.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument(
        "--ledger",
        type=Path,
        default=None,
        help=f"SQLite ledger file (default: $TABLESIDE_DATA_DIR/{LEDGER_FILENAME})",
    )
    args = parser.parse_args(argv)
    ledger = args.ledger
    if ledger is None:
        ledger = default_ledger_path(default_data_dir())
    serve(args.host, args.port, ledger)


if __name__ == "__main__":
    main()
