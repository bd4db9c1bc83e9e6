"""The processes under test: the card-processor emulator and ``tableside serve``, started as
subprocesses exactly as an operator would, plus the server's memory read from /proc."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not come up in {timeout_s} s")
        time.sleep(0.1)


@dataclass
class Service:
    """A subprocess we started; stopped by its own pid only."""

    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    stop_signal: int = signal.SIGTERM

    def stop(self, timeout_s: float = 30.0) -> None:
        """Stop the service and every process it started (uvicorn's workers included)."""
        ours = [pid for pid in _tree(self.process.pid) if pid != self.process.pid]
        if self.process.poll() is None:
            if self.stop_signal == signal.SIGINT and ours:
                # Under py-spy: stop the server first; py-spy then writes its profile and exits.
                _signal(ours[0], signal.SIGTERM)
            else:
                self.process.send_signal(self.stop_signal)
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in ours) and time.monotonic() < deadline:
            time.sleep(0.1)
        for pid in ours:
            if _alive(pid):
                _signal(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


def start_emulator(directory: Path) -> Service:
    port = free_port()
    log = directory / "emulator.log"
    process = subprocess.Popen(
        [
            str(BIN / "tableside"),
            "processor-emulator",
            "--port",
            str(port),
            "--ledger",
            str(directory / "emulator-ledger.db"),
        ],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    service = Service("emulator", f"http://127.0.0.1:{port}", process, log)
    wait_until_up(f"{service.url}/healthz", process)
    return service


@dataclass
class ServerSettings:
    """The deployment settings under test (docs/benchmarks.md says why these)."""

    workers: int
    processor_timeout_s: float = 10.0
    extra_env: dict[str, str] = field(default_factory=dict)


def start_server(
    database_url: str,
    emulator_url: str,
    directory: Path,
    settings: ServerSettings,
    *,
    profile_to: Path | None = None,
) -> Service:
    """``tableside serve --workers N``; under ``py-spy record`` when ``profile_to`` is given."""
    port = free_port()
    log = directory / f"server-{port}.log"
    env = {
        **os.environ,
        "TABLESIDE_DATABASE_URL": database_url,
        "TABLESIDE_PROCESSOR_URL": emulator_url,
        "TABLESIDE_DATA_DIR": str(directory / "data"),
        "TABLESIDE_PROCESSOR_TIMEOUT_S": str(settings.processor_timeout_s),
        **settings.extra_env,
    }
    command = [
        str(BIN / "tableside"),
        "serve",
        "--port",
        str(port),
        "--workers",
        str(settings.workers),
    ]
    stop_signal = signal.SIGTERM
    if profile_to is not None:
        command = [
            str(BIN / "py-spy"),
            "record",
            "--subprocesses",
            "--rate",
            "100",
            "--gil",  # on-CPU Python time: where the server's cores go
            "--format",
            "raw",
            "--output",
            str(profile_to),
            "--",
            *command,
        ]
        stop_signal = signal.SIGINT  # py-spy writes its file and passes the signal on
    process = subprocess.Popen(command, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    service = Service("server", f"http://127.0.0.1:{port}", process, log, stop_signal)
    wait_until_up(f"{service.url}/healthz", process)
    # With several workers, /healthz answers as soon as the first is up: wait for all.
    deadline = time.monotonic() + 60
    while len(server_workers(process.pid)) < settings.workers and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    return service


# --- memory -------------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return found
    for task in tasks:
        try:
            text = Path(f"/proc/{pid}/task/{task}/children").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue
        found += [int(c) for c in text.split()]
    return found


def _tree(pid: int) -> list[int]:
    pids, stack = [], [pid]
    while stack:
        current = stack.pop()
        pids.append(current)
        stack += _children(current)
    return pids


def _name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except (FileNotFoundError, ProcessLookupError):
        return ""


def server_processes(root_pid: int) -> list[int]:
    """Every process of the server: uvicorn's supervisor and its workers (not py-spy)."""
    return [pid for pid in _tree(root_pid) if "py-spy" not in _name(pid)]


def server_workers(root_pid: int) -> list[int]:
    """The processes that serve requests (with one worker, the supervisor itself)."""
    procs = server_processes(root_pid)
    serving = [pid for pid in procs if "spawn_main" in _name(pid)]
    return serving or procs[:1]


def _kib(path: str, field_name: str) -> int:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0


@dataclass
class Memory:
    rss_mb: float  # summed over the server's processes
    pss_mb: float  # the same, with shared pages divided among their sharers
    processes: int


def server_memory(root_pid: int) -> Memory:
    pids = server_processes(root_pid)
    rss = sum(_kib(f"/proc/{pid}/status", "VmRSS") for pid in pids)
    pss = sum(_kib(f"/proc/{pid}/smaps_rollup", "Pss") for pid in pids)
    return Memory(rss / 1024, pss / 1024, len(pids))


# --- CPU: where the machine's two cores went during the measured window -------------------


def _jiffies(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def _machine() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    return total - idle, total


def _postgres_backends(database: str | None) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        name = _name(int(entry))
        if name.startswith("postgres") and (database is None or f" {database} " in name):
            pids.append(int(entry))
    return pids


@dataclass
class CpuSnapshot:
    at: float
    machine_busy: int
    machine_total: int
    groups: dict[str, dict[int, int]]


class CpuMeter:
    """CPU seconds per second (i.e. cores) used by each party between two snapshots."""

    def __init__(self, parties: dict[str, Callable[[], list[int]]]) -> None:
        self.parties = parties
        self.hz = os.sysconf("SC_CLK_TCK")

    @classmethod
    def serving(cls, server_pid: int, emulator_pid: int, database: str | None) -> CpuMeter:
        """While the server serves: the server, the emulator, this bench client, PostgreSQL."""
        return cls(
            {
                "server": lambda: server_processes(server_pid),
                "emulator": lambda: _tree(emulator_pid),
                "bench client": lambda: [os.getpid()],
                "postgres (this database)": lambda: (
                    _postgres_backends(database) if database else []
                ),
            }
        )

    @classmethod
    def raw_baseline(
        cls, emulator_pid: int, database: str | None, server_pid: int | None = None
    ) -> CpuMeter:
        """While the raw baseline runs: its worker processes (this bench's children other
        than the emulator and the idle server), PostgreSQL, and the idle server."""
        own = os.getpid()

        def raw_workers() -> list[int]:
            others = set(_tree(emulator_pid))
            if server_pid is not None:
                others.update(_tree(server_pid))  # py-spy too, when profiling
            return [p for p in _tree(own) if p != own and p not in others]

        parties: dict[str, Callable[[], list[int]]] = {
            "raw workers": raw_workers,
            "postgres (this database)": lambda: _postgres_backends(database) if database else [],
        }
        if server_pid is not None:
            parties["server (idle)"] = lambda: server_processes(server_pid)
        return cls(parties)

    def snapshot(self) -> CpuSnapshot:
        groups = {name: pids() for name, pids in self.parties.items()}
        busy, total = _machine()
        return CpuSnapshot(
            time.monotonic(),
            busy,
            total,
            {name: {pid: _jiffies(pid) for pid in pids} for name, pids in groups.items()},
        )

    def cores(self, first: CpuSnapshot, last: CpuSnapshot) -> dict[str, float]:
        wall = max(last.at - first.at, 1e-9)
        used: dict[str, float] = {}
        for name, now in last.groups.items():
            before = first.groups.get(name, {})
            jiffies = sum(max(0, j - before.get(pid, 0)) for pid, j in now.items())
            used[name] = round(jiffies / self.hz / wall, 2)
        cores = os.cpu_count() or 1
        busy = (last.machine_busy - first.machine_busy) / max(
            last.machine_total - first.machine_total, 1
        )
        used["whole machine"] = round(busy * cores, 2)
        used["everything else"] = round(
            used["whole machine"] - sum(v for k, v in used.items() if k != "whole machine"), 2
        )
        return used
