"""The load: N terminals on the floor, each one asyncio task over one shared aiohttp session.

A *table cycle* is what a server does for a party, over HTTP exactly as tests/terminal.py
does it: look at the floor, seat one of the terminal's own tables, ring 4–8 lines over
2–4 seats (modifiers chosen as the menu requires), send to the kitchen, then either pay the
whole check or split it evenly by seat and pay part by part, each payment cash or card
(card goes through the processor emulator) with its own Idempotency-Key; the last payment's
response must show the check closed and the table available.

The *settle run* is the API side of the baseline ratio: each terminal pays prepared open
checks in full, in cash, one after the other — the same settlement the raw SQL does.

Only requests started after the warm-up and finished before the end are measured.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import json
import math
import random
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import aiohttp

EXPECTED = {
    "floor": 200,
    "seat": 201,
    "add_line": 201,
    "send": 200,
    "split": 200,
    "cash_settle": 201,
    "card_settle": 201,
    "charge": 200,
}


@dataclass
class Recorder:
    """Latencies per endpoint and event times, kept only inside the measured window."""

    warmup_s: float
    duration_s: float
    start: float = math.inf  # set by begin(), when the load starts
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    events: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)  # whole run, warm-up included
    notes: Counter[str] = field(default_factory=Counter)
    requests: int = 0
    last_event_at: float = 0.0
    # When a list: every measured request as (endpoint, started, finished), perf_counter s.
    timeline: list[tuple[str, float, float]] | None = None

    def begin(self) -> None:
        self.start = time.perf_counter()

    @property
    def window_start(self) -> float:
        return self.start + self.warmup_s

    @property
    def end(self) -> float:
        return self.window_start + self.duration_s

    def measured(self, started: float, finished: float) -> bool:
        return self.window_start <= started and finished <= self.end

    def request(self, endpoint: str, started: float, finished: float, status: int) -> None:
        if self.measured(started, finished):
            self.latencies[endpoint].append(finished - started)
            self.requests += 1
            if self.timeline is not None:
                self.timeline.append((endpoint, started, finished))
        if status != EXPECTED.get(endpoint, 201):
            self.errors[f"{endpoint} {status or 'transport error'}"] += 1

    def event(self, name: str) -> None:
        now = time.perf_counter()
        if self.window_start <= now <= self.end:
            self.events[name] += 1
            self.last_event_at = max(self.last_event_at, now)

    def rate(self, name: str, *, until_last: bool = False) -> float:
        """``name`` events per second of the window (``until_last``: of the part of it that
        ran, for a run that can end early when its prepared rows run out)."""
        end = self.end
        if until_last and self.last_event_at:
            end = min(end, self.last_event_at)
        return self.events[name] / max(end - self.window_start, 1e-9)

    def failure(self, what: str) -> None:
        self.errors[what] += 1


class Floor:
    """What a terminal needs to drive the API: the session, its token, and the recorder."""

    def __init__(
        self, session: aiohttp.ClientSession, recorder: Recorder, think_s: float = 0.0
    ) -> None:
        self.session = session
        self.recorder = recorder
        self.think_s = think_s
        self._rng = random.Random(11)

    async def call(
        self, endpoint: str, token: str, method: str, path: str, **kw: Any
    ) -> Reply | None:
        if self.think_s:
            # A person taps: between 0.5 and 1.5 times the mean pause before each request.
            await asyncio.sleep(self.think_s * self._rng.uniform(0.5, 1.5))
        headers = {"Authorization": f"Bearer {token}", **kw.pop("headers", {})}
        started = time.perf_counter()
        try:
            reply: Reply | None = await send(
                self.session, method, f"/api/v1{path}", headers=headers, **kw
            )
        except aiohttp.ClientError:  # its connect and read timeouts included
            reply = None
        finished = time.perf_counter()
        status = reply.status if reply is not None else 0
        self.recorder.request(endpoint, started, finished, status)
        return reply if status == EXPECTED.get(endpoint, 201) else None


@dataclass(frozen=True)
class Reply:
    """An answer read in full, so its connection is already back in the pool. The body is
    parsed only when asked for: most callers never look at it."""

    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


async def send(session: aiohttp.ClientSession, method: str, path: str, **kw: Any) -> Reply:
    """One request, its body read in full before returning, so that the connection is
    reused rather than closed."""
    async with session.request(method, path, **kw) as response:
        return Reply(response.status, await response.read())


async def login(session: aiohttp.ClientSession, restaurant: str, pin: str) -> str:
    async with session.post(
        "/api/v1/auth/login", json={"restaurant": restaurant, "pin": pin}, raise_for_status=True
    ) as response:
        token: str = (await response.json())["token"]
    return token


def new_session(
    base_url: str,
    connections: int,
    *,
    timeout_s: float = 60.0,
    headers: dict[str, str] | None = None,
) -> aiohttp.ClientSession:
    """One session per run: a pool of ``connections`` keep-alive connections to the server.

    aiohttp, not httpx: httpx cost ~8 ms of the bench process's CPU per request, on a machine
    whose 2 cores the server under test needs. Cookies are not kept (terminals send their
    own bearer token) and no compressed answers are asked for: both would only cost CPU.
    JSON bodies are compact, byte for byte what httpx sent. ``timeout_s`` bounds getting a
    connection and each wait for the answer's bytes."""
    return aiohttp.ClientSession(
        base_url=base_url,
        connector=aiohttp.TCPConnector(limit=connections, limit_per_host=connections),
        timeout=aiohttp.ClientTimeout(connect=timeout_s, sock_read=timeout_s),
        headers=headers,
        json_serialize=functools.partial(json.dumps, separators=(",", ":")),
        cookie_jar=aiohttp.DummyCookieJar(),
        skip_auto_headers=["Accept-Encoding"],
    )


