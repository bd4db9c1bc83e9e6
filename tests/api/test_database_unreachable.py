"""PostgreSQL restarting or unreachable: a terminal is told to try again (503), never shown
a 500 it cannot tell from a bug, and nothing is taken."""

from __future__ import annotations

import asyncio
import socket
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tableside.app import create_app
from tableside.config import Settings
from tableside.core.database import make_engine
from tableside.core.unit_of_work import Database


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again when this returns: nothing listens


def test_a_login_while_the_database_is_down_answers_try_again(tmp_path: Path) -> None:
    url = f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/tableside"
    settings = Settings.from_env(
        {
            "TABLESIDE_DATABASE_URL": url,
            "TABLESIDE_PROCESSOR_URL": "http://127.0.0.1:9",
            "TABLESIDE_DATA_DIR": str(tmp_path),
        }
    )
    app = create_app(settings, db=Database(make_engine(url)))

    async def ask() -> tuple[httpx.Response, httpx.Response]:
        # No lifespan: the app's background workers never start, only the requests run.
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://tableside") as client:
            login = await client.post(
                "/api/v1/auth/login", json={"restaurant": "demo", "pin": "1234"}
            )
            floor = await client.get(
                "/api/v1/floor", headers={"Authorization": "Bearer not-checked-yet"}
            )
        return login, floor

    # A thread of its own: another test's event loop may still be set in this one.
    with ThreadPoolExecutor(max_workers=1) as thread:
        login, floor = thread.submit(asyncio.run, ask()).result()
    assert login.status_code == 503, login.text
    assert login.json()["error"]["code"] == "database_unavailable"
    assert "Try again" in login.json()["error"]["message"]
    assert floor.status_code == 503, floor.text


def test_a_request_that_finds_every_connection_in_use_answers_try_again(
    database_url: str, tmp_path: Path
) -> None:
    engine = make_engine(database_url, pool_size=1)
    settings = Settings.from_env(
        {
            "TABLESIDE_DATABASE_URL": database_url,
            "TABLESIDE_PROCESSOR_URL": "http://127.0.0.1:9",
            "TABLESIDE_DATA_DIR": str(tmp_path),
        }
    )
    app = create_app(settings, db=Database(engine))
    pool = engine.pool
    held = [engine.connect() for _ in range(pool.size() + pool._max_overflow)]  # type: ignore[attr-defined]

    async def ask() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://tableside") as client:
            return await client.post(
                "/api/v1/auth/login", json={"restaurant": "demo", "pin": "1234"}
            )

    try:
        with ThreadPoolExecutor(max_workers=1) as thread:
            login = thread.submit(asyncio.run, ask()).result()
    finally:
        for connection in held:
            connection.close()
        engine.dispose()
    assert login.status_code == 503, login.text
    assert login.json()["error"]["code"] == "database_unavailable"
    assert "in use right now" in login.json()["error"]["message"]
