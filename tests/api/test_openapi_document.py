"""The OpenAPI document a client generator reads is true (issue 16):

- every operation documents every error it can answer, in the one error shape, by what the
  route is made of (core/openapi.py): a new route is held to it without a row anywhere;
- schemathesis, every check, against the served document on a server of its own on each
  database: no failure (stateful sequences included, logout too).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from harness import LiveServer, settings_for

from tableside.core import migrate
from tableside.core.database import make_engine
from tableside.core.unit_of_work import Database
from tableside.demo import seed_demo

HERE = Path(__file__).parent
CONFIG = HERE / "schemathesis.toml"
# Test cases per operation and phase: three to five minutes a database (docs/openapi.md).
MAX_EXAMPLES = os.environ.get("TABLESIDE_SCHEMATHESIS_EXAMPLES", "10")
SEED = os.environ.get("TABLESIDE_SCHEMATHESIS_SEED", "16")
PUBLIC = {("POST", "/api/v1/auth/login"), ("GET", "/healthz")}
SAFE = {"get", "head", "options"}
NOT_FUZZED = 3  # schemathesis.toml: POST /auth/login, PUT /staff/{id}/pin, POST …/deactivate
# Guests' own routes: no staff login; a link, a restaurant's public code or a kiosk's key.
GUEST_ROUTES = ("/api/v1/guest/", "/api/v1/public/", "/api/v1/kiosk/")


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield method, path, operation


@pytest.fixture(scope="module")
def document(live_server: str) -> dict[str, Any]:
    answer = httpx.get(f"{live_server}/openapi.json", timeout=60)
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    return body


def test_every_operation_documents_the_errors_it_can_answer(document: dict[str, Any]) -> None:
    missing = []
    for method, path, operation in operations(document):
        documented = set(operation["responses"])
        expected = {"503"}
        if (method.upper(), path) not in PUBLIC and not path.startswith(GUEST_ROUTES):
            expected.add("401")
            if operation.get("security") != [{"HTTPBearer": []}]:
                missing.append((method, path, "no bearer security"))
        if "{" in path:
            expected |= {"404", "422"}
        if operation.get("requestBody") or any(
            p["in"] in {"query", "header"} for p in operation.get("parameters", [])
        ):
            expected.add("422")
        if operation.get("requestBody"):
            expected.add("413")
        if method not in SAFE:
            expected |= {"403", "409"}
        if path.startswith(GUEST_ROUTES):
            expected |= {"404", "429"}
        if any(p["name"] == "Idempotency-Key" for p in operation.get("parameters", [])):
            expected.add("400")
        if not expected <= documented:
            missing.append((method, path, sorted(expected - documented)))
    assert missing == []


def test_a_route_for_some_roles_only_documents_403(document: dict[str, Any]) -> None:
    paths = document["paths"]
    assert "403" in paths["/api/v1/reports/day"]["get"]["responses"]  # managers
    assert "403" in paths["/api/v1/menu/editor"]["get"]["responses"]  # managers
    assert "403" not in paths["/api/v1/floor"]["get"]["responses"]  # any staff
    assert "403" not in paths["/api/v1/me"]["get"]["responses"]


def test_every_error_answer_has_the_one_error_shape(document: dict[str, Any]) -> None:
    wrong = [
        (method, path, status)
        for method, path, operation in operations(document)
        for status, response in operation["responses"].items()
        if int(status) >= 400
        and response.get("content", {}).get("application/json", {}).get("schema")
        != {"$ref": "#/components/schemas/Error"}
    ]
    assert wrong == []
    schemas = document["components"]["schemas"]
    assert schemas["Error"]["required"] == ["error"]
    assert schemas["Error"]["properties"]["error"]["required"] == ["code", "message"]
    assert "HTTPValidationError" not in schemas  # FastAPI's own 422 shape is not ours


def test_a_payment_or_refund_requires_its_idempotency_key(document: dict[str, Any]) -> None:
    for path in [
        "/api/v1/checks/{check_id}/payments",
        "/api/v1/payments/{payment_id}/refund",
        "/api/v1/guest/checks/{token}/payments",
    ]:
        (key,) = [p for p in document["paths"][path]["post"]["parameters"] if p["in"] == "header"]
        assert key["name"] == "Idempotency-Key" and key["required"] is True
        assert key["schema"]["minLength"] == 1 and key["schema"]["maxLength"] == 255
        assert "400" in document["paths"][path]["post"]["responses"]


def test_the_formats_the_server_checks_are_in_the_document(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert schemas["LoginRequest"]["properties"]["pin"]["pattern"] == r"^[0-9]{4,8}$"
    assert schemas["AddStaffRequest"]["properties"]["pin"]["pattern"] == r"^[0-9]{4,8}$"
    day = next(
        p
        for p in document["paths"]["/api/v1/reports/day"]["get"]["parameters"]
        if p["name"] == "date"
    )
    assert day["schema"]["anyOf"][0]["format"] == "date"
    timezone = schemas["SettingsChange"]["properties"]["timezone"]["anyOf"][0]
    assert "Europe/Paris" in timezone["enum"]
    check_id = document["paths"]["/api/v1/checks/{check_id}"]["get"]["parameters"][0]
    assert check_id["schema"]["pattern"] == r"^[A-Za-z0-9_-]+$"


def test_a_method_an_address_does_not_answer_lists_the_ones_it_does(live_server: str) -> None:
    answer = httpx.request("OPTIONS", f"{live_server}/api/v1/checks/chk_x/guest-link")
    assert answer.status_code == 405
    assert answer.headers["allow"] == "DELETE, POST"
    assert answer.json()["error"]["code"] == "method_not_allowed"
    # A literal path is its own address, not the {id} route beside it.
    order = httpx.request("OPTIONS", f"{live_server}/api/v1/menu/categories/order")
    assert order.headers["allow"] == "PUT"


def test_a_body_that_is_not_utf8_is_a_422(live_server: str) -> None:
    answer = httpx.post(
        f"{live_server}/api/v1/auth/login",
        content=b"\xff\xfe{",
        headers={"content-type": "application/json"},
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "invalid_request"


# --- schemathesis against a server of its own ----------------------------------------------


@pytest.fixture
def fuzzed_database(
    empty_database_url: str,
) -> str:
    """A fresh database with the demo restaurants: schemathesis changes the menu, the staff
    and the settings, which the session's server must keep."""
    engine = make_engine(empty_database_url)
    migrate.upgrade(engine)
    seed_demo(Database(engine))
    engine.dispose()
    return empty_database_url