# --- the table cycle ----------------------------------------------------------------------


@dataclass(frozen=True)
class CycleMix:
    card_share: float = 0.5  # of payments
    split_share: float = 0.5  # of checks: split evenly by seat, paid part by part


def _options(item: dict[str, Any], rng: random.Random) -> list[str]:
    chosen: list[str] = []
    for group in item["modifier_groups"]:
        low, high = group["min"], group["max"]
        count = rng.randint(low, min(high, low + 1, len(group["options"])))
        chosen += [o["id"] for o in rng.sample(group["options"], count)]
    return chosen


def _payment_body(tender: str, amount: int, rng: random.Random) -> dict[str, Any]:
    body: dict[str, Any] = {"tender": tender, "amount_cents": amount}
    if tender == "card":
        body["payment_method"] = "pm_card_visa"
        body["tip_cents"] = rng.choice([0, amount * 15 // 100, amount * 20 // 100])
    else:
        body["tip_cents"] = 0
        body["cash_tendered_cents"] = -(-amount // 500) * 500  # rounded up to $5: change
    return body


async def _cycle(
    floor: Floor,
    token: str,
    table_id: str,
    items: list[dict[str, Any]],
    mix: CycleMix,
    rng: random.Random,
) -> bool | None:
    """One party at ``table_id``. True: settled; False: failed; None: the table is taken."""
    await floor.call("floor", token, "GET", "/floor")
    seats = rng.randint(2, 4)
    seated = await floor.call(
        "seat", token, "POST", f"/tables/{table_id}/seat", json={"guests": seats}
    )
    if seated is None:
        return None
    check_id = seated.json()["id"]
    lines = rng.randint(4, 8)
    seat_of = [1 + k % seats for k in range(lines)]  # every seat gets something
    rng.shuffle(seat_of)
    for seat in seat_of:
        item = rng.choice(items)
        body = {
            "menu_item_id": item["id"],
            "seat": seat,
            "quantity": 1,
            "modifier_option_ids": _options(item, rng),
            "note": "",
        }
        if (
            await floor.call("add_line", token, "POST", f"/checks/{check_id}/lines", json=body)
            is None
        ):
            return False
    sent = await floor.call("send", token, "POST", f"/checks/{check_id}/send")
    if sent is None:
        return False
    parts: list[tuple[int | None, int]] = [(None, sent.json()["balance_cents"])]
    if rng.random() < mix.split_share:
        split = await floor.call(
            "split",
            token,
            "PUT",
            f"/checks/{check_id}/split",
            json={"kind": "evenly", "ways": seats},
        )
        if split is None:
            return False
        parts = [(p["part"], p["amount_cents"]) for p in split.json()["split"]["parts"]]
    answer: dict[str, Any] = {}
    for part, amount in parts:
        tender = "card" if rng.random() < mix.card_share else "cash"
        body = _payment_body(tender, amount, rng)
        if part is not None:
            body["split_part"] = part
        paid = await floor.call(
            f"{tender}_settle",
            token,
            "POST",
            f"/checks/{check_id}/payments",
            json=body,
            headers={"Idempotency-Key": f"bench-{uuid.uuid4()}"},
        )
        if paid is None:
            return False
        floor.recorder.event(f"{tender}_payment")
        answer = paid.json()
    if answer["check"]["status"] != "closed" or answer["table"]["status"] != "available":
        floor.recorder.failure("cycle ended with the check still open")
        return False
    floor.recorder.event("settle")
    return True


async def run_cycles(
    base_url: str,
    terminal_tables: list[list[str]],
    *,
    recorder: Recorder,
    mix: CycleMix,
    think_s: float = 0.0,
    seed: int = 7,
) -> Recorder:
    """Full table cycles. ``think_s`` > 0: each terminal pauses that long on average before
    every request, like a person tapping; 0: as fast as the server answers (saturation)."""
    terminals = len(terminal_tables)
    async with new_session(base_url, terminals + 4) as session:
        pins = ["1234", "2345"]
        tokens = [await login(session, "demo", pins[i % 2]) for i in range(terminals)]
        async with session.get(
            "/api/v1/menu", headers={"Authorization": f"Bearer {tokens[0]}"}
        ) as response:
            menu = await response.json()
        items = [item for item in menu["items"] if item["available"]]
        recorder.begin()
        floor = Floor(session, recorder, think_s)

        async def terminal(number: int) -> None:
            rng = random.Random(seed * 1000 + number)
            usable = list(terminal_tables[number])
            for table_id in itertools.cycle(terminal_tables[number]):
                if time.perf_counter() >= recorder.end or not usable:
                    return
                if table_id not in usable:
                    continue
                outcome = await _cycle(floor, tokens[number], table_id, items, mix, rng)
                if outcome:
                    recorder.event("cycle")
                else:
                    # A check left open (or a table someone else holds) keeps the table.
                    usable.remove(table_id)
                    recorder.failure("table given up after a failed cycle")

        await asyncio.gather(*(terminal(i) for i in range(terminals)))
    return recorder


# --- the settle run (the API side of the ratio) ---------------------------------------------


async def run_settles(
    base_url: str,
    restaurant: str,
    pin: str,
    checks: list[list[tuple[str, int]]],
    *,
    recorder: Recorder,
) -> Recorder:
    """Each terminal pays its prepared checks in full, in cash, until time or checks run out."""
    async with new_session(base_url, len(checks) + 4) as session:
        token = await login(session, restaurant, pin)
        recorder.begin()
        floor = Floor(session, recorder)

        async def terminal(own: list[tuple[str, int]]) -> None:
            for check_id, amount in own:
                if time.perf_counter() >= recorder.end:
                    return
                paid = await floor.call(
                    "cash_settle",
                    token,
                    "POST",
                    f"/checks/{check_id}/payments",
                    json={"tender": "cash", "amount_cents": amount, "cash_tendered_cents": amount},
                    headers={"Idempotency-Key": f"bench-{uuid.uuid4()}"},
                )
                if paid is not None and paid.json()["check"]["status"] == "closed":
                    recorder.event("settle")
            recorder.notes["terminal ran out of prepared checks"] += 1

        await asyncio.gather(*(terminal(own) for own in checks))
    return recorder
