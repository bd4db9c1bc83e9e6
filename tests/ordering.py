"""A guest ordering ahead from a phone or laptop: the public order endpoints on a live
server, with no staff token and no cookie."""

from __future__ import annotations

from typing import Any

import httpx
from terminal import new_key


class Guest:
    """A guest's phone or laptop on the live server: no staff token, no cookie."""

    def __init__(self, base_url: str, slug: str = "demo") -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30)
        self.slug = slug

    def menu(self) -> dict[str, Any]:
        response = self.http.get(f"/api/v1/public/{self.slug}/menu")
        assert response.status_code == 200, response.text
        menu: dict[str, Any] = response.json()
        return menu

    def item(self, name: str) -> dict[str, Any]:
        return next(i for i in self.menu()["items"] if i["name"] == name)

    def order(
        self,
        items: list[dict[str, Any]] | None = None,
        *,
        key: str | None = None,
        pickup: str = "asap",
        payment_method: str = "pm_card_visa",
        name: str = "Ada Lovelace",
        **extra: Any,
    ) -> httpx.Response:
        body = {
            "items": items or [{"menu_item_id": self.item("Draft IPA")["id"], "quantity": 2}],
            "name": name,
            "phone": "+1 555 0100",
            "pickup": pickup,
            "payment_method": payment_method,
            "tip_cents": 0,
            **extra,
        }
        return self.http.post(
            f"/api/v1/public/{self.slug}/orders",
            json=body,
            headers={"Idempotency-Key": key or new_key()},
        )

    def status(self, token: str) -> httpx.Response:
        return self.http.get(f"/api/v1/public/orders/{token}")

    def close(self) -> None:
        self.http.close()
