"""The HTTP app: Stripe's REST routes over the ledger, and the emulator's test controls.

``create_app`` answers the slice of Stripe's API the Stripe adapter uses through the
official ``stripe`` library: PaymentIntents created with ``confirm=true`` (and listed,
searched, retrieved), charges (read) and refunds, under ``/v1`` with a bearer API key
required, form-encoded in and JSON out, errors in Stripe's shape. Creating a PaymentIntent
takes the next armed fault from the fault switch. Outside ``/v1``: ``/healthz``,
``/_faults`` (read and arm the switch), ``/_reset`` (disarm it) and ``/_charges`` (every
succeeded charge in the ledger).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from processor_emulator.errors import JsonObject, StripeApiError, invalid, missing_resource
from processor_emulator.faults import (
    DEFAULT_SLOW_DELAY_MS,
    FAULT_MODES,
    FaultSwitch,
    hold_until_client_gives_up,
)
from processor_emulator.forms import decode_form
from processor_emulator.idempotency import KeyGate, idempotent
from processor_emulator.ledger import Ledger
from processor_emulator.readers import (
    check_known,
    created_filter,
    parse_new_payment_intent,
    read_expand,
    read_int,
    read_metadata,
    read_page_limit,
    read_str,
)
from processor_emulator.render import new_id, render_charge, render_payment_intent, render_refund
from processor_emulator.search import parse_search_query


def _json(status: int, body: JsonObject, headers: dict[str, str] | None = None) -> JSONResponse:
    merged = {"Request-Id": new_id("req"), **(headers or {})}
    return JSONResponse(body, status_code=status, headers=merged)


def _echo_key(key: str | None) -> dict[str, str]:
    return {"Idempotency-Key": key} if key is not None else {}


def _error_response(error: StripeApiError) -> JSONResponse:
    headers = {}
    if error.should_retry is not None:
        headers["Stripe-Should-Retry"] = "true" if error.should_retry else "false"
    return _json(error.status, error.body, headers)


def _require_api_key(request: Request) -> None:
    # Stripe refuses anonymous calls; any bearer key will do for the emulator.
    auth = request.headers.get("authorization", "")
    if not auth.startswith("Bearer ") or len(auth) <= len("Bearer "):
        raise StripeApiError(
            401,
            "invalid_request_error",
            "You did not provide an API key. Provide it as 'Authorization: Bearer <key>'.",
        )


async def _params(request: Request) -> JsonObject:
    if request.method == "GET":
        pairs = list(request.query_params.multi_items())
    else:
        body = (await request.body()).decode("utf-8", errors="replace")
        pairs = parse_qsl(body, keep_blank_values=True)
    return decode_form(pairs)


def create_app(ledger_path: Path | str) -> FastAPI:
    """The emulator as an ASGI app over the ledger at ``ledger_path`` (created if missing)."""
    ledger = Ledger(ledger_path)
    faults = FaultSwitch()
    gate = KeyGate()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        ledger.close()

    app = FastAPI(
        title="Tableside card processor emulator",
        description="A Stripe-compatible subset with switchable faults.",
        lifespan=lifespan,
    )
    app.state.ledger = ledger
    app.state.faults = faults

    async def stripe_error(_request: Request, error: Exception) -> Response:
        assert isinstance(error, StripeApiError)
        return _error_response(error)

    app.add_exception_handler(StripeApiError, stripe_error)
    v1 = APIRouter(prefix="/v1", dependencies=[Depends(_require_api_key)])

    # -- PaymentIntents ------------------------------------------------------------------

    @v1.post("/payment_intents")
    async def create_payment_intent(request: Request) -> Response:
        params = await _params(request)

        async def execute(key: str | None, fingerprint: str, owner: object) -> Response:
            new = parse_new_payment_intent(params)  # bad input is answered, never stored
            fault = faults.take()
            mode = fault.mode if fault else "none"
            if mode == "timeout_before_charge":
                # Nothing is recorded and the key is freed at once, so a retry that arrives
                # while this request still hangs is processed normally.
                gate.leave(key, owner)
                await hold_until_client_gives_up(request)
                return _error_response(
                    StripeApiError(
                        500,
                        "api_error",
                        "The emulator held this request (timeout_before_charge); nothing was"
                        " charged.",
                    )
                )
            if mode == "error_500":
                error = StripeApiError(
                    500,
                    "api_error",
                    "An unknown error occurred while processing the charge (emulated"
                    " error_500); nothing was charged.",
                    should_retry=False,
                )
                ledger.store_response(key, fingerprint, error)
                return _error_response(error)
            status, body = ledger.create_payment_intent(
                new, key=key, fingerprint=fingerprint, force_decline=mode == "decline"
            )
            if mode == "timeout_after_charge":
                gate.leave(key, owner)  # the answer is stored: a retry replays it
                await hold_until_client_gives_up(request)
            elif mode == "slow" and fault is not None:
                # The key stays in flight until the answer goes out, as on Stripe: a retry
                # in the meantime is told 409, and a caller that died does not undo anything.
                await asyncio.sleep(fault.delay_ms / 1000)
            return _json(status, body, _echo_key(key))

        return await idempotent(request, params, execute, ledger=ledger, gate=gate)

    @v1.get("/payment_intents")
    async def list_payment_intents(request: Request) -> Response:
        params = await _params(request)
        check_known(params, {"limit", "starting_after", "ending_before", "created", "expand"})
        expand = read_expand(params, allowed={"data.latest_charge"})
        rows, has_more = ledger.list_payment_intents(
            limit=read_page_limit(params),
            starting_after=read_str(params, "starting_after"),
            ending_before=read_str(params, "ending_before"),
            created=created_filter(params),
        )
        return _json(
            200,
            {
                "object": "list",
                "data": [
                    render_payment_intent(r, expand_charge="data.latest_charge" in expand)
                    for r in rows
                ],
                "has_more": has_more,
                "url": "/v1/payment_intents",
            },
        )

    @v1.get("/payment_intents/search")
    async def search_payment_intents(request: Request) -> Response:
        params = await _params(request)
        check_known(params, {"query", "limit", "page", "expand"})
        expand = read_expand(params, allowed={"data.latest_charge"})
        query = read_str(params, "query", required=True)
        assert query is not None
        page = read_str(params, "page")
        before_seq: int | None = None
        if page is not None:
            if not page.startswith("seq:") or not page[4:].isdigit():
                raise invalid("Invalid page token.", param="page")
            before_seq = int(page[4:])
        rows, has_more = ledger.search_payment_intents(
            parse_search_query(query), limit=read_page_limit(params), before_seq=before_seq
        )
        return _json(
            200,
            {
                "object": "search_result",
                "data": [
                    render_payment_intent(r, expand_charge="data.latest_charge" in expand)
                    for r in rows
                ],
                "has_more": has_more,
                "next_page": f"seq:{rows[-1]['seq']}" if has_more and rows else None,
                "url": "/v1/payment_intents/search",
            },
        )

    @v1.get("/payment_intents/{intent}")
    async def retrieve_payment_intent(intent: str, request: Request) -> Response:
        params = await _params(request)
        check_known(params, {"expand", "client_secret"})
        expand = read_expand(params, allowed={"latest_charge"})
        row = ledger.payment_intent(intent)
        if row is None:
            raise missing_resource("payment_intent", intent)
        return _json(200, render_payment_intent(row, expand_charge="latest_charge" in expand))

    @v1.get("/charges/{charge}")
    async def retrieve_charge(charge: str) -> Response:
        row = ledger.payment_intent_by_charge(charge)
        if row is None:
            raise missing_resource("charge", charge)
        return _json(200, render_charge(row))

    # -- Refunds -------------------------------------------------------------------------

    @v1.post("/refunds")
    async def create_refund(request: Request) -> Response:
        params = await _params(request)

        async def execute(key: str | None, fingerprint: str, _owner: object) -> Response:
            check_known(
                params, {"payment_intent", "charge", "amount", "reason", "metadata", "expand"}
            )
            pi_id = read_str(params, "payment_intent")
            charge_id = read_str(params, "charge")
            if (pi_id is None) == (charge_id is None):
                raise invalid(
                    "Provide exactly one of payment_intent or charge.", param="payment_intent"
                )
            pi_param = "payment_intent"
            if charge_id is not None:
                row = ledger.payment_intent_by_charge(charge_id)
                if row is None:
                    raise missing_resource("charge", charge_id, param="charge")
                pi_id, pi_param = row["id"], "charge"
            assert pi_id is not None
            amount = read_int(params, "amount")
            if amount is not None and amount < 1:
                raise invalid("This value must be greater than or equal to 1.", param="amount")
            reason = read_str(params, "reason")
            if reason not in (None, "duplicate", "fraudulent", "requested_by_customer"):
                raise invalid(f"Invalid reason: {reason}", param="reason")
            status, body = ledger.create_refund(
                pi_id=pi_id,
                pi_param=pi_param,
                amount=amount,
                reason=reason,
                metadata=read_metadata(params),
                key=key,
                fingerprint=fingerprint,
            )
            return _json(status, body, _echo_key(key))

        return await idempotent(request, params, execute, ledger=ledger, gate=gate)

    @v1.get("/refunds")
    async def list_refunds(request: Request) -> Response:
        params = await _params(request)
        check_known(params, {"payment_intent", "limit", "starting_after"})
        rows, has_more = ledger.list_refunds(
            payment_intent=read_str(params, "payment_intent"),
            limit=read_page_limit(params),
            starting_after=read_str(params, "starting_after"),
        )
        return _json(
            200,
            {
                "object": "list",
                "data": [render_refund(r) for r in rows],
                "has_more": has_more,
                "url": "/v1/refunds",
            },
        )

    @v1.get("/refunds/{refund}")
    async def retrieve_refund(refund: str) -> Response:
        row = ledger.refund(refund)
        if row is None:
            raise missing_resource("refund", refund)
        return _json(200, render_refund(row))

    @v1.api_route("/{rest:path}", methods=["GET", "POST", "DELETE"])
    async def unknown_v1(rest: str, request: Request) -> Response:
        raise StripeApiError(
            404,
            "invalid_request_error",
            f"Unrecognized request URL ({request.method}: /v1/{rest}). The emulator implements"
            " only PaymentIntents, charges (read) and refunds.",
        )

    app.include_router(v1)

    # -- Test controls -------------------------------------------------------------------

    @app.get("/healthz")
    async def healthz() -> JsonObject:
        return {"status": "ok"}

    @app.get("/_faults")
    async def get_faults() -> JsonObject:
        return faults.state()

    @app.post("/_faults")
    async def set_faults(request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return _fault_error('Send a JSON object like {"mode": "decline", "count": 1}.')
        mode = body.get("mode")
        count = body.get("count", 1)
        delay_ms = body.get("delay_ms", DEFAULT_SLOW_DELAY_MS)
        if mode not in FAULT_MODES:
            return _fault_error(f"mode must be one of {sorted(FAULT_MODES)}.")
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            return _fault_error("count must be a whole number, 0 or more.")
        if not isinstance(delay_ms, int) or isinstance(delay_ms, bool) or delay_ms < 0:
            return _fault_error("delay_ms must be a whole number of milliseconds, 0 or more.")
        faults.set(mode, count, delay_ms)
        return _json(200, faults.state())

    @app.post("/_reset")
    async def reset() -> JsonObject:
        """Clear the fault switch; the ledger is kept."""
        faults.set("none", 0, DEFAULT_SLOW_DELAY_MS)
        return faults.state()

    @app.get("/_charges")
    async def list_charges() -> JsonObject:
        return {
            "charges": [
                {
                    "id": r["id"],
                    "charge": r["charge_id"],
                    "amount": r["amount"],
                    "currency": r["currency"],
                    "status": "succeeded",
                    "amount_refunded": r["amount_refunded"],
                    "idempotency_key": r["idempotency_key"],
                    "metadata": json.loads(r["metadata"]),
                }
                for r in ledger.succeeded_payment_intents()
            ]
        }

    return app


def _fault_error(message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": "invalid_fault", "message": message}}, status_code=400)
