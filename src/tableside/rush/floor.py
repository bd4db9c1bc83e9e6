"""The terminals' random walk: each terminal works the floor for its share of the actions.

What a terminal does next is drawn from the seed before the night starts (``plan``): the
kind of each action and the seed of its own random choices. What it acts on is what the
floor holds when it gets there (which tables are free, what a check still owes), so the
kinds of action are the same on every run with a seed, and their targets and outcomes
follow the timing of the night.

The kinds: ``seat`` a free table (now and then a taken one: 409), ``ring`` items with and
without modifiers (now and then an 86'd item or a bad modifier choice: 422), ``send`` to
the kitchen, ``split`` evenly, by seat or in custom amounts, ``pay`` by card or in cash with
tips (now and then a declined card, a tip over the limit, too little cash), ``double_tap``
(the same seat or payment sent twice at once), ``retry`` an unfinished key, ``replay`` a
finished one (and now and then the same key with another body: 422), ``refund`` (managers)
and ``look`` at the floor and a check.
"""

from __future__ import annotations

import hashlib
import itertools
import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from tableside.rush.contract import check_problems, floor_problems, payment_answer_problems
from tableside.rush.keys import Book, KeyRecord
from tableside.rush.report import LOST, UNREACHABLE, Tally
from tableside.rush.terminal import Answer, Lost, Terminal, outcome_of

SERVER_WEIGHTS = {
    "seat": 12,
    "ring": 28,
    "send": 9,
    "split": 5,
    "pay": 20,
    "double_tap": 5,
    "retry": 4,
    "replay": 5,
    "look": 6,
}
MANAGER_WEIGHTS = {**SERVER_WEIGHTS, "pay": 16, "refund": 8}
# Answers that any change may get when the floor is busy or a database reconnects.
BUSY = frozenset({"409 busy", "409 concurrent_change", "503 database_unavailable", LOST})
# What a payment may be answered (API.md "Payments"), mistakes aside.
PAYMENT_ANSWERS = frozenset(
    {
        "201",
        "402 card_declined",
        "502 processor_error",
        "504 processor_timeout",
        "409 payment_in_progress",
        "409 check_not_open",
        "422 amount_exceeds_balance",
        "422 amount_exceeds_split_part",
        "422 no_split",
    }
)
REFUND_ANSWERS = frozenset(
    {
        "201",
        "502 processor_error",
        "504 processor_timeout",
        "409 payment_in_progress",
        "422 amount_exceeds_refundable",
    }
)
TIPS = (0.10, 0.15, 0.18, 0.20, 0.25)
REASONS = ("guest unhappy with the steak", "rang twice by mistake", "manager's goodwill")


# --- the plan ------------------------------------------------------------------------------


def plan(seed: int, terminal: int, manager: bool, count: int) -> list[tuple[str, int]]:
    """Terminal ``terminal``'s actions: (kind, the seed of its own choices), drawn from the
    rush's seed alone."""
    rng = random.Random(f"tableside-rush:{seed}:terminal:{terminal}")
    weights = MANAGER_WEIGHTS if manager else SERVER_WEIGHTS
    kinds = list(weights)
    drawn = rng.choices(kinds, [weights[k] for k in kinds], k=count)
    return [(kind, rng.getrandbits(64)) for kind in drawn]


def fingerprint(*parts: Iterable[object]) -> str:
    digest = hashlib.sha256()
    for part in parts:
        for item in part:
            digest.update(repr(item).encode())
    return digest.hexdigest()[:12]


class Clock:
    """Counts the night's actions; the chaos waits on it."""

    def __init__(self, total: int, on_tick: Callable[[int], None] | None = None) -> None:
        self.total = total
        self.done = 0
        self._cond = threading.Condition()
        self._stopped = False
        self._on_tick = on_tick

    def tick(self) -> int:
        with self._cond:
            self.done += 1
            done = self.done
            self._cond.notify_all()
        if self._on_tick is not None:
            self._on_tick(done)
        return done

    def wait_until(self, count: int) -> bool:
        """Block until ``count`` actions are done (True) or the night ends (False)."""
        with self._cond:
            while self.done < count and not self._stopped:
                self._cond.wait(timeout=1.0)
            return not self._stopped

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()


# --- what the terminals know of the floor -------------------------------------------------


