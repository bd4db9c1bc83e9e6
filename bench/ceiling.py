"""The card processor's own ceiling: charges per second straight to the emulator.

The request is the one the stripe library sends for a card settle (a confirmed
PaymentIntent, form-encoded, with an Idempotency-Key), so card settles through Tableside can
be read against what the emulator alone can do on this machine.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
from terminals import Recorder

FORM = {
    "amount": "4321",
    "currency": "usd",
    "payment_method": "pm_card_visa",
    "confirm": "true",
    "automatic_payment_methods[enabled]": "true",
    "automatic_payment_methods[allow_redirects]": "never",
    "error_on_requires_action": "true",
    "metadata[tableside_attempt]": "bench",
}


async def run_charges(
    emulator_url: str, *, concurrency: int, warmup_s: float, duration_s: float
) -> Recorder:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"Authorization": "Bearer sk_test_tableside_bench"}
    async with httpx.AsyncClient(
        base_url=emulator_url, limits=limits, timeout=30, headers=headers
    ) as client:
        recorder = Recorder(warmup_s, duration_s)
        recorder.begin()

        async def worker() -> None:
            while time.perf_counter() < recorder.end:
                started = time.perf_counter()
                try:
                    response = await client.post(
                        "/v1/payment_intents",
                        data=FORM,
                        headers={"Idempotency-Key": f"bench-{uuid.uuid4()}"},
                    )
                    status = response.status_code
                except httpx.HTTPError:
                    status = 0
                recorder.request("charge", started, time.perf_counter(), status)
                if status == 200:
                    recorder.event("charge")

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return recorder
