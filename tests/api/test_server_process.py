"""The server process as uvicorn starts it (``tableside.asgi:app_from_env``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tableside.asgi import YOUNG_COLLECTION_AFTER

_START_A_WORKER = """
import gc, json
from tableside.asgi import app_from_env
app_from_env()
print(json.dumps([gc.get_freeze_count(), gc.get_threshold()[0], gc.isenabled()]))
"""


def test_a_server_never_stops_every_request_to_walk_what_it_loaded_at_start_up(
    tmp_path: Path,
) -> None:
    """A full collection over the worker's start-up objects held up every request of the
    process for 65–120 ms, every few seconds under load (docs/benchmarks.md)."""
    env = {
        **os.environ,
        "TABLESIDE_DATABASE_URL": f"sqlite:///{tmp_path / 'tableside.db'}",
        "TABLESIDE_DATA_DIR": str(tmp_path),
    }
    started = subprocess.run(
        [sys.executable, "-c", _START_A_WORKER],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    frozen, young_threshold, collecting = json.loads(started.stdout.splitlines()[-1])
    assert frozen > 50_000  # FastAPI, pydantic, SQLAlchemy, stripe and our own modules
    assert young_threshold == YOUNG_COLLECTION_AFTER
    assert collecting  # cycles made while serving are still collected
