"""ASGI entry point for uvicorn workers: ``uvicorn tableside.asgi:app_from_env --factory``.

``tableside serve`` starts uvicorn with it and with ``Settings.uvicorn_options()``: forwarded
headers honoured from ``TABLESIDE_TRUSTED_PROXIES`` only. Started by hand, uvicorn must be
told the same (its default trusts ``X-Forwarded-For`` from loopback, so anything on this
host could choose the address its wrong PINs count against): ``--no-proxy-headers``, or
``--forwarded-allow-ips`` with the proxies' addresses.
"""

from __future__ import annotations

import gc

from fastapi import FastAPI

from tableside.app import create_app
from tableside.config import Settings

# A young collection after this many more container objects made than freed (CPython's
# default: 700). See ``tune_collector``.
YOUNG_COLLECTION_AFTER = 10_000


def app_from_env() -> FastAPI:
    app = create_app(Settings.from_env())
    tune_collector()
    return app


def tune_collector() -> None:
    """Set CPython's cycle collector for a long-lived server process. Measured in a worker
    under the bench's load (docs/benchmarks.md), this takes the collector's time from 3.9 s
    to 0.1 s per 100 s, and its longest pause from 120 ms to 23 ms.

    - What the process imported and built to start lives as long as the process: after
      one collection, it is frozen, so that no full collection walks it again. A full
      collection over those 130 000 objects stopped every request of the process for
      65–120 ms, every few seconds under load.
    - A request's objects die by reference counting as soon as it answers, but while it
      runs there are hundreds of them at once: with the default threshold, a young
      collection ran every few requests to find almost nothing. At 10 000 it runs every
      few hundred; what it finds is still collected then.
    """
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_AFTER, middle, old)
