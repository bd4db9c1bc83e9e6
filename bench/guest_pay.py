"""Pay at the table, as the guests' phones meet it: the guest's check read and the guest's
card payment, over HTTP, against ``tableside serve`` and the card-processor emulator.

On a fresh database (the demo floor topped up to 200 tables) a server seats ``--checks``
tables of 3 to 5 guests, rings 4 to 8 lines on each and makes a guest link for it. Then,
one request at a time (an unloaded server: what one guest waits), each check is read
``--reads`` times in all (``GET /api/v1/guest/checks/{token}``), and each is paid in full
by card with a tip (``POST …/{token}/payments``: the link checked, the one settlement, the
emulator's charge, the check closed and the table freed). Requests come from many loopback
addresses, as phones do from many devices, so the per-device limit is not what is measured.

Beside each guest request the same is done as a terminal (``GET /api/v1/checks/{id}``; half
the checks paid by card at ``POST /api/v1/checks/{id}/payments``), in turn with the guests',
so that both meet the same machine: what a guest's request costs over a terminal's is the
difference, whatever else the machine is doing.

    .venv/bin/python bench/guest_pay.py [--db postgresql|sqlite] [--checks 100] [--reads 1000]

Prints one JSON line: p50 / p99 / mean milliseconds of each, guest and terminal.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from prepare import fresh_database, prepare
from processes import ServerSettings, start_emulator, start_server

ADDRESSES = 50  # distinct loopback addresses the "phones" send from


def _ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50": round(statistics.median(ordered), 2),
        "p99": round(ordered[max(0, int(len(ordered) * 0.99) - 1)], 2),
        "mean": round(statistics.fmean(ordered), 2),
    }


@contextmanager
def _phones(url: str) -> Iterator[list[httpx.Client]]:
    clients = [
        httpx.Client(
            base_url=url,
            timeout=30,
            transport=httpx.HTTPTransport(local_address=f"127.0.0.{10 + i}"),
        )
        for i in range(ADDRESSES)
    ]
    try:
        yield clients
    finally:
        for client in clients:
            client.close()


def _checks_with_links(
    staff: httpx.Client, tables: list[str], rng: random.Random
) -> list[dict[str, Any]]:
    """Seat, ring and link each table as a server on a terminal would."""
    items = [i for i in staff.get("/menu").json()["items"] if i["available"]]
    made = []
    for table_id in tables:
        check = staff.post(f"/tables/{table_id}/seat", json={"guests": rng.randint(3, 5)})
        check_id = check.json()["id"]
        for _ in range(rng.randint(4, 8)):
            item = rng.choice(items)
            options = [g["options"][0]["id"] for g in item["modifier_groups"] if g["min"]]
            line = {"menu_item_id": item["id"], "seat": rng.randint(1, 4)}
            line["modifier_option_ids"] = options
            assert staff.post(f"/checks/{check_id}/lines", json=line).status_code == 201
        link = staff.post(f"/checks/{check_id}/guest-link")
        assert link.status_code == 201, link.text
        made.append({"token": link.json()["token"], "id": check_id})
    return made


def _measure(url: str, tables: list[str], reads: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {
        "guest_read": [],
        "terminal_read": [],
        "guest_card_settle": [],
        "terminal_card_settle": [],
    }

    def timed(kind: str, client: httpx.Client, method: str, path: str, **kw: Any) -> httpx.Response:
        start = time.perf_counter()
        answer = client.request(method, path, **kw)
        times[kind].append((time.perf_counter() - start) * 1000)
        assert answer.status_code in (200, 201), answer.text
        return answer

    with _phones(url) as phones, httpx.Client(base_url=f"{url}/api/v1", timeout=30) as staff:
        login = staff.post("/auth/login", json={"restaurant": "demo", "pin": "1234"})
        staff.headers["Authorization"] = f"Bearer {login.json()['token']}"
        checks = _checks_with_links(staff, tables, random.Random(15))
        for i in range(30):  # connections, prepared statements and caches warm
            phones[i % ADDRESSES].get(f"/api/v1/guest/checks/{checks[0]['token']}")
            staff.get(f"/checks/{checks[0]['id']}")
        for i in range(reads):
            check, phone = checks[i % len(checks)], phones[i % ADDRESSES]
            timed("guest_read", phone, "GET", f"/api/v1/guest/checks/{check['token']}")
            timed("terminal_read", staff, "GET", f"/checks/{check['id']}")
        for i, check in enumerate(checks):
            phone = phones[i % ADDRESSES]
            amount = staff.get(f"/checks/{check['id']}").json()["balance_cents"]
            body: dict[str, Any] = {"amount_cents": amount, "tip_cents": amount * 18 // 100}
            body["payment_method"] = "pm_card_visa"
            key = {"Idempotency-Key": str(uuid.uuid4())}
            if i % 2 == 0:
                guest = f"/api/v1/guest/checks/{check['token']}/payments"
                paid = timed("guest_card_settle", phone, "POST", guest, json=body, headers=key)
            else:
                path = f"/checks/{check['id']}/payments"
                body["tender"] = "card"
                paid = timed("terminal_card_settle", staff, "POST", path, json=body, headers=key)
            assert paid.json()["table"]["status"] == "available", paid.text
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--checks", type=int, default=100)
    parser.add_argument("--reads", type=int, default=1000)
    args = parser.parse_args()
    with fresh_database(args.db) as bench_db:
        assert bench_db.directory is not None
        prepared = prepare(bench_db, terminals=1, floor_tables=200, api_checks=0, raw_checks=0)
        emulator = start_emulator(bench_db.directory)
        server = start_server(bench_db.url, emulator.url, bench_db.directory, ServerSettings(1))
        try:
            tables = prepared.terminal_tables[0][: args.checks]
            times = _measure(server.url, tables, args.reads)
        finally:
            server.stop()
            emulator.stop()
    result: dict[str, Any] = {"db": args.db, "checks": len(tables), "reads": args.reads}
    result.update({f"{kind}_ms": _ms(samples) for kind, samples in times.items()})
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
