"""What a hostile or broken client can send: an oversized body is refused before anything
parses it, another site cannot make a logged-in tablet act, and answers are never sniffed
or cached."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
from db_state import changed_tables, snapshot
from terminal import Terminal

from tableside.core.unit_of_work import Database


def test_an_11_megabyte_login_is_refused_at_once_and_the_server_keeps_serving(
    live_server: str,
) -> None:
    body = json.dumps({f"k{i}": i for i in range(800_000)}).encode()
    assert len(body) > 10_000_000
    response = httpx.post(
        f"{live_server}/api/v1/auth/login",
        content=body,
        headers={"content-type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 413, response.text[:200]
    assert response.json()["error"]["code"] == "request_too_large"
    assert len(response.content) < 1_000
    assert httpx.get(f"{live_server}/healthz").status_code == 200


def test_a_streamed_body_over_the_limit_is_refused_too(live_server: str) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"restaurant": "demo", "pin": "'
        for _ in range(100):
            yield b"1" * 1024
        yield b'"}'

    response = httpx.post(
        f"{live_server}/api/v1/auth/login",
        content=chunks(),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413, response.text
    assert response.json()["error"]["code"] == "request_too_large"


def test_a_validation_error_lists_only_the_first_problems(live_server: str) -> None:
    server = Terminal(live_server)
    response = server.post(
        "/checks/chk_x/payments",
        {f"unknown_{i}": i for i in range(500)},
        headers={"Idempotency-Key": "k"},
    )
    assert response.status_code == 422
    assert len(response.json()["error"]["details"]) <= 20


def test_another_site_cannot_make_a_logged_in_tablet_act(live_server: str) -> None:
    server = Terminal(live_server)
    table = next(t for t in server.floor() if t["status"] == "available")
    forged = httpx.post(
        f"{live_server}/api/v1/tables/{table['id']}/seat",
        json={"guests": 2},
        cookies={"tableside_token": server.token},
        headers={"Origin": "https://evil.example"},
    )
    assert forged.status_code == 403, forged.text
    assert forged.json()["error"]["code"] == "cross_origin"
    logout = httpx.post(
        f"{live_server}/api/v1/auth/logout",
        cookies={"tableside_token": server.token},
        headers={"Origin": "https://evil.example"},
    )
    assert logout.status_code == 403
    assert server.table(table["label"])["status"] == "available"  # and still logged in


def test_api_answers_are_neither_sniffed_nor_cached(live_server: str) -> None:
    server = Terminal(live_server)
    response = server.get("/floor")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"


def test_another_site_cannot_fire_or_stop_anything_with_a_bodiless_request(
    live_server: str, db: Database
) -> None:
    """Sending to the kitchen and revoking guest links carry no body: the Origin check
    refuses them all the same, as the WebSocket refuses another site's cookie."""
    server = Terminal(live_server)
    check = server.seat(next(t for t in server.floor() if t["status"] == "available")["label"])
    server.ring(check["id"], "Draft IPA")
    link = server.post(f"/checks/{check['id']}/guest-link")
    assert link.status_code == 201, link.text
    before = snapshot(db)
    cookie = {"tableside_token": server.token}
    for origin in ["https://evil.example", "null", f"{live_server}.evil.example"]:
        with httpx.Client(base_url=live_server, cookies=cookie) as browser:
            fire = browser.post(f"/api/v1/checks/{check['id']}/send", headers={"Origin": origin})
            stop = browser.delete(
                f"/api/v1/checks/{check['id']}/guest-link", headers={"Origin": origin}
            )
        for refused in (fire, stop):
            assert refused.status_code == 403, refused.text
            assert refused.json()["error"]["code"] == "cross_origin"
    assert changed_tables(before, snapshot(db)) == []
    # From the screens' own origin the same requests work.
    with httpx.Client(base_url=live_server, cookies=cookie) as screen:
        sent = screen.post(f"/api/v1/checks/{check['id']}/send", headers={"Origin": live_server})
    assert sent.status_code == 200, sent.text


def test_an_outside_client_with_a_bearer_token_is_not_refused_for_its_origin(
    live_server: str,
) -> None:
    """Only the login cookie is attached by a browser on its own: a request that carries a
    bearer token, or no credentials at all, is answered whatever Origin it names."""
    server = Terminal(live_server)
    table = next(t for t in server.floor() if t["status"] == "available")
    seated = httpx.post(
        f"{live_server}/api/v1/tables/{table['id']}/seat",
        json={"guests": 2},
        headers={"Authorization": f"Bearer {server.token}", "Origin": "https://pos.example"},
    )
    assert seated.status_code == 201, seated.text
    menu = httpx.get(f"{live_server}/api/v1/public/demo/menu").json()
    quote = httpx.post(
        f"{live_server}/api/v1/public/demo/quote",
        json={"items": [{"menu_item_id": menu["items"][0]["id"]}]},
        headers={"Origin": "https://bistro.example"},
    )
    assert quote.status_code != 403, quote.text
    # The same seat with the cookie instead is another site acting as the tablet: refused.
    other = next(t for t in server.floor() if t["status"] == "available")
    forged = httpx.post(
        f"{live_server}/api/v1/tables/{other['id']}/seat",
        json={"guests": 2},
        cookies={"tableside_token": server.token},
        headers={"Origin": "https://pos.example"},
    )
    assert forged.status_code == 403
    assert server.table(other["label"])["status"] == "available"
