"""The card processor's own ceiling: charges per second straight to the emulator.

The request is the one the stripe library sends for a card settle (a confirmed
PaymentIntent, form-encoded, with an Idempotency-Key), so card settles through Tableside can
be read against what the emulator alone can do on this machine.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import aiohttp
from terminals import Recorder, new_session, send

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
    headers = {"Authorization": "Bearer sk_test_tableside_bench"}
    async with new_session(emulator_url, concurrency, timeout_s=30, headers=headers) as session:
        recorder = Recorder(warmup_s, duration_s)
        recorder.begin()

        async def worker() -> None:
            while time.perf_counter() < recorder.end:
                started = time.perf_counter()
                try:
                    reply = await send(
                        session,
                        "POST",
                        "/v1/payment_intents",
                        data=FORM,
                        headers={"Idempotency-Key": f"bench-{uuid.uuid4()}"},
                    )
                    status = reply.status
                except aiohttp.ClientError:
                    status = 0
                recorder.request("charge", started, time.perf_counter(), status)
                if status == 200:
                    recorder.event("charge")

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return recorder
