"""Check numbers: one per check, unique in a restaurant's business day, however many servers
seat at once, and taken so late that one seating never waits for another's."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest
from db_state import staff_id
from sqlalchemy import text
from terminal import Terminal

from tableside.checks import rules
from tableside.checks import service as checks
from tableside.core.access import Principal, Role
from tableside.core.unit_of_work import Database
from tableside.floor import service as floor


def sam(db: Database) -> Principal:
    """Sam Rivera, a server of the demo restaurant, as the services see a caller."""
    sam_id = staff_id(db, "demo", "Sam Rivera")
    with db.engine.connect() as conn:
        restaurant_id = conn.execute(
            text("SELECT restaurant_id FROM staff WHERE id = :id"), {"id": sam_id}
        ).scalar_one()
    return Principal(restaurant_id=restaurant_id, staff_id=sam_id, role=Role.SERVER, name="Sam")


def numbers_of_the_day(db: Database) -> dict[str, int]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.id, c.number FROM checks c JOIN restaurants r ON r.id = c.restaurant_id"
                " WHERE r.slug = 'demo'"
            )
        ).all()
    return {row[0]: row[1] for row in rows}


def test_a_seating_not_yet_committed_never_holds_up_another_tables_seating(
    live_server: str, db: Database, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time: there, every write waits its turn")
    server = Terminal(live_server)
    t1, t2 = server.table("T1")["id"], server.table("T2")["id"]
    answered: list[httpx.Response] = []
    with db.unit(sam(db).restaurant_id, sam(db).staff_id) as uow:
        slow = floor.seat(uow, sam(db), t1, 2)  # T1 seated; its request not finished yet

        def seat_t2() -> None:
            with httpx.Client(base_url=live_server, timeout=30) as tablet:
                answered.append(
                    tablet.post(
                        f"/api/v1/tables/{t2}/seat",
                        json={"guests": 4},
                        headers={"Authorization": f"Bearer {server.token}"},
                    )
                )

        other = threading.Thread(target=seat_t2)
        other.start()
        other.join(timeout=5)
        # T2 was seated while T1's request was still running (the check number's counter
        # is taken with the commit, not from the check's insert on).
        assert answered and answered[0].status_code == 201, answered
        uow.commit()
    other.join()
    fast = answered[0].json()
    # Numbered in the order the seatings committed, and each answer shows its own number.
    assert (fast["number"], slow.number) == (1, 2)
    assert numbers_of_the_day(db) == {fast["id"]: 1, slow.id: 2}


def test_check_numbers_stay_unique_when_many_servers_seat_and_open_takeout_at_once(
    live_server: str, db: Database
) -> None:
    tokens = [Terminal(live_server).token, Terminal(live_server, pin="2345").token]
    tables = [t["id"] for t in Terminal(live_server).floor()]
    racers = [(table_id, k) for table_id in tables for k in range(2)]  # two servers a table
    takeouts = 6
    start = threading.Barrier(len(racers) + takeouts)
    seated: list[httpx.Response] = []
    opened: list[Any] = []

    def seat(table_id: str, k: int) -> None:
        with httpx.Client(base_url=live_server, timeout=60) as tablet:
            start.wait()
            seated.append(
                tablet.post(
                    f"/api/v1/tables/{table_id}/seat",
                    json={"guests": 2},
                    headers={"Authorization": f"Bearer {tokens[k]}"},
                )
            )

    def takeout() -> None:
        who = sam(db)
        start.wait()
        with db.unit(who.restaurant_id, who.staff_id) as uow:
            view = checks.open_without_table(uow, who, rules.CheckType.TAKEOUT, guest_name="Sam")
            uow.commit()
        opened.append(view)

    threads = [threading.Thread(target=seat, args=racer) for racer in racers]
    threads += [threading.Thread(target=takeout) for _ in range(takeouts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    winners = [r.json() for r in seated if r.status_code == 201]
    losers = [r.json() for r in seated if r.status_code != 201]
    assert len(winners) == len(tables) and len(opened) == takeouts, [r.text for r in seated]
    assert {loser["error"]["code"] for loser in losers} == {"table_occupied"}
    answered = {w["id"]: w["number"] for w in winners} | {v.id: v.number for v in opened}
    stored = numbers_of_the_day(db)
    assert answered == stored  # every answer shows the number its check has
    # One number each, none used twice, none skipped: a seating that lost its table took none.
    assert sorted(stored.values()) == list(range(1, len(stored) + 1))
