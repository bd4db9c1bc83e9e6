"""Logging in with a PIN, tokens, logging out, and wrong PINs that never lock anyone out."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import httpx
import pytest
from db_state import changed_tables, execute, snapshot, staff_id
from harness import LiveServer, at_once
from sqlalchemy import text
from terminal import login

from tableside.core.unit_of_work import Database
from tableside.staff.service import hash_token


def me(base_url: str, token: str) -> httpx.Response:
    return httpx.get(f"{base_url}/api/v1/me", headers={"Authorization": f"Bearer {token}"})


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    if code is not None:
        assert error["code"] == code, error


def test_a_server_logs_in_with_the_demo_pin(live_server: str) -> None:
    response = login(live_server)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token"]
    assert body["staff"]["role"] == "server"
    assert set(body["staff"]) >= {"id", "name", "role"}
    assert body["restaurant"]["slug"] == "demo"
    assert body["restaurant"]["name"] == "Demo Bistro"
    assert set(body["restaurant"]) >= {"id", "slug", "name"}
    assert me(live_server, body["token"]).json()["id"] == body["staff"]["id"]


@pytest.mark.parametrize(
    ("pin", "role"), [("2345", "server"), ("9999", "manager"), ("5555", "kitchen")]
)
def test_every_demo_pin_logs_in_with_its_role(live_server: str, pin: str, role: str) -> None:
    response = login(live_server, pin=pin)
    assert response.status_code == 200, response.text
    assert response.json()["staff"]["role"] == role


def test_demo2_is_its_own_restaurant(live_server: str) -> None:
    demo = login(live_server).json()
    demo2 = login(live_server, restaurant="demo2").json()
    assert demo2["restaurant"]["slug"] == "demo2"
    assert demo2["restaurant"]["id"] != demo["restaurant"]["id"]
    assert demo2["staff"]["id"] != demo["staff"]["id"]


def test_a_wrong_pin_is_refused(live_server: str, db: Database) -> None:
    before = snapshot(db)
    assert_error(login(live_server, pin="1111"), 401)
    assert_error(login(live_server, "1234", restaurant="no-such-place"), 401)
    assert changed_tables(before, snapshot(db)) == []


@pytest.mark.parametrize(
    "body",
    [
        {"restaurant": "demo"},
        {"pin": "1234"},
        {"restaurant": "demo", "pin": "12ab"},
        {"restaurant": "demo", "pin": ""},
        {"restaurant": "demo", "pin": "123"},
        {"restaurant": "demo", "pin": "123456789"},
        {"restaurant": "demo", "pin": 1234},
        {"restaurant": "", "pin": "1234"},
        {"restaurant": "demo", "pin": "1234", "role": "manager"},
        {"restaurant": "demo\x00", "pin": "1234"},
        {"restaurant": "demo", "pin": "1234", "staff_id": "x\x00"},
        {"restaurant": "demo", "pin": "1234", "staff_id": "' OR 1=1 --"},
        [],
        "demo",
        None,
    ],
)
def test_a_malformed_login_is_a_422_that_changes_nothing(
    live_server: str, db: Database, body: Any
) -> None:
    before = snapshot(db)
    response = httpx.post(f"{live_server}/api/v1/auth/login", json=body)
    assert_error(response, 422)
    assert changed_tables(before, snapshot(db)) == []


def test_a_login_body_that_is_not_json_is_a_422(live_server: str) -> None:
    response = httpx.post(
        f"{live_server}/api/v1/auth/login",
        content=b"restaurant=demo&pin=1234",
        headers={"content-type": "application/json"},
    )
    assert_error(response, 422)


def test_a_token_survives_a_server_restart(
    live_server: str, start_live_server: Callable[..., LiveServer]
) -> None:
    token = login(live_server).json()["token"]
    second = start_live_server()
    response = me(second.url, token)
    assert response.status_code == 200, response.text
    assert response.json()["role"] == "server"
    floor = httpx.get(f"{second.url}/api/v1/floor", headers={"Authorization": f"Bearer {token}"})
    assert floor.status_code == 200


def test_an_expired_or_revoked_token_is_refused(live_server: str, db: Database) -> None:
    expired = login(live_server).json()["token"]
    revoked = login(live_server).json()["token"]
    assert me(live_server, expired).status_code == 200
    execute(
        db,
        "UPDATE staff_sessions SET expires_at = created_at WHERE token_hash = :h",
        h=hash_token(expired),
    )
    execute(
        db,
        "UPDATE staff_sessions SET revoked_at = created_at WHERE token_hash = :h",
        h=hash_token(revoked),
    )
    assert_error(me(live_server, expired), 401)
    assert_error(me(live_server, revoked), 401)
    assert_error(me(live_server, "not-a-token-at-all"), 401)


def test_logging_out_ends_the_session_only(live_server: str) -> None:
    leaving = login(live_server).json()["token"]
    staying = login(live_server).json()["token"]
    response = httpx.post(
        f"{live_server}/api/v1/auth/logout", headers={"Authorization": f"Bearer {leaving}"}
    )
    assert response.status_code == 204, response.text
    assert_error(me(live_server, leaving), 401)
    assert me(live_server, staying).status_code == 200


def test_the_login_cookie_works_for_the_screens(live_server: str) -> None:
    with httpx.Client(base_url=live_server) as browser:
        assert browser.post("/api/v1/auth/login", json={"restaurant": "demo", "pin": "1234"})
        assert browser.get("/api/v1/floor").status_code == 200


# --- wrong PINs (more in test_pin_guessing.py): they cost the guesser, never the guessed --


def test_wrong_pins_on_a_tile_never_lock_that_server_out(live_server: str, db: Database) -> None:
    sam = staff_id(db, "demo", "Sam Rivera")
    for _ in range(4):
        assert_error(login(live_server, pin="0000", staff_id=sam), 401)
    # Riley's own PIN typed on Sam's tile is a wrong PIN for Sam, not a login as Riley.
    assert_error(login(live_server, pin="2345", staff_id=sam), 401)
    response = login(live_server, pin="1234", staff_id=sam)
    assert response.status_code == 200, response.text
    assert response.json()["staff"]["name"] == "Sam Rivera"


def test_wrong_pins_never_touch_a_staff_members_row(live_server: str, db: Database) -> None:
    before = snapshot(db)
    for _ in range(6):
        assert_error(login(live_server, pin="0000"), 401)
    assert_error(login(live_server, pin="0000", staff_id=staff_id(db, "demo", "Morgan Ellis")), 401)
    assert changed_tables(before, snapshot(db)) == []
    for pin in ["1234", "2345", "9999", "5555"]:
        assert login(live_server, pin=pin).status_code == 200


def test_a_tile_of_another_restaurant_is_just_a_wrong_login(live_server: str, db: Database) -> None:
    other = staff_id(db, "demo2", "Sam Rivera")
    assert_error(login(live_server, pin="1234", staff_id=other), 401)
    assert_error(login(live_server, pin="1234", staff_id="stf_nobody"), 401)
    assert login(live_server, "1234", restaurant="demo2", staff_id=other).status_code == 200


def _at_once(live_server: str, bodies: list[dict[str, Any]]) -> list[int]:
    def tap(body: dict[str, Any]) -> int:
        with httpx.Client(base_url=live_server, timeout=30) as tablet:
            return tablet.post("/api/v1/auth/login", json=body).status_code

    return at_once([partial(tap, body) for body in bodies])


def test_wrong_pins_fired_at_once_from_a_new_terminal_are_each_counted(
    live_server: str, db: Database
) -> None:
    statuses = _at_once(live_server, [{"restaurant": "demo", "pin": "0000"}] * 8)
    assert sorted(statuses) == [401] * 8, statuses
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT scope, sum(failures) FROM login_throttle GROUP BY scope"))
        counted = {scope: int(total) for scope, total in rows}
    assert counted == {"source": 8, "restaurant": 8}


def test_the_login_cookie_is_secure_when_a_trusted_proxy_says_https(
    start_live_server: Callable[..., LiveServer],
) -> None:
    proxied = start_live_server(env={"TABLESIDE_TRUSTED_PROXIES": "127.0.0.1"}).url
    plain = start_live_server().url
    body = {"restaurant": "demo", "pin": "1234"}
    https = {"X-Forwarded-Proto": "https"}

    def cookie(base_url: str, headers: dict[str, str]) -> str:
        response = httpx.post(f"{base_url}/api/v1/auth/login", json=body, headers=headers)
        assert response.status_code == 200, response.text
        return response.headers["set-cookie"].lower()

    assert "; secure" in cookie(proxied, https)
    assert "; secure" not in cookie(proxied, {})  # plain HTTP through the proxy
    # Without a trusted proxy, anyone could send the header: plain HTTP is what it is.
    assert "; secure" not in cookie(plain, https)
    assert "httponly" in cookie(plain, {}) and "samesite=strict" in cookie(plain, {})
