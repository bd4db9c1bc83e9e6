"""A local, Stripe-compatible card processor, for demos and tests.

It answers the slice of Stripe's REST API that a Stripe adapter uses through the official
``stripe`` library (PaymentIntents with ``confirm=true``, refunds, list, search), with
Stripe's idempotency semantics on the ``Idempotency-Key`` header, and a fault switch
(``POST /_faults``) that makes the next charge requests decline, fail, hang or crawl, so the
real adapter code can be driven through every failure a payment flow must survive.

Charges, refunds and stored idempotent responses live in a SQLite file (the *ledger*), so
they survive a restart of the emulator; the fault switch lives in memory.

The parts: ``app`` (the HTTP routes), ``ledger`` (the SQLite ledger), ``idempotency``
(the ``Idempotency-Key`` contract), ``faults`` (fault injection), ``forms`` (Stripe's form
encoding), ``readers`` (request parameters), ``search`` (the search query language),
``render`` (Stripe's JSON shapes), ``cards`` (the test payment methods), ``errors``
(Stripe-shaped errors), ``server`` (serving with uvicorn) and ``__main__`` (the command
line). It depends on no other part of the distribution it ships in.
"""

from processor_emulator.app import create_app
from processor_emulator.forms import decode_form
from processor_emulator.search import parse_search_query
from processor_emulator.server import EmulatorHandle, serve, start_in_thread

__all__ = [
    "EmulatorHandle",
    "create_app",
    "decode_form",
    "parse_search_query",
    "serve",
    "start_in_thread",
]
