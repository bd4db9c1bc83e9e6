"""The screens: login, floor, check, payment, kitchen display and manager; and the guest's
page of pay at the table (``/g/<token>``), which needs no login: its link is the capability.

Each page is rendered on the server with its first data already in it (read in one
read-only unit of work, through the same services the API uses) together with the event
seq read *before* that data; the page's live feed (``WS /api/v1/ws?after=<seq>``) carries
on from exactly there, so nothing that happens between the read and the feed is missed.
Pages authenticate with the ``tableside_token`` cookie that login sets; without a valid one
they send the tablet to the login screen. Every change goes through the JSON API.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from tableside.checks import service as checks
from tableside.checks.rules import CheckType
from tableside.core.access import (
    FLOOR_ROLES,
    KITCHEN_ROLES,
    MANAGER_ROLES,
    OWNER_ROLES,
    Principal,
    Role,
)
from tableside.core.errors import LockedOut, NotAuthenticated, NotFound
from tableside.core.http import database
from tableside.core.schemas import ID_PATTERN
from tableside.core.unit_of_work import UnitOfWork
from tableside.floor import editor as floor_editor
from tableside.floor import service as floor
from tableside.guests import orders as guest_orders
from tableside.guests import service as guests
from tableside.guests.dependencies import guest_request
from tableside.kitchen import service as kitchen
from tableside.menu import service as menu
from tableside.reports import service as reports
from tableside.restaurants import service as restaurants
from tableside.staff import service as auth
from tableside.staff.dependencies import COOKIE

HERE = Path(__file__).parent
STATIC = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False)

HOME = {
    Role.OWNER: "/floor",
    Role.MANAGER: "/floor",
    Role.SERVER: "/floor",
    Role.KITCHEN: "/kitchen",
}

# A new release's scripts and styles load at once: their URLs carry a digest of the files.
ASSET_VERSION = hashlib.sha256(
    b"".join(p.read_bytes() for p in sorted(STATIC.iterdir()) if p.is_file())
).hexdigest()[:12]

# Pages run only our own scripts and talk only to their own server (and its WebSocket).
HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

PageData = Callable[[UnitOfWork], dict[str, Any]]


def static_files() -> StaticFiles:
    """Mounted at ``/static`` by the app."""
    return StaticFiles(directory=STATIC)


def who_is_here(request: Request) -> Principal | None:
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    try:
        with database(request).reader() as uow:
            return auth.authenticate(uow, token)
    except NotAuthenticated:
        return None


def _to_login() -> RedirectResponse:
    return RedirectResponse("/", status_code=303)


def _render(
    request: Request,
    template: str,
    title: str,
    who: Principal | None,
    data: dict[str, Any],
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "title": title,
        "who": who,
        "nav": _nav(who),
        "asset_version": ASSET_VERSION,
        "page": data,
    }
    return templates.TemplateResponse(
        request, template, context, status_code=status_code, headers=HEADERS
    )


def _nav(who: Principal | None) -> list[tuple[str, str]]:
    if who is None:
        return []
    links = []
    if who.role in FLOOR_ROLES:
        links.append(("/floor", "Floor"))
        links.append(("/orders", "Orders"))
    if who.role in KITCHEN_ROLES:
        links.append(("/kitchen", "Kitchen"))
    if who.role in MANAGER_ROLES:
        links.append(("/manager", "Manager"))
    return links


def _screen(
    request: Request,
    roles: frozenset[Role],
    template: str,
    title: str,
    load: PageData,
) -> Response:
    who = who_is_here(request)
    if who is None:
        return _to_login()
    if who.role not in roles:
        return RedirectResponse(HOME[who.role], status_code=303)
    try:
        with database(request).reader(who.restaurant_id) as uow:
            # The seq first: whatever happens after it reaches the page over the feed.
            last_seq = uow.last_event_seq()
            restaurant = auth.restaurant_view(restaurants.current(uow))
            data = load(uow)
    except NotFound as missing:
        return _render(
            request,
            "missing.html",
            "Not found",
            who,
            {"message": missing.message, "home": HOME[who.role]},
            status_code=404,
        )
    page = {
        "last_seq": last_seq,
        "me": {"id": who.staff_id, "name": who.name, "role": who.role.value},
        "restaurant": restaurant.model_dump(mode="json"),
        "home": HOME[who.role],
        **data,
    }
    return _render(request, template, f"{title} · {restaurant.name}", who, page)


def _showing(
    request: Request,
    roles: frozenset[Role],
    template: str,
    title: str,
    name: str,
    view: Callable[[UnitOfWork], Any],
) -> Response:
    """A screen whose first data is one view (or a list of views), as ``page[name]``."""
    return _screen(request, roles, template, title, lambda uow: {name: _json(view(uow))})


def _json(model: Any) -> Any:
    if isinstance(model, list):
        return [_json(m) for m in model]
    return model.model_dump(mode="json")


@router.get("/", response_class=HTMLResponse)
def login_screen(request: Request) -> Response:
    """PIN pad; a tablet already logged in goes straight to its screen."""
    who = who_is_here(request)
    if who is not None:
        return RedirectResponse(HOME[who.role], status_code=303)
    return _render(request, "login.html", "Tableside", None, {})


@router.get("/floor", response_class=HTMLResponse)
def floor_screen(request: Request) -> Response:
    return _showing(request, FLOOR_ROLES, "floor.html", "Floor", "floor", floor.plan)


@router.get("/checks/{check_id}", response_class=HTMLResponse)
def check_screen(request: Request, check_id: str) -> Response:
    def load(uow: UnitOfWork) -> dict[str, Any]:
        return {
            "check": _json(checks.get_check(uow, _id(check_id))),
            "menu": _json(menu.menu(uow)),
        }

    return _screen(request, FLOOR_ROLES, "check.html", "Check", load)


@router.get("/checks/{check_id}/pay", response_class=HTMLResponse)
def payment_screen(request: Request, check_id: str) -> Response:
    def load(uow: UnitOfWork) -> dict[str, Any]:
        settings = restaurants.current(uow)
        return {
            "check": _json(checks.get_check(uow, _id(check_id))),
            "tip_presets_bp": list(settings.tip_presets_bp),
            "receipt": {"header": settings.receipt_header, "footer": settings.receipt_footer},
        }

    return _screen(request, FLOOR_ROLES, "pay.html", "Payment", load)


@router.get("/g/{token}", response_class=HTMLResponse)
def guest_screen(request: Request, token: str) -> Response:
    """Pay at the table: a guest's own page for one check, opened from its QR code. No login:
    the link is the capability, counted and limited as the guest API is."""
    try:
        view = guest_request(request).read(token, guests.guest_check)
    except NotFound as missing:
        return _guest_problem(request, "This link does not work any more", missing.message, 404)
    except LockedOut as busy:
        return _guest_problem(request, "Too many requests", busy.message, 429)
    restaurant = {"name": view.restaurant.name, "currency": view.restaurant.currency}
    data = {"token": token, "check": _json(view), "restaurant": restaurant}
    return _render(request, "guest.html", f"Your check · {view.restaurant.name}", None, data)


@router.get("/r/{slug}", response_class=HTMLResponse)
def order_ahead_screen(request: Request, slug: str) -> Response:
    """Order ahead: the restaurant's public page, its live menu in it. No login."""
    try:
        guest = guest_request(request)
        with database(request).reader() as uow:
            guest.restaurant(uow, _slug(slug))
            menu_view = guest_orders.public_menu(uow)
    except NotFound as missing:
        return _order_problem(request, "This restaurant is not here", missing.message, 404)
    except LockedOut as busy:
        return _order_problem(request, "Too many requests", busy.message, 429)
    data = {
        "slug": menu_view.restaurant.slug,
        "mode": "online",
        "menu": _json(menu_view),
        "restaurant": {
            "name": menu_view.restaurant.name,
            "currency": menu_view.restaurant.currency,
        },
    }
    return _render(request, "order.html", f"Order · {menu_view.restaurant.name}", None, data)


