"""The seed review's failure scenarios, injected inside the server: a failure anywhere in
settlement leaves no half-done state and no success answer, and a retry with the same key
finishes the job with exactly one charge."""

from __future__ import annotations

from typing import Any

import pytest
from emulator import Emulator
from races import failing_before_commit
from terminal import Terminal, new_key


class InjectedFailure(RuntimeError):
    """Stands for anything that can go wrong late in settlement (a crash, a lost disk)."""


def open_check(server: Terminal) -> dict[str, Any]:
    check = server.seat("T11", guests=2)
    return server.ring(check["id"], "Chicken wings", options=["BBQ"], quantity=2)


@pytest.mark.parametrize("tender", ["cash", "card"])
def test_a_failure_just_before_the_commit_shows_no_success_and_leaves_no_ghost_table(
    server: Terminal, emulator: Emulator, tender: str
) -> None:
    check = open_check(server)
    key = new_key()
    events_before = server.get("/events").json()["last_seq"]
    with failing_before_commit(InjectedFailure("injected just before the settlement commits")):
        failed = server.pay(check["id"], check["total_cents"], tender=tender, key=key)
    assert failed.status_code >= 500
    assert "captured" not in failed.text
    # Nothing half-done: the check is open with nothing paid, the table still holds it,
    # and no terminal was told otherwise.
    after = server.check(check["id"])
    assert after["status"] == "open"
    assert after["paid_cents"] == 0
    assert server.table("T11")["check_id"] == check["id"]
    new_events = server.get("/events", params={"after": events_before}).json()["events"]
    assert not [e for e in new_events if e["type"] in ("payment.captured", "table.updated")]

    retry = server.pay(check["id"], check["total_cents"], tender=tender, key=key)
    assert retry.status_code == 201, retry.text
    assert retry.json()["check"]["status"] == "closed"
    assert retry.json()["table"]["status"] == "available"
    if tender == "card":
        assert len(emulator.charges_for(check["id"])) == 1


def test_there_is_no_way_to_set_a_table_free_by_hand(server: Terminal) -> None:
    check = open_check(server)
    table_id = check["table_id"]
    for method in ("PATCH", "PUT", "POST"):
        response = server.http.request(
            method, f"/api/v1/tables/{table_id}/status", json={"status": "available"}
        )
        assert response.status_code in (404, 405)
    assert server.table("T11")["status"] == "occupied"