@pytest.fixture
def fuzzed_server(fuzzed_database: str, emulator_url: str, tmp_path: Path) -> Iterator[str]:
    """A server of its own on that database (and its own connections), in this process."""
    with LiveServer(settings_for(fuzzed_database, emulator_url, tmp_path)) as server:
        yield server.url
        server.app.state.db.engine.dispose()


def schemathesis_command(url: str) -> list[str]:
    """The README's command (Testing), against ``url``."""
    return [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(CONFIG),
        "run",
        f"{url}/openapi.json",
        # Every check is on by default; ``--checks all`` would also override the config's
        # per-operation exceptions (the '/order$' operations' created-resource check).
        "--max-examples",
        MAX_EXAMPLES,
        "--seed",
        SEED,
        "--no-color",
    ]


@pytest.mark.slow
def test_schemathesis_finds_nothing_wrong_with_the_served_document(
    fuzzed_server: str,
) -> None:
    run = subprocess.run(
        schemathesis_command(fuzzed_server),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    summary = run.stdout[run.stdout.find("= SUMMARY =") - 40 :]
    assert run.returncode == 0, run.stdout[-20_000:] + run.stderr[-5_000:]
    # Every operation was tested but the three the config leaves out (logging in, a new
    # PIN, deactivating: each would end the run's own login), and the stateful phase passed.
    selected = re.search(r"Selected: (\d+)/(\d+)\s+Tested: (\d+)", summary)
    assert selected is not None, summary
    chosen, total, tested = (int(n) for n in selected.groups())
    assert (total - chosen, tested) == (NOT_FUZZED, chosen), summary
    assert "✅ Stateful" in summary, summary
    print(summary)  # the figures, for pytest -s
