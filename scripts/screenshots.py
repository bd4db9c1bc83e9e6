"""Screenshots of the floor, a busy check and its pay screen, on the tablet (1024×768) and
on a phone (390×844), into docs/screens/.

Start a demo with nothing on its floor, then point this at it:

    tableside demo --port 8000 &
    .venv/bin/python scripts/screenshots.py http://127.0.0.1:8000

It seats a few tables through the API, rings and sends a party of three, and drives the
system Chromium (/usr/bin/chromium) through Playwright.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
SIZES = {"tablet": {"width": 1024, "height": 768}, "phone": {"width": 390, "height": 844}}
OUT = Path(__file__).resolve().parent.parent / "docs" / "screens"

PARTY = [  # (seat, item, options)
    (1, "Crispy calamari", []),
    (1, "Ribeye 12 oz", ["Medium rare", "Fries"]),
    (1, "House red (glass)", []),
    (2, "Caesar salad", ["Add chicken"]),
    (2, "Fresh lemonade", []),
    (3, "Bistro burger", ["Medium", "Add bacon", "Side salad"]),
    (3, "Draft IPA", []),
    (0, "Truffle fries", []),
]


class Terminal:
    def __init__(self, base: str, pin: str = "1234") -> None:
        token = httpx.post(f"{base}/api/v1/auth/login", json={"restaurant": "demo", "pin": pin})
        token.raise_for_status()
        self.token = str(token.json()["token"])
        self.http = httpx.Client(
            base_url=f"{base}/api/v1", headers={"Authorization": f"Bearer {self.token}"}
        )
        self.menu = self.http.get("/menu").json()

    def call(self, method: str, path: str, body: Any = None) -> Any:
        response = self.http.request(method, path, json=body)
        assert response.is_success, response.text
        return response.json()

    def seat(self, label: str, guests: int) -> dict[str, Any]:
        table = next(t for t in self.call("GET", "/floor")["tables"] if t["label"] == label)
        result: dict[str, Any] = self.call(
            "POST", f"/tables/{table['id']}/seat", {"guests": guests}
        )
        return result

    def ring(self, check_id: str, seat: int, name: str, options: list[str]) -> None:
        item = next(i for i in self.menu["items"] if i["name"] == name)
        chosen = [
            o["id"] for g in item["modifier_groups"] for o in g["options"] if o["name"] in options
        ]
        self.call(
            "POST",
            f"/checks/{check_id}/lines",
            {"menu_item_id": item["id"], "seat": seat, "modifier_option_ids": chosen},
        )


def main(base: str) -> None:
    server = Terminal(base)
    check = server.seat("T6", guests=3)
    for seat, name, options in PARTY[:6]:
        server.ring(check["id"], seat, name, options)
    server.call("POST", f"/checks/{check['id']}/send")
    for seat, name, options in PARTY[6:]:
        server.ring(check["id"], seat, name, options)
    for label, guests, name in [("T2", 2, "Mushroom risotto"), ("T11", 5, "Chicken wings")]:
        other = server.seat(label, guests)
        server.ring(other["id"], 1, name, ["Buffalo"] if name == "Chicken wings" else [])
        server.call("POST", f"/checks/{other['id']}/send")

    OUT.mkdir(parents=True, exist_ok=True)
    screens = {
        "floor": "/floor",
        "check": f"/checks/{check['id']}",
        "pay": f"/checks/{check['id']}/pay",
    }
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless=new", "--no-sandbox", "--disable-gpu"]
        )
        for size, viewport in SIZES.items():
            context = browser.new_context(base_url=base, viewport=viewport, locale="en-US")
            context.add_cookies([{"name": "tableside_token", "value": server.token, "url": base}])
            page = context.new_page()
            for name, path in screens.items():
                page.goto(path)
                page.wait_for_selector("#live[data-state='live']")
                page.wait_for_timeout(400)
                page.screenshot(path=str(OUT / f"{name}-{size}.png"))
                print(OUT / f"{name}-{size}.png")
            context.close()
        browser.close()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1].rstrip("/"))
