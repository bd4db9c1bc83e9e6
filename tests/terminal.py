"""A terminal on the floor, as tests drive it: real HTTP to a real server."""

from __future__ import annotations

import random
import uuid
from typing import Any

import httpx

_tokens: dict[tuple[str, str, str], str] = {}


def login(
    base_url: str,
    pin: str = "1234",
    *,
    restaurant: str = "demo",
    source: str | None = None,
    **extra: Any,
) -> httpx.Response:
    """A login at the PIN pad, answered as it is; ``source``: the client address an
    X-Forwarded-For header claims; ``extra``: more of the body (``staff_id``)."""
    return httpx.post(
        f"{base_url}/api/v1/auth/login",
        json={"restaurant": restaurant, "pin": pin, **extra},
        headers={"X-Forwarded-For": source} if source else {},
    )


class Terminal:
    """One logged-in staff member's tablet."""

    def __init__(self, base_url: str, restaurant: str = "demo", pin: str = "1234") -> None:
        self.base_url = base_url
        key = (base_url, restaurant, pin)
        if key not in _tokens:
            response = login(base_url, pin, restaurant=restaurant)
            assert response.status_code == 200, response.text
            _tokens[key] = response.json()["token"]
        self.token = _tokens[key]
        self.http = httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {self.token}"}, timeout=30
        )
        self._menu: dict[str, Any] | None = None

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.http.get(f"/api/v1{path}", **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> httpx.Response:
        return self.http.post(f"/api/v1{path}", json=json, **kw)

    def put(self, path: str, json: Any = None, **kw: Any) -> httpx.Response:
        return self.http.put(f"/api/v1{path}", json=json, **kw)

    def patch(self, path: str, json: Any = None, **kw: Any) -> httpx.Response:
        return self.http.patch(f"/api/v1{path}", json=json, **kw)

    def delete(self, path: str, **kw: Any) -> httpx.Response:
        return self.http.delete(f"/api/v1{path}", **kw)

    # --- the floor -------------------------------------------------------------------------

    def floor(self) -> list[dict[str, Any]]:
        response = self.get("/floor")
        assert response.status_code == 200, response.text
        tables: list[dict[str, Any]] = response.json()["tables"]
        return tables

    def table(self, label: str) -> dict[str, Any]:
        return next(t for t in self.floor() if t["label"] == label)

    def seat(self, label: str, guests: int = 2) -> dict[str, Any]:
        response = self.post(f"/tables/{self.table(label)['id']}/seat", {"guests": guests})
        assert response.status_code == 201, response.text
        check: dict[str, Any] = response.json()
        return check

    def menu_item(self, name: str) -> dict[str, Any]:
        if self._menu is None:
            self._menu = self.get("/menu").json()
        assert self._menu is not None
        return next(i for i in self._menu["items"] if i["name"] == name)

    def option_ids(self, item: dict[str, Any], names: list[str]) -> list[str]:
        by_name = {o["name"]: o["id"] for g in item["modifier_groups"] for o in g["options"]}
        return [by_name[n] for n in names]

    def ring_response(
        self,
        check_id: str,
        name: str,
        seat: int = 1,
        quantity: int = 1,
        options: list[str] | None = None,
        note: str = "",
    ) -> httpx.Response:
        item = self.menu_item(name)
        return self.post(
            f"/checks/{check_id}/lines",
            {
                "menu_item_id": item["id"],
                "seat": seat,
                "quantity": quantity,
                "modifier_option_ids": self.option_ids(item, options or []),
                "note": note,
            },
        )

    def ring(self, check_id: str, name: str, **kw: Any) -> dict[str, Any]:
        response = self.ring_response(check_id, name, **kw)
        assert response.status_code == 201, response.text
        check: dict[str, Any] = response.json()
        return check

    def send(self, check_id: str) -> dict[str, Any]:
        response = self.post(f"/checks/{check_id}/send")
        assert response.status_code == 200, response.text
        check: dict[str, Any] = response.json()
        return check

    def check(self, check_id: str) -> dict[str, Any]:
        response = self.get(f"/checks/{check_id}")
        assert response.status_code == 200, response.text
        check: dict[str, Any] = response.json()
        return check

    # --- money -----------------------------------------------------------------------------

    def pay(
        self,
        check_id: str,
        amount_cents: int,
        *,
        tender: str = "cash",
        tip_cents: int = 0,
        key: str | None = None,
        payment_method: str = "pm_card_visa",
        cash_tendered_cents: int | None = None,
        **extra: Any,
    ) -> httpx.Response:
        body: dict[str, Any] = {
            "tender": tender,
            "amount_cents": amount_cents,
            "tip_cents": tip_cents,
            **extra,
        }
        if tender == "card":
            body["payment_method"] = payment_method
        else:
            body["cash_tendered_cents"] = (
                amount_cents + tip_cents if cash_tendered_cents is None else cash_tendered_cents
            )
        return self.post(
            f"/checks/{check_id}/payments",
            body,
            headers={"Idempotency-Key": key or f"test-{uuid.uuid4()}"},
        )

    def refund(
        self, payment_id: str, amount_cents: int, *, key: str | None = None, **extra: Any
    ) -> httpx.Response:
        """Refund ``amount_cents`` of a payment; ``extra``: more of the body (``reason``)."""
        return self.post(
            f"/payments/{payment_id}/refund",
            {"amount_cents": amount_cents, **extra},
            headers={"Idempotency-Key": key or f"test-{uuid.uuid4()}"},
        )

    def close(self) -> None:
        self.http.close()


def new_key() -> str:
    return f"key-{uuid.uuid4()}"


def fresh_pin() -> str:
    """A PIN nobody has: seeded PINs are 4 digits, and 6-digit ones never clash with them or
    with each other."""
    return f"{random.randrange(100_000, 1_000_000)}"


def ok(response: httpx.Response, status: int = 200) -> Any:
    """The body of a response that had to answer ``status`` (None when it has none)."""
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def refused(response: httpx.Response, status: int, code: str) -> str:
    """The message of a refusal that had to answer ``status`` with the error ``code``."""
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code, error
    message: str = error["message"]
    return message
