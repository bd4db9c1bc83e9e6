"""The README's first command: `tableside demo` from a fresh data directory serves the demo
restaurant, and seeding it again changes nothing."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from harness import free_port, wait_until_up
from terminal import Terminal

from tableside.config import DEFAULT_EMULATOR_PORT

TABLESIDE = Path(sys.executable).with_name("tableside")


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def environment(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TABLESIDE_")}
    return {**env, "TABLESIDE_DATA_DIR": str(data_dir), **extra}


def database_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(path) as conn:
        tables = [
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        return {
            t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables
        }


def run(args: list[str], env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run(
        [str(TABLESIDE), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@contextmanager
def demo_running(port: int, env: dict[str, str], cwd: Path, log: Path) -> Iterator[None]:
    """`tableside demo --port port`, its output written to ``log``, for the block; then
    stopped as a person stops it, by Ctrl-C."""
    with log.open("w") as output:
        demo = subprocess.Popen(
            [str(TABLESIDE), "demo", "--port", str(port)],
            env=env,
            cwd=cwd,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            yield
        finally:
            demo.send_signal(signal.SIGINT)
            try:
                demo.wait(timeout=20)
            except subprocess.TimeoutExpired:
                demo.kill()
                demo.wait()


@pytest.mark.slow
def test_tableside_demo_serves_the_demo_from_a_fresh_data_dir(
    tmp_path: Path, emulator_url: str
) -> None:
    data_dir = tmp_path / "data"
    port = free_port()
    # `demo` starts its own card-processor emulator on its fixed port; when something else on
    # this machine holds that port, it is pointed at the test emulator instead.
    own_emulator = port_is_free(DEFAULT_EMULATOR_PORT)
    extra = {} if own_emulator else {"TABLESIDE_PROCESSOR_URL": emulator_url}
    env = environment(data_dir, **extra)
    base = f"http://127.0.0.1:{port}"
    with demo_running(port, env, tmp_path, tmp_path / "demo.log"):
        wait_until_up(f"{base}/healthz", timeout_s=60)
        login = httpx.post(f"{base}/api/v1/auth/login", json={"restaurant": "demo", "pin": "1234"})
        assert login.status_code == 200, login.text
        token = login.json()["token"]
        floor = httpx.get(f"{base}/api/v1/floor", headers={"Authorization": f"Bearer {token}"})
        assert floor.status_code == 200, floor.text
        assert len(floor.json()["tables"]) >= 12
        if own_emulator:
            assert httpx.get(f"http://127.0.0.1:{DEFAULT_EMULATOR_PORT}/healthz").status_code == 200
    database = data_dir / "tableside.db"
    assert database.exists(), (tmp_path / "demo.log").read_text()

    seeded = database_rows(database)
    assert len(seeded["restaurants"]) == 2
    for _ in range(2):
        out = run(["seed-demo"], env, tmp_path)
        assert "demo: already there" in out and "demo2: already there" in out, out
        assert database_rows(database) == seeded


@pytest.mark.slow
def test_a_second_demo_on_one_machine_takes_card_payments_through_an_emulator_of_its_own(
    tmp_path: Path,
) -> None:
    # The first demo (or anything else) holds the emulator's usual port.
    with socket.socket() as first_demo:
        if port_is_free(DEFAULT_EMULATOR_PORT):
            first_demo.bind(("127.0.0.1", DEFAULT_EMULATOR_PORT))
            first_demo.listen()
        port = free_port()
        log_path = tmp_path / "demo.log"
        with demo_running(port, environment(tmp_path / "data"), tmp_path, log_path):
            wait_until_up(f"http://127.0.0.1:{port}/healthz", timeout_s=60)
            server = Terminal(f"http://127.0.0.1:{port}")
            check = server.seat("T1")
            check = server.ring(check["id"], "Crispy calamari")
            paid = server.pay(check["id"], check["total_cents"], tender="card")
            assert paid.status_code == 201, paid.text + log_path.read_text()
            assert paid.json()["payment"]["status"] == "captured"
            assert paid.json()["check"]["status"] == "closed"
    output = log_path.read_text()
    assert "Traceback" not in output, output
    assert f"({DEFAULT_EMULATOR_PORT} is taken)" in output, output


@pytest.mark.slow
def test_a_demo_on_a_port_already_in_use_says_in_one_line_which_port_to_use(
    tmp_path: Path,
) -> None:
    with socket.socket() as first_demo:
        first_demo.bind(("127.0.0.1", 0))
        first_demo.listen()
        port = first_demo.getsockname()[1]
        done = subprocess.run(
            [str(TABLESIDE), "demo", "--port", str(port)],
            env=environment(tmp_path / "data"),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.strip() == (
        f"tableside: 127.0.0.1:{port} is taken (another demo?). "
        f"Serve this one on another port: tableside demo --port {port + 1}"
    )
