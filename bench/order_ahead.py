"""Order ahead, as guests' phones meet it: the public menu read and an online order placed
and paid, over HTTP, against ``tableside serve`` and the card-processor emulator.

On a fresh database the owner lets a pickup slot take 1000 orders. Then, one request at a
time (an unloaded server: what one guest waits), ``--orders`` orders of 1 to 4 items (with
the modifiers the menu requires) are placed ASAP and paid by card — the order held, the one
settlement, the emulator's charge, and the ticket fired in the capture's transaction — each
after a read of the public menu. Then ``--guests`` guests at once place orders for
``--seconds``: orders per second and their latency under that load. Requests come from many
loopback addresses, as phones do, so the per-device limit is not what is measured.

    .venv/bin/python bench/order_ahead.py [--db postgresql|sqlite] [--orders 100]
        [--guests 8] [--seconds 20]

Prints one JSON line: p50 / p99 / mean milliseconds, and orders/s under load.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import threading
import time
import uuid
from typing import Any

import httpx
from prepare import fresh_database, prepare
from processes import ServerSettings, start_emulator, start_server

ADDRESSES = 50


def _ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50": round(statistics.median(ordered), 2),
        "p99": round(ordered[max(0, int(len(ordered) * 0.99) - 1)], 2),
        "mean": round(statistics.fmean(ordered), 2),
    }


def _phone(url: str, i: int) -> httpx.Client:
    transport = httpx.HTTPTransport(local_address=f"127.0.0.{10 + i % ADDRESSES}")
    return httpx.Client(base_url=f"{url}/api/v1/public/demo", timeout=30, transport=transport)


def _order(items: list[dict[str, Any]], rng: random.Random) -> dict[str, Any]:
    lines = []
    for _ in range(rng.randint(1, 4)):
        item = rng.choice(items)
        options = [g["options"][0]["id"] for g in item["modifier_groups"] if g["min"]]
        lines.append({"menu_item_id": item["id"], "modifier_option_ids": options})
    return {
        "items": lines,
        "name": "Bench Guest",
        "phone": "555 0100",
        "pickup": "asap",
        "payment_method": "pm_card_visa",
        "tip_cents": 0,
    }


def _place(phone: httpx.Client, body: dict[str, Any]) -> float:
    start = time.perf_counter()
    answer = phone.post("/orders", json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
    elapsed = (time.perf_counter() - start) * 1000
    assert answer.status_code == 201, answer.text
    assert answer.json()["order"]["status"] == "received", answer.text
    return elapsed


def _measure(url: str, orders: int, guests: int, seconds: float) -> dict[str, Any]:
    with httpx.Client(base_url=f"{url}/api/v1", timeout=30) as owner:
        login = owner.post("/auth/login", json={"restaurant": "demo", "pin": "8888"})
        owner.headers["Authorization"] = f"Bearer {login.json()['token']}"
        assert owner.put("/online-ordering", json={"slot_capacity": 1000}).status_code == 200
    rng = random.Random(15)
    phones = [_phone(url, i) for i in range(ADDRESSES)]
    times: dict[str, list[float]] = {"menu_read": [], "order_paid": []}
    try:
        items = [i for i in phones[0].get("/menu").json()["items"] if i["available"]]
        for i in range(10):  # connections, prepared statements and caches warm
            phones[i].get("/menu")
            _place(phones[i], _order(items, rng))
        for i in range(orders):
            phone = phones[i % ADDRESSES]
            start = time.perf_counter()
            assert phone.get("/menu").status_code == 200
            times["menu_read"].append((time.perf_counter() - start) * 1000)
            times["order_paid"].append(_place(phone, _order(items, rng)))
        loaded: list[float] = []
        lock = threading.Lock()
        stop = time.monotonic() + seconds

        def guest(i: int) -> None:
            mine = random.Random(i)
            while time.monotonic() < stop:
                took = _place(phones[(i * 7) % ADDRESSES], _order(items, mine))
                with lock:
                    loaded.append(took)

        threads = [threading.Thread(target=guest, args=(i,)) for i in range(guests)]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        took_s = time.monotonic() - began
    finally:
        for phone in phones:
            phone.close()
    return {
        "menu_read_ms": _ms(times["menu_read"]),
        "order_paid_ms": _ms(times["order_paid"]),
        "loaded_guests": guests,
        "loaded_orders_per_s": round(len(loaded) / took_s, 1),
        "loaded_order_ms": _ms(loaded),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--orders", type=int, default=100)
    parser.add_argument("--guests", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    with fresh_database(args.db) as bench_db:
        assert bench_db.directory is not None
        prepare(bench_db, terminals=1, floor_tables=12, api_checks=0, raw_checks=0)
        emulator = start_emulator(bench_db.directory)
        server = start_server(bench_db.url, emulator.url, bench_db.directory, ServerSettings(1))
        try:
            result = _measure(server.url, args.orders, args.guests, args.seconds)
        finally:
            server.stop()
            emulator.stop()
    print(json.dumps({"db": args.db, "orders": args.orders, **result}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
