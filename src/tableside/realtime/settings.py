"""How the live floor behaves: heartbeats, queue bounds, polling and outbox retention.

Read once from the environment when the app is built; every name is documented in
docs/realtime.md. Tests replace ``app.state.hub.settings`` before the server starts.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from tableside.config import ConfigError


@dataclass(frozen=True)
class RealtimeSettings:
    heartbeat_s: float = 15.0  # a heartbeat goes to every terminal this often
    client_timeout_s: float = 45.0  # nothing heard from a terminal for this long: dropped
    auth_timeout_s: float = 10.0  # the token must be the first message within this time
    close_timeout_s: float = 10.0  # how long a close frame may wait behind unread data
    queue_size: int = 1000  # events a terminal may fall behind before it is told to resync
    poll_s: float = 2.0  # safety net in case a wake-up is lost
    fanout_page: int = 200  # outbox rows read per query when fanning out
    catchup_page: int = 500  # outbox rows read per query when a terminal catches up
    retention_days: float = 7.0  # outbox rows older than this are pruned
    prune_interval_s: float = 3600.0
    listen_backoff_max_s: float = 5.0  # longest wait between LISTEN reconnection attempts

    def __post_init__(self) -> None:
        if self.queue_size < 2 * self.fanout_page:
            # One fan-out pushes up to a page at once; a bound below two pages would drop
            # terminals that are merely waiting for their turn on the event loop.
            raise ConfigError(
                f"TABLESIDE_WS_QUEUE_SIZE must be at least {2 * self.fanout_page} "
                f"(two fan-out pages), not {self.queue_size}"
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> RealtimeSettings:
        env = os.environ if environ is None else environ
        defaults = cls()
        return cls(
            heartbeat_s=_positive(env, "TABLESIDE_WS_HEARTBEAT_S", defaults.heartbeat_s),
            client_timeout_s=_positive(
                env, "TABLESIDE_WS_CLIENT_TIMEOUT_S", defaults.client_timeout_s
            ),
            auth_timeout_s=defaults.auth_timeout_s,
            close_timeout_s=defaults.close_timeout_s,
            queue_size=int(_positive(env, "TABLESIDE_WS_QUEUE_SIZE", defaults.queue_size)),
            poll_s=_positive(env, "TABLESIDE_OUTBOX_POLL_S", defaults.poll_s),
            fanout_page=defaults.fanout_page,
            catchup_page=defaults.catchup_page,
            retention_days=_positive(
                env, "TABLESIDE_OUTBOX_RETENTION_DAYS", defaults.retention_days
            ),
            prune_interval_s=_positive(
                env, "TABLESIDE_OUTBOX_PRUNE_INTERVAL_S", defaults.prune_interval_s
            ),
            listen_backoff_max_s=defaults.listen_backoff_max_s,
        )


def _positive(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be more than 0, not {raw!r}")
    return value