@dataclass
class CheckCard:
    id: str
    table_id: str | None
    owner: str  # the terminal that seated it ("" when found on the floor)
    guests: int
    view: dict[str, Any] | None = None
    asked_at: float = 0.0  # when the request that brought ``view`` was sent
    closed_at: float | None = None  # when an answer first showed it closed (monotonic)

    @property
    def open(self) -> bool:
        return self.closed_at is None and (self.view is None or self.view["status"] == "open")


@dataclass
class Captured:
    """A payment the terminals were told was captured: what a manager may refund."""

    payment_id: str
    tender: str
    cents: int  # amount + tip
    refunded: int = 0


@dataclass
class Floor:
    """The terminals' shared knowledge of the floor (thread-safe)."""

    tables: list[dict[str, Any]]
    menu: list[dict[str, Any]]
    tally: Tally
    checks: dict[str, CheckCard] = field(default_factory=dict)
    captured: dict[str, Captured] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def learn(self, view: dict[str, Any], asked_at: float, owner: str = "") -> CheckCard:
        """Take in a check as the answer to a request sent at ``asked_at`` showed it."""
        with self.lock:
            card = self.checks.get(view["id"])
            if card is None:
                card = self.checks[view["id"]] = CheckCard(
                    view["id"], view.get("table_id"), owner, view.get("guests", 1)
                )
            reopened = view["status"] == "open" and card.closed_at is not None
            if reopened and asked_at > (card.closed_at or 0.0):
                self.tally.violation(
                    f"check {card.id} was answered closed, and a later request shows it open again"
                )
            if asked_at >= card.asked_at:  # an answer to an older request tells us less
                card.view, card.asked_at = view, asked_at
            if view["status"] != "open" and card.closed_at is None:
                card.closed_at = time.monotonic()
            return card

    def open_checks(self, want: Callable[[CheckCard], bool] = lambda c: True) -> list[CheckCard]:
        with self.lock:
            return sorted(
                (c for c in self.checks.values() if c.open and want(c)), key=lambda c: c.id
            )

    def closed_before(self, moment: float) -> set[str]:
        with self.lock:
            return {
                c.id
                for c in self.checks.values()
                if c.closed_at is not None and c.closed_at < moment
            }

    def refundable(self) -> list[Captured]:
        with self.lock:
            return sorted(
                (c for c in self.captured.values() if c.cents > c.refunded),
                key=lambda c: c.payment_id,
            )


# --- a terminal's walk ---------------------------------------------------------------------