@router.get("/r/{slug}/kiosk", response_class=HTMLResponse)
def kiosk_screen(request: Request, slug: str) -> Response:
    """The self-order kiosk on a restaurant tablet: the tablet's kiosk key (kept by the page,
    from a manager starting kiosk mode) lets it read the menu and order."""
    try:
        guest = guest_request(request)
        with database(request).reader() as uow:
            guest.restaurant(uow, _slug(slug))
            restaurant = restaurants.current(uow)
            name, code, currency = restaurant.name, restaurant.slug, restaurant.currency
    except NotFound as missing:
        return _order_problem(request, "This restaurant is not here", missing.message, 404)
    except LockedOut as busy:
        return _order_problem(request, "Too many requests", busy.message, 429)
    data = {
        "slug": code,
        "mode": "kiosk",
        "menu": None,
        "restaurant": {"name": name, "currency": currency},
    }
    return _render(request, "order.html", f"Order here · {name}", None, data)


@router.get("/o/{token}", response_class=HTMLResponse)
def order_status_screen(request: Request, token: str) -> Response:
    """A guest's own order: where it stands, updated live. The token is the capability."""
    try:
        guest = guest_request(request)
        with database(request).reader() as uow:
            view = guest_orders.order_view(uow, guest.order(uow, token))
            currency = restaurants.current(uow).currency
    except NotFound as missing:
        return _order_problem(request, "There is no such order", missing.message, 404)
    except LockedOut as busy:
        return _order_problem(request, "Too many requests", busy.message, 429)
    data = {
        "token": token,
        "order": _json(view),
        "restaurant": {"name": view.restaurant, "currency": currency},
    }
    return _render(
        request, "order_status.html", f"Order #{view.number} · {view.restaurant}", None, data
    )


