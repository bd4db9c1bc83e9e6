"""What a server process writes about each request never holds a token: a guest link's, a
staff member's sent in a URL by mistake, or anything else a query string carries."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from harness import free_port, is_up, server_env, wait_for
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

SECRETS = [f"s3cr3t{n}Tok3nXYZ" for n in range(5)]


def test_the_access_log_never_shows_a_token(
    database_url: str, emulator_url: str, tmp_path: Path
) -> None:
    port = free_port()
    log = tmp_path / "server.log"
    env = {**os.environ, **server_env(database_url, emulator_url, tmp_path)}
    args = ["uvicorn", "tableside.asgi:app_from_env", "--factory", "--port", str(port)]
    # uvicorn's defaults: INFO, access log on.
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", *args], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: is_up(f"{base}/healthz"), 20.0, "the server to come up", every_s=0.05)
        assert httpx.get(f"{base}/g/{SECRETS[0]}").status_code == 404
        assert httpx.get(f"{base}/api/v1/guest/checks/{SECRETS[1]}").status_code == 404
        assert httpx.get(f"{base}/api/v1/floor?token={SECRETS[2]}").status_code == 401
        # Refused: a token never goes in a URL.
        ws_url = f"ws://127.0.0.1:{port}/api/v1/ws?token={SECRETS[3]}"
        with pytest.raises(ConnectionClosed), connect(ws_url) as ws:
            ws.recv(timeout=10)
        assert httpx.get(f"{base}/static/none.js?session={SECRETS[4]}").status_code == 404
    finally:
        server.terminate()
        server.wait(timeout=15)
    written = log.read_text()
    for secret in SECRETS:
        assert secret not in written, written
    # What the requests were is still there.
    assert '"GET /g/… HTTP/1.1" 404' in written, written
    assert '"GET /api/v1/guest/checks/… HTTP/1.1" 404' in written
    assert '"GET /api/v1/floor?token=… HTTP/1.1" 401' in written
    assert '"WebSocket /api/v1/ws?token=…" [accepted]' in written
