"""Stripe's idempotency contract on the ``Idempotency-Key`` header of a POST.

A key already answered replays the stored answer (same status and body) and does nothing
else; with different parameters it is an ``idempotency_error``; while its first request is
still being processed, another request with it is answered 409. The stored answers live in
the ledger; the ``KeyGate`` of keys in flight lives in memory, so a restart frees them.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Awaitable, Callable

from fastapi import Request
from fastapi.responses import Response

from processor_emulator.errors import JsonObject, StripeApiError, invalid
from processor_emulator.ledger import Ledger
from processor_emulator.render import new_id

# ``execute(key, fingerprint, owner)``: processes a request whose key is fresh.
Execute = Callable[[str | None, str, object], Awaitable[Response]]


class KeyGate:
    """Keys whose first request is being processed right now (in memory: a restart frees them)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._in_flight: dict[str, tuple[str, object]] = {}  # key -> (fingerprint, owner)

    def try_enter(self, key: str, fingerprint: str, owner: object) -> str | None:
        """Take the key for ``owner``; when another request holds it, return its fingerprint."""
        with self._lock:
            held = self._in_flight.get(key)
            if held is None:
                self._in_flight[key] = (fingerprint, owner)
                return None
            return held[0]

    def leave(self, key: str | None, owner: object) -> None:
        """Free the key if ``owner`` still holds it (never someone else's later hold)."""
        if key is not None:
            with self._lock:
                held = self._in_flight.get(key)
                if held is not None and held[1] is owner:
                    del self._in_flight[key]


def fingerprint(method: str, path: str, params: JsonObject) -> str:
    """What must match for a key's later request to count as the same request."""
    return json.dumps([method, path, params], sort_keys=True, separators=(",", ":"))


def idempotency_mismatch(key: str) -> StripeApiError:
    return StripeApiError(
        400,
        "idempotency_error",
        "Keys for idempotent requests can only be used with the same parameters they were"
        f" first used with. Try using a key other than '{key}' if you meant to execute a"
        " different request.",
    )


async def idempotent(
    request: Request, params: JsonObject, execute: Execute, *, ledger: Ledger, gate: KeyGate
) -> Response:
    """Stripe's idempotency contract around one POST.

    A key already answered replays the stored answer (same status and body) and does
    nothing else; with different parameters it is an ``idempotency_error``; while its
    first request is still being processed it answers 409. ``execute(key, fingerprint,
    owner)`` runs only for a fresh key, and is itself responsible for storing its answer.
    """
    key = request.headers.get("idempotency-key")
    request_fingerprint = fingerprint(request.method, request.url.path, params)
    owner = object()
    if key is not None and not 1 <= len(key) <= 255:
        raise invalid("Idempotency-Key must be 1 to 255 characters.", param="Idempotency-Key")
    if key is not None:
        held = gate.try_enter(key, request_fingerprint, owner)
        if held is not None:
            if held != request_fingerprint:
                raise idempotency_mismatch(key)
            raise StripeApiError(
                409,
                "invalid_request_error",
                "There is currently another in-progress request using this Idempotent"
                " Key (that probably means you submitted twice, and the other request"
                f" is still going through): {key}. Please try again later.",
                code="idempotency_key_in_use",
                should_retry=True,
            )
    try:
        # Looked up only once the key is ours, so two racing first requests cannot both
        # miss the stored answer and both execute.
        stored = ledger.stored_response(key) if key is not None else None
        if stored is not None:
            if stored.fingerprint != request_fingerprint:
                raise idempotency_mismatch(key or "")
            return Response(
                stored.body,
                status_code=stored.status,
                media_type="application/json",
                headers={
                    "Request-Id": new_id("req"),
                    "Idempotent-Replayed": "true",
                    "Idempotency-Key": key or "",
                    # Replaying a stored failure would only repeat it.
                    "Stripe-Should-Retry": "false",
                },
            )
        return await execute(key, request_fingerprint, owner)
    finally:
        gate.leave(key, owner)