@router.get("/orders", response_class=HTMLResponse)
def orders_screen(request: Request) -> Response:
    """Staff: online and kiosk orders; hand them over; pause online ordering."""
    base = str(request.base_url).rstrip("/")

    def load(uow: UnitOfWork) -> dict[str, Any]:
        return {
            "orders": _json(guest_orders.staff_orders(uow)),
            "online_ordering": _json(guest_orders.online_ordering(uow, base)),
        }

    return _screen(request, FLOOR_ROLES, "orders.html", "Orders", load)


def _order_problem(request: Request, title: str, message: str, status: int) -> HTMLResponse:
    problem = {"title": title, "message": message}
    return _render(request, "order.html", title, None, {"problem": problem}, status_code=status)


def _slug(raw: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,60}", raw):
        raise NotFound("There is no restaurant at this address.")
    return raw


def _guest_problem(request: Request, title: str, message: str, status: int) -> HTMLResponse:
    problem = {"title": title, "message": message}
    return _render(request, "guest.html", title, None, {"problem": problem}, status_code=status)


@router.get("/kitchen", response_class=HTMLResponse)
def kitchen_screen(request: Request) -> Response:
    """The kitchen display; ``?type=takeout&type=online`` shows only those order types (an
    unknown type is left out)."""
    asked = set(request.query_params.getlist("type"))
    types = [t for t in CheckType if t.value in asked]

    def load(uow: UnitOfWork) -> dict[str, Any]:
        return {
            "tickets": [_json(t) for t in kitchen.tickets(uow, types=types)],
            "types": [t.value for t in types],
            "menu": _json(menu.menu(uow)),
        }

    return _screen(request, KITCHEN_ROLES, "kitchen.html", "Kitchen", load)


@router.get("/manager", response_class=HTMLResponse)
def manager_screen(request: Request) -> Response:
    def load(uow: UnitOfWork) -> dict[str, Any]:
        today = reports.today_in(restaurants.current(uow))
        return {
            "menu": _json(menu.menu(uow)),
            "report": _json(reports.day_report(uow, today)),
        }

    return _screen(request, MANAGER_ROLES, "manager.html", "Manager", load)


@router.get("/manager/menu", response_class=HTMLResponse)
def menu_editor_screen(request: Request) -> Response:
    """The menu editor: categories, items, modifier groups and options; the menu file."""
    return _showing(request, MANAGER_ROLES, "menu_editor.html", "Menu", "editor", menu.editor_view)


@router.get("/manager/settings", response_class=HTMLResponse)
def settings_screen(request: Request) -> Response:
    """The owner's settings: restaurant, prices and tax, tips and service charge, receipt
    text, and the download of all the restaurant's data."""
    return _showing(
        request, OWNER_ROLES, "settings.html", "Settings", "settings", restaurants.settings
    )


@router.get("/manager/floor", response_class=HTMLResponse)
def floor_editor_screen(request: Request) -> Response:
    """The floor editor: the plan on its grid, tables dragged into place, sections."""
    return _showing(
        request, MANAGER_ROLES, "floor_editor.html", "Floor plan", "plan", floor_editor.editor_view
    )


@router.get("/manager/staff", response_class=HTMLResponse)
def staff_screen(request: Request) -> Response:
    """Staff: add, change role, new PIN, deactivate and reactivate."""
    return _showing(request, MANAGER_ROLES, "staff.html", "Staff", "roster", auth.roster_view)


def _id(raw: str) -> str:
    """A malformed id is simply a check that is not here."""
    if not re.fullmatch(ID_PATTERN, raw) or len(raw) > 40:
        raise NotFound(f"No check with id {raw[:40]!r} in this restaurant.")
    return raw
