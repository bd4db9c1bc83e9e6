"""Someone guessing PINs: whatever address they claim, whichever tile they tap, however many
addresses they have, they run out of guesses; the staff they aim at never get locked out."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import httpx
import pytest
from db_state import staff_id
from harness import LiveServer, at_once
from sqlalchemy import update
from terminal import login

from tableside.core import models as m
from tableside.core.unit_of_work import Database

BEHIND_A_PROXY = {"TABLESIDE_TRUSTED_PROXIES": "127.0.0.1"}


def random_address() -> str:
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"


def wrong_pins_until_refused(base_url: str, limit: int, **how: Any) -> list[httpx.Response]:
    """Wrong PINs (never a demo PIN) until the first refusal that is not a 401."""
    answers = []
    for guess in range(limit):
        answers.append(login(base_url, f"{7000 + guess}", **how))
        if answers[-1].status_code != 401:
            break
    return answers


def assert_paused(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert response.json()["error"]["code"] == "locked_out"
    assert 1 <= int(response.headers["Retry-After"]) <= 3600
    assert "Try again in" in response.json()["error"]["message"]


@pytest.fixture(autouse=True)
def _no_wrong_pins_yet(db: Database) -> None:
    """Every test starts with no wrong PIN counted (conftest clears the throttle)."""


@pytest.fixture
def proxied(start_live_server: Callable[..., LiveServer]) -> str:
    """A server behind a reverse proxy on this host: it honours X-Forwarded-For from here."""
    return start_live_server(env=BEHIND_A_PROXY).url


def test_a_forged_source_address_does_not_buy_more_guesses(live_server: str) -> None:
    """No proxy is trusted (the default): X-Forwarded-For from loopback is just a header."""
    answers = wrong_pins_until_refused(live_server, 50, source=random_address(), restaurant="demo")
    assert [a.status_code for a in answers] == [401] * 10 + [429]
    assert_paused(answers[-1])
    # Paused whatever it claims next, and whatever the PIN: a right one says nothing either.
    right = login(live_server, "9999", source=random_address())
    wrong = login(live_server, "6543", source=random_address())
    assert_paused(right)
    assert right.json()["error"] == wrong.json()["error"]


def test_many_addresses_run_out_of_guesses_for_the_restaurant(proxied: str) -> None:
    """Behind a trusted proxy every guess may come from a new address: the restaurant's
    budget of wrong PINs stops them all the same."""
    answers = [login(proxied, f"{7000 + n}", source=random_address()) for n in range(31)]
    assert [a.status_code for a in answers] == [401] * 30 + [429]
    assert_paused(answers[-1])
    assert "this restaurant" in answers[-1].json()["error"]["message"]
    assert_paused(login(proxied, "9999", source=random_address()))  # everyone, for a while
    # Another restaurant of the installation logs in as usual.
    assert login(proxied, "9999", restaurant="demo2", source=random_address()).status_code == 200


def test_guessing_on_the_managers_tile_never_locks_the_manager_out(
    proxied: str, db: Database
) -> None:
    manager = staff_id(db, "demo", "Morgan Ellis")
    attacker, office = "10.9.9.9", "10.1.1.1"
    answers = wrong_pins_until_refused(proxied, 50, source=attacker, staff_id=manager)
    assert [a.status_code for a in answers] == [401] * 10 + [429]
    assert "this terminal" in answers[-1].json()["error"]["message"]
    assert "Morgan" not in answers[-1].text
    # The attacker is paused, even with the right PIN, which it cannot tell is right.
    assert_paused(login(proxied, "9999", source=attacker, staff_id=manager))
    # The manager, at their own terminal, logs in at once, and again.
    for _ in range(2):
        response = login(proxied, "9999", source=office, staff_id=manager)
        assert response.status_code == 200, response.text
        assert response.json()["staff"]["name"] == "Morgan Ellis"


def test_unknown_restaurant_codes_cost_guesses_like_wrong_pins(live_server: str) -> None:
    for n in range(10):
        refused = login(live_server, "1234", restaurant=f"nowhere-{n}")
        assert refused.status_code == 401, refused.text
        assert "Check the restaurant code" in refused.json()["error"]["message"]
    assert_paused(login(live_server, "1234", restaurant="nowhere-else"))
    assert_paused(login(live_server, "1234"))  # a real restaurant from this address too


def test_wrong_pins_and_unknown_codes_share_one_budget(proxied: str) -> None:
    source = random_address()
    for n in range(5):
        assert login(proxied, "1234", restaurant=f"nowhere-{n}", source=source).status_code == 401
        assert login(proxied, f"{7000 + n}", source=source).status_code == 401
    assert_paused(login(proxied, "1234", source=source))
    assert login(proxied, "1234", source=random_address()).status_code == 200


def test_a_pause_doubles_while_the_guessing_goes_on(proxied: str, db: Database) -> None:
    source = random_address()
    first = wrong_pins_until_refused(proxied, 20, source=source)[-1]
    assert 290 <= int(first.headers["Retry-After"]) <= 300
    # Five minutes on (the pause moved into the past), ten more wrong PINs: ten minutes.
    ended = datetime.now(UTC) - timedelta(seconds=1)
    with db.engine.begin() as conn:
        conn.execute(
            update(m.LoginThrottle)
            .where(m.LoginThrottle.scope == "source", m.LoginThrottle.subject == source)
            .values(paused_until=ended, window_started_at=ended - timedelta(minutes=5))
        )
    second = wrong_pins_until_refused(proxied, 20, source=source)
    assert [a.status_code for a in second] == [401] * 10 + [429]
    assert 590 <= int(second[-1].headers["Retry-After"]) <= 600


def test_wrong_pins_fired_at_once_are_each_counted_and_none_slips_past_the_budget(
    live_server: str,
) -> None:
    def guess(pin: str) -> int:
        with httpx.Client(base_url=live_server, timeout=30) as tablet:
            body = {"restaurant": "demo", "pin": pin}
            return tablet.post("/api/v1/auth/login", json=body).status_code

    statuses = at_once([partial(guess, f"{7000 + n}") for n in range(14)])
    assert sorted(statuses) == [401] * 10 + [429] * 4, statuses