class Walk:
    """One terminal working through its planned actions."""

    def __init__(
        self,
        terminal: Terminal,
        actions: list[tuple[str, int]],
        floor: Floor,
        book: Book,
        tally: Tally,
        clock: Clock,
    ) -> None:
        self.t = terminal
        self.actions = actions
        self.floor = floor
        self.book = book
        self.tally = tally
        self.clock = clock
        self.failure: BaseException | None = None

    def run(self) -> None:
        try:
            for kind, seed in self.actions:
                getattr(self, kind)(random.Random(seed))
                self.clock.tick()
        except BaseException as error:  # reported by the rush, never swallowed
            self.failure = error
            raise

    # --- helpers ---------------------------------------------------------------------------

    def outcome(self, kind: str, result: Answer | Lost, allowed: Iterable[str]) -> None:
        """Count the action's outcome, and hold it to what may be answered."""
        self.tally.action(kind, outcome_of(result))
        self.expect(kind, result, allowed)

    def both(
        self, kind: str, what: str, results: list[Answer | Lost], allowed: Iterable[str]
    ) -> None:
        """Count a double tap's two answers as one outcome (``pay 201 + 409 ...``)."""
        labels = sorted(outcome_of(r) for r in results)
        self.tally.action(kind, f"{what} {' + '.join(labels)}")
        for result in results:
            self.expect(f"{kind} {what}", result, allowed)

    def expect(self, what: str, result: Answer | Lost, allowed: Iterable[str]) -> None:
        """An answer outside ``allowed`` (and the answers of a busy night) breaks the
        contract."""
        label = outcome_of(result)
        if label not in allowed and label not in BUSY and label != UNREACHABLE:
            body = result.body if isinstance(result, Answer) else None
            self.tally.violation(f"{self.t.name} {what}: unexpected answer {label}: {body!r:.300}")

    def problems(self, where: str, found: list[str]) -> None:
        for problem in found:
            self.tally.violation(f"{self.t.name} {where}: {problem}")

    def learn(self, where: str, answer: Answer, owner: str = "") -> dict[str, Any]:
        """Hold the check an answer shows to the contract, and take it in."""
        view = answer.json()
        self.problems(where, check_problems(view))
        self.floor.learn(view, answer.sent_at, owner)
        return view

    def pick(self, rng: random.Random, want: Callable[[CheckCard], bool]) -> CheckCard | None:
        """One of this terminal's open checks mostly, now and then anyone's."""
        checks = self.floor.open_checks(want)
        mine = [c for c in checks if c.owner == self.t.name]
        if mine and rng.random() < 0.8:
            return rng.choice(mine)
        return rng.choice(checks) if checks else None

    def read_check(self, card: CheckCard) -> dict[str, Any] | None:
        answer = self.t.call("GET", f"/checks/{card.id}", safe=True)
        if isinstance(answer, Answer) and answer.status == 200:
            return self.learn("reading a check", answer)
        if isinstance(answer, Answer):
            self.tally.violation(
                f"{self.t.name} could not read check {card.id}: {answer.label} {answer.body!r:.200}"
            )
        return None

    def look_at_floor(self) -> list[dict[str, Any]] | None:
        answer = self.t.call("GET", "/floor", safe=True)
        if not isinstance(answer, Answer) or answer.status != 200:
            if isinstance(answer, Answer):
                self.tally.violation(f"{self.t.name} GET /floor answered {answer.label}")
            return None
        tables: list[dict[str, Any]] = answer.json()["tables"]
        self.problems("floor", floor_problems(tables))
        closed = self.floor.closed_before(answer.sent_at)
        for table in tables:
            if table.get("check_id") in closed:
                self.tally.violation(
                    f"{self.t.name} floor: table {table['label']} still shows check "
                    f"{table['check_id']}, which was answered closed before the floor was read"
                )
        return tables

    # --- the actions -----------------------------------------------------------------------

    def seat(self, rng: random.Random) -> None:
        tables = self.look_at_floor()
        if tables is None:
            self.tally.action("seat", LOST)
            return
        free = [t for t in tables if t["status"] == "available"]
        taken = [t for t in tables if t["status"] != "available"]
        if len(free) < 3 and self.floor.open_checks():
            self.pay(rng)  # a full floor: settle a table instead
            return
        table = rng.choice(free) if free and rng.random() < 0.92 else rng.choice(taken or free)
        guests = rng.randint(1, table["capacity"])
        result = self.t.call("POST", f"/tables/{table['id']}/seat", {"guests": guests})
        self.outcome("seat", result, {"201", "409 table_occupied"})
        if isinstance(result, Answer) and result.status == 201:
            view = result.json()
            if view.get("table_id") != table["id"] or view.get("status") != "open":
                self.tally.violation(f"{self.t.name} seat answered {view!r:.200}")
            if view.get("guests") != guests:
                self.tally.violation(
                    f"{self.t.name} seated {guests}, answered {view.get('guests')}"
                )
            self.learn("seat", result, owner=self.t.name)

    def ring(self, rng: random.Random) -> None:
        card = self.pick(rng, lambda c: True)
        if card is None:
            self.seat(rng)
            return
        available = [i for i in self.floor.menu if i["available"]]
        gone = [i for i in self.floor.menu if not i["available"]]
        roll = rng.random()
        expect: str | None = None
        if gone and roll < 0.04:
            item, options = rng.choice(gone), []
            expect = "422 item_86d"
        else:
            item = rng.choice(available)
            options = self.choose_options(rng, item)
            groups = item["modifier_groups"]
            if groups and roll > 0.97:
                options = self.bad_options(rng, item)
                expect = "422 bad_modifiers"
        seat = rng.randint(0, max(1, card.guests))
        quantity = 1 if rng.random() < 0.8 else rng.randint(2, 3)
        body = {
            "menu_item_id": item["id"],
            "seat": seat,
            "quantity": quantity,
            "modifier_option_ids": options,
            "note": "no onions" if rng.random() < 0.1 else "",
        }
        result = self.t.call("POST", f"/checks/{card.id}/lines", body)
        allowed = {"201" if expect is None else expect, "409 check_not_open"}
        self.outcome("ring", result, allowed)
        if isinstance(result, Answer) and result.status == 201:
            view = self.learn("ring", result)
            prices = {
                o["id"]: o["price_cents"] for g in item["modifier_groups"] for o in g["options"]
            }
            match = [
                line
                for line in view["lines"]
                if line["menu_item_id"] == item["id"]
                and line["seat"] == seat
                and line["quantity"] == quantity
                and sorted(m["id"] for m in line["modifiers"]) == sorted(options)
                and line["unit_price_cents"] == item["price_cents"]
                and sum(m["price_cents"] for m in line["modifiers"])
                == sum(prices[o] for o in options)
            ]
            if not match:
                self.tally.violation(
                    f"{self.t.name} rang {item['name']} ×{quantity} on seat {seat} with "
                    f"{len(options)} modifiers; no such line at the menu's prices in the answer"
                )

    @staticmethod
    def choose_options(rng: random.Random, item: dict[str, Any]) -> list[str]:
        chosen: list[str] = []
        for group in item["modifier_groups"]:
            options = group["options"]
            low, high = group["min"], min(group["max"], len(options))
            if low == 0 and rng.random() < 0.5:
                continue
            count = rng.randint(max(low, 1), max(high, 1))
            chosen += [o["id"] for o in rng.sample(options, min(count, len(options)))]
        return chosen

    @staticmethod
    def bad_options(rng: random.Random, item: dict[str, Any]) -> list[str]:
        """A choice the menu refuses: a required group left out, or a group over its max."""
        group = rng.choice(item["modifier_groups"])
        if group["min"] > 0:
            return [
                o["id"]
                for g in item["modifier_groups"]
                if g is not group
                for o in g["options"][: g["min"]]
            ]
        return [o["id"] for o in group["options"]] + [group["options"][0]["id"]]

    def send(self, rng: random.Random) -> None:
        card = self.pick(
            rng, lambda c: c.view is not None and any(not line["sent"] for line in c.view["lines"])
        ) or self.pick(rng, lambda c: True)
        if card is None:
            self.seat(rng)
            return
        result = self.t.call("POST", f"/checks/{card.id}/send")
        self.outcome("send", result, {"200", "422 nothing_to_send", "409 check_not_open"})
        if isinstance(result, Answer) and result.status == 200:
            view = self.learn("send", result)
            unsent = [line["id"] for line in view["lines"] if not line["sent"]]
            if unsent:
                self.tally.violation(f"{self.t.name} sent check {card.id}; lines {unsent} unsent")

    def split(self, rng: random.Random) -> None:
        card = self.pick(rng, lambda c: c.view is not None and c.view["total_cents"] > 0)
        if card is None:
            self.ring(rng)
            return
        view = self.read_check(card)
        if view is None:
            self.tally.action("split", LOST)
            return
        payable = view["payable_cents"]
        roll = rng.random()
        body: dict[str, Any]
        if roll < 0.4:
            body = {"kind": "evenly", "ways": rng.randint(2, max(2, min(view["guests"], 4)))}
        elif roll < 0.65:
            body = {"kind": "by_seat"}
        elif roll < 0.9 and payable >= 2:
            cut = sorted(rng.sample(range(1, payable), min(rng.randint(1, 2), payable - 1)))
            bounds = [0, *cut, payable]
            body = {"kind": "custom", "amounts": [b - a for a, b in itertools.pairwise(bounds)]}
        else:
            body = {"kind": "none"}
        result = self.t.call("PUT", f"/checks/{card.id}/split", body)
        self.outcome(
            "split",
            result,
            {
                "200",
                "409 payment_in_progress",
                "409 already_paid_in_part",
                "409 check_not_open",
                "422 nothing_to_split",
                "422 split_does_not_add_up",
            },
        )
        if not (isinstance(result, Answer) and result.status == 200):
            return
        after = self.learn("split", result)
        split = after.get("split")
        if body["kind"] == "none":
            if split is not None:
                self.tally.violation(f"{self.t.name} cleared the split of {card.id}: {split!r}")
            return
        if split is None:
            self.tally.violation(f"{self.t.name} split {card.id} {body}; the answer has no split")
            return
        amounts = [p["amount_cents"] for p in split["parts"]]
        if sum(amounts) != after["payable_cents"]:
            self.tally.violation(
                f"{self.t.name} split {card.id} {body['kind']}: parts {amounts} add up to "
                f"{sum(amounts)}, not the {after['payable_cents']} left to pay"
            )
        if body["kind"] == "evenly" and (
            len(amounts) != body["ways"] or max(amounts) - min(amounts) > 1
        ):
            self.tally.violation(f"{self.t.name} split {card.id} evenly: parts {amounts}")
        if body["kind"] == "custom" and amounts != body["amounts"]:
            self.tally.violation(
                f"{self.t.name} split {card.id} into {body['amounts']}, answered {amounts}"
            )

    # --- money ------------------------------------------------------------------------------

    def payment_body(
        self, rng: random.Random, view: dict[str, Any], mistakes: bool = True
    ) -> tuple[dict[str, Any], str | None]:
        """A payment a guest might make on ``view``, and the refusal it must get if it is a
        mistake (a tip over the limit, too little cash)."""
        payable = view["payable_cents"]
        body: dict[str, Any] = {}
        parts = [p for p in (view.get("split") or {}).get("parts", []) if p["left_cents"] > 0]
        if parts and rng.random() < 0.7:
            part = rng.choice(parts)
            body["split_part"] = part["part"]
            left = part["left_cents"]
            amount = left if rng.random() < 0.85 else rng.randint(1, left)
        elif payable > 0:
            amount = payable if rng.random() < 0.7 else rng.randint(1, payable)
        else:
            amount = max(1, view["balance_cents"])  # more than is payable: 422
        mistake: str | None = None
        if rng.random() < 0.6:
            tip = 0 if rng.random() < 0.3 else round(amount * rng.choice(TIPS))
            if mistakes and rng.random() < 0.03:
                tip, mistake = amount * 2 + 100, "422 tip_too_large"
            roll = rng.random()
            method = "pm_card_visa"
            if mistake is None and roll < 0.05:
                method = "pm_card_chargeDeclined"
            elif mistake is None and roll < 0.07:
                method = "pm_card_chargeDeclinedInsufficientFunds"
            body |= {"tender": "card", "amount_cents": amount, "tip_cents": tip}
            body["payment_method"] = method
            if method != "pm_card_visa":
                mistake = "402 card_declined"
        else:
            tip = 0 if rng.random() < 0.7 else rng.choice((100, 200, 500))
            tip = min(tip, amount)
            due = amount + tip
            roll = rng.random()
            if mistakes and roll < 0.03 and due > 1:
                tendered, mistake = due - 1, "422 insufficient_cash"
            elif roll < 0.5:
                tendered = due
            else:
                bill = rng.choice((500, 2000, 5000))
                tendered = (due + bill - 1) // bill * bill
            body |= {"tender": "cash", "amount_cents": amount, "tip_cents": tip}
            body["cash_tendered_cents"] = tendered
        return body, mistake

    def send_key(self, record: KeyRecord) -> Answer | Lost:
        """Send a key's request (again): the same body, the same key."""
        return self.t.call("POST", record.path, record.body, key=record.key)

    def judge(self, record: KeyRecord, result: Answer | Lost, mistake: str | None = None) -> str:
        if record.kind == "payment":
            return self.judge_payment(record, result, mistake)
        return self.judge_refund(record, result)

    def retry_now(
        self,
        rng: random.Random,
        record: KeyRecord,
        state: str,
        allowed: Iterable[str],
        mistake: str | None = None,
    ) -> None:
        """The tablet's retry button after an answer that is not final: the same key, a
        moment later, a few times (or not: the key is then retried later, or at closing)."""
        tries = 0
        while state == "unfinished" and tries < 3 and rng.random() < 0.7:
            tries += 1
            time.sleep(0.2 * tries)
            self.tally.retried()
            result = self.send_key(record)
            state = self.judge(record, result, mistake)
            self.outcome("retry", result, allowed)

    def judge_payment(self, record: KeyRecord, result: Answer | Lost, mistake: str | None) -> str:
        """Hold a payment's answer to the contract and to what was sent; learn from it."""
        state = self.book.judge(record, result)
        if not isinstance(result, Answer):
            return state
        if mistake is not None and result.status == 201:
            self.tally.violation(
                f"{self.t.name} paid {record.body}, which must be refused ({mistake}); "
                "it was captured"
            )
        if result.status in (201, 402, 502, 504):
            self.problems(
                f"payment {record.key}",
                payment_answer_problems(result.json(), record.body, result.status),
            )
        if result.status == 201 and record.final is result:
            # The first time this key was answered captured: a manager may refund it now.
            payment = result.json()["payment"]
            with self.floor.lock:
                self.floor.captured[payment["id"]] = Captured(
                    payment["id"],
                    payment["tender"],
                    payment["amount_cents"] + payment["tip_cents"],
                )
            if len(record.answers) == 1:
                # Answered at once, so the check is shown as it is now. An answer stored
                # earlier (a retry, a replay) shows it as it was when the payment completed.
                self.floor.learn(result.json()["check"], result.sent_at)
        return state

    def pay(self, rng: random.Random) -> None:
        card = self.pick(rng, lambda c: c.view is not None and c.view["total_cents"] > 0)
        if card is None:
            self.ring(rng)
            return
        view = self.read_check(card)
        if view is None:
            self.tally.action("pay", LOST)
            return
        if view["status"] != "open":
            self.tally.action("pay", "check already closed")
            return
        body, mistake = self.payment_body(rng, view)
        record = self.book.new(
            KeyRecord(
                key=self.t.new_key("pay"),
                kind="payment",
                path=f"/checks/{card.id}/payments",
                body=body,
                owner=self.t.name,
                check_id=card.id,
                tender=body["tender"],
            )
        )
        result = self.send_key(record)
        state = self.judge_payment(record, result, mistake)
        allowed = PAYMENT_ANSWERS if mistake is None else PAYMENT_ANSWERS | {mistake}
        self.outcome("pay", result, allowed)
        self.retry_now(rng, record, state, allowed, mistake)

    def double_tap(self, rng: random.Random) -> None:
        """The same request sent twice at once, as a double tap on a slow screen does."""
        if rng.random() < 0.3:
            self.double_seat(rng)
        else:
            self.double_pay(rng)

    def twice(self, send: Callable[[], Answer | Lost]) -> list[Answer | Lost]:
        results: list[Answer | Lost] = []
        start = threading.Barrier(2)

        def tap() -> None:
            start.wait()
            results.append(send())

        other = threading.Thread(target=tap)
        other.start()
        tap()
        other.join()
        return results

    def double_seat(self, rng: random.Random) -> None:
        tables = self.look_at_floor()
        free = [t for t in tables or [] if t["status"] == "available"]
        if not free:
            self.double_pay(rng)
            return
        table = rng.choice(free)
        body = {"guests": rng.randint(1, table["capacity"])}
        results = self.twice(lambda: self.t.call("POST", f"/tables/{table['id']}/seat", body))
        self.both("double_tap", "seat", results, {"201", "409 table_occupied"})
        seated = [r for r in results if isinstance(r, Answer) and r.status == 201]
        if len(seated) > 1:
            self.tally.violation(
                f"{self.t.name} double-tapped seat on {table['label']}: two checks opened "
                f"({[r.json()['id'] for r in seated]})"
            )
        for answer in seated:
            self.learn("double seat", answer, owner=self.t.name)

    def double_pay(self, rng: random.Random) -> None:
        card = self.pick(rng, lambda c: c.view is not None and c.view["total_cents"] > 0)
        if card is None:
            self.ring(rng)
            return
        view = self.read_check(card)
        if view is None or view["status"] != "open":
            self.tally.action("double_tap", LOST if view is None else "check already closed")
            return
        body, mistake = self.payment_body(rng, view, mistakes=False)
        record = self.book.new(
            KeyRecord(
                key=self.t.new_key("tap"),
                kind="payment",
                path=f"/checks/{card.id}/payments",
                body=body,
                owner=self.t.name,
                check_id=card.id,
                tender=body["tender"],
            )
        )
        results = self.twice(lambda: self.send_key(record))
        for result in results:
            self.judge_payment(record, result, mistake)
        self.both("double_tap", "pay", results, PAYMENT_ANSWERS)
        captured = {
            r.json()["payment"]["id"] for r in results if isinstance(r, Answer) and r.status == 201
        }
        if len(captured) > 1:
            self.tally.violation(
                f"{self.t.name} double-tapped key {record.key}: two payments captured {captured}"
            )

    def retry(self, rng: random.Random) -> None:
        """Retry one of this terminal's unfinished keys, as its retry button does."""
        mine = self.book.unfinished(self.t.name)
        if not mine:
            self.replay(rng)
            return
        record = rng.choice(sorted(mine, key=lambda r: r.key))
        self.tally.retried()
        result = self.send_key(record)
        self.judge(record, result)
        self.outcome("retry", result, _answers(record))

    def replay(self, rng: random.Random) -> None:
        """Send a finished key again (any terminal's: keys belong to the restaurant): the
        same answer, nothing charged again. Now and then with another body: 422."""
        finals = sorted(
            (r for r in self.book.finals() if r.kind == "payment" or self.t.is_manager),
            key=lambda r: r.key,
        )
        if not finals:
            self.look(rng)
            return
        record = rng.choice(finals)
        if rng.random() < 0.15:
            changed = dict(record.body)
            changed["amount_cents"] = changed["amount_cents"] + 1
            result = self.t.call("POST", record.path, changed, key=record.key)
            # 409: another terminal is replaying the same key this instant (on PostgreSQL
            # the key's lock is taken before the body is compared).
            self.outcome(
                "reuse_key", result, {"422 idempotency_key_reused", "409 payment_in_progress"}
            )
            return
        self.tally.replayed()
        result = self.send_key(record)
        self.judge(record, result)
        self.outcome("replay", result, _answers(record))

    def refund(self, rng: random.Random) -> None:
        """A manager gives money back on a captured payment, all of it or part."""
        choices = self.floor.refundable()
        if not choices or rng.random() < 0.3:
            self.pay(rng) if self.floor.open_checks() else self.look(rng)
            return
        captured = rng.choice(choices)
        left = captured.cents - captured.refunded
        amount = left if rng.random() < 0.4 else rng.randint(1, left)
        record = self.book.new(
            KeyRecord(
                key=self.t.new_key("refund"),
                kind="refund",
                path=f"/payments/{captured.payment_id}/refund",
                body={"amount_cents": amount, "reason": rng.choice(REASONS)},
                owner=self.t.name,
                payment_id=captured.payment_id,
                tender=captured.tender,
            )
        )
        result = self.send_key(record)
        state = self.judge(record, result)
        self.outcome("refund", result, REFUND_ANSWERS)
        self.retry_now(rng, record, state, REFUND_ANSWERS)

    def judge_refund(self, record: KeyRecord, result: Answer | Lost) -> str:
        state = self.book.judge(record, result)
        if isinstance(result, Answer) and result.status == 201 and record.final is result:
            refund = result.json().get("refund") or {}
            if (
                refund.get("amount_cents") != record.body["amount_cents"]
                or refund.get("status") != "succeeded"
            ):
                self.tally.violation(f"{self.t.name} refund {record.key} answered {refund!r}")
            with self.floor.lock:
                captured = self.floor.captured.get(record.payment_id or "")
                if captured is not None:
                    captured.refunded += record.body["amount_cents"]
                    if captured.refunded > captured.cents:
                        self.tally.violation(
                            f"payment {captured.payment_id} was refunded {captured.refunded} "
                            f"cents, more than the {captured.cents} it took"
                        )
        return state

    def look(self, rng: random.Random) -> None:
        """Look at the floor (and take in checks seated by answers that were lost), then at
        one check."""
        tables = self.look_at_floor()
        if tables is None:
            self.tally.action("look", LOST)
            return
        self.tally.action("look", "200")
        known = {c.id for c in self.floor.open_checks()}
        shown = {t["check_id"] for t in tables if t["check_id"]}
        for check_id in sorted(shown - known):
            answer = self.t.call("GET", f"/checks/{check_id}", safe=True)
            if isinstance(answer, Answer) and answer.status == 200:
                self.learn("look", answer)
        for card in self.floor.open_checks(lambda c: c.table_id is not None):
            if card.id not in shown and card.id in known:
                self.read_check(card)  # closed (or moved) by someone: learn how it stands
                break
        chosen = self.pick(rng, lambda c: True)
        if chosen is not None:
            self.read_check(chosen)


def _answers(record: KeyRecord) -> frozenset[str]:
    return PAYMENT_ANSWERS if record.kind == "payment" else REFUND_ANSWERS
