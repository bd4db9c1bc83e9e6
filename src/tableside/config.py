"""Settings, read once from the environment (the names are part of the contract in API.md)."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_EMULATOR_PORT = 12111
# The emulator ignores the key, but the stripe library refuses to send a request without one.
EMULATOR_API_KEY = "sk_test_tableside_emulator"


class ConfigError(ValueError):
    """A setting that cannot work; the message says which and why."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    processor_url: str | None  # None: start the bundled emulator (demo) / use its default address
    stripe_api_key: str
    processor_timeout_s: float
    token_ttl_s: int
    recovery_interval_s: float
    # Threads per server process that run requests' work (docs/benchmarks.md says how these
    # were chosen): payments have their own, so that a slow card processor holding every
    # payment thread never stops a server from seating or ringing. And the database
    # connections each process keeps (None: one per thread, see ``pool_size``).
    request_threads: int = 12
    payment_threads: int = 12
    db_pool_size: int | None = None
    # Threads per server process that check PINs (argon2, a core each while it hashes): a
    # shift change's logins queue for these, never for the request threads.
    pin_threads: int = 1
    # PostgreSQL itself, when ``database_url`` goes through a pooler that lends a server
    # connection for one transaction at a time (PgBouncer's ``pool_mode = transaction``): the
    # live feed's LISTEN connection needs a session of its own, and its being set tells the
    # servers that ``database_url`` keeps no session state (so no prepared statements).
    listen_database_url: str | None = None

    @property
    def pooled_per_transaction(self) -> bool:
        """``database_url`` goes through a transaction-pooling proxy (docs/deployment.md)."""
        return self.listen_database_url is not None

    # Addresses (IPs or CIDR networks) of the reverse proxies in front of the server: only a
    # request from one of these may name its client's address (``X-Forwarded-For``) and
    # scheme (``X-Forwarded-Proto``). None by default: the address a request came from is
    # the one its wrong PINs count against, whatever headers it carries.
    trusted_proxies: tuple[str, ...] = field(default=())

    def uvicorn_options(self) -> dict[str, object]:
        """What uvicorn needs to honour forwarded headers from the trusted proxies only
        (uvicorn's own default trusts them from loopback, so it is always told)."""
        return {
            "proxy_headers": bool(self.trusted_proxies),
            "forwarded_allow_ips": list(self.trusted_proxies),
        }

    @property
    def pool_size(self) -> int:
        """PostgreSQL connections a server process keeps: by default one for each thread
        that may hold one, plus the recovery loop's and a health check's. Fewer, and a busy
        process would open and close connections by the hundred (docs/benchmarks.md)."""
        return self.db_pool_size or self.request_threads + self.payment_threads + 2

    @property
    def uses_emulator(self) -> bool:
        return self.processor_url is None

    @property
    def processor_search_lag_s(self) -> float:
        """How far the processor's search may trail its writes (Stripe: up to a minute)."""
        return 0.0 if self.stripe_api_key == EMULATOR_API_KEY else 300.0

    def effective_processor_url(self) -> str:
        return self.processor_url or f"http://127.0.0.1:{DEFAULT_EMULATOR_PORT}"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        data_dir = Path(env.get("TABLESIDE_DATA_DIR") or Path.cwd() / "tableside-data")
        database_url = env.get("TABLESIDE_DATABASE_URL") or f"sqlite:///{data_dir / 'tableside.db'}"
        timeout = _float(env, "TABLESIDE_PROCESSOR_TIMEOUT_S", 10.0)
        if not 0 < timeout <= 30:
            raise ConfigError("TABLESIDE_PROCESSOR_TIMEOUT_S must be more than 0 and at most 30")
        return cls(
            data_dir=data_dir,
            database_url=database_url,
            processor_url=env.get("TABLESIDE_PROCESSOR_URL") or None,
            stripe_api_key=env.get("TABLESIDE_STRIPE_API_KEY") or EMULATOR_API_KEY,
            processor_timeout_s=timeout,
            token_ttl_s=int(_float(env, "TABLESIDE_TOKEN_TTL_S", 12 * 3600)),
            recovery_interval_s=_float(env, "TABLESIDE_RECOVERY_INTERVAL_S", 2.0),
            request_threads=_count(env, "TABLESIDE_REQUEST_THREADS", 12),
            payment_threads=_count(env, "TABLESIDE_PAYMENT_THREADS", 12),
            db_pool_size=_count(env, "TABLESIDE_DB_POOL_SIZE", 0) or None,
            pin_threads=_count(env, "TABLESIDE_PIN_THREADS", 1),
            listen_database_url=_listen_url(env, database_url),
            trusted_proxies=_networks(env, "TABLESIDE_TRUSTED_PROXIES"),
        )


def _listen_url(env: dict[str, str], database_url: str) -> str | None:
    raw = env.get("TABLESIDE_LISTEN_DATABASE_URL") or None
    if raw is not None and not raw.startswith("postgresql"):
        raise ConfigError(
            "TABLESIDE_LISTEN_DATABASE_URL names PostgreSQL itself (for a TABLESIDE_DATABASE_URL "
            f"that goes through PgBouncer): a postgresql+psycopg:// URL, not {raw!r}"
        )
    # SQLite has no LISTEN and no pooler: the setting means nothing there.
    return raw if database_url.startswith("postgresql") else None


def _float(env: dict[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, not {raw!r}") from None


def _count(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= 1000:
        raise ConfigError(f"{name} must be a whole number from 1 to 1000, not {raw!r}")
    return int(raw)


def _networks(env: dict[str, str], name: str) -> tuple[str, ...]:
    """Comma-separated IP addresses or CIDR networks (``10.0.0.5, 10.1.0.0/16``)."""
    found = []
    for raw in (env.get(name) or "").split(","):
        item = raw.strip()
        if not item:
            continue
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ConfigError(
                f"{name} must list IP addresses or networks (10.0.0.5, 10.1.0.0/16), not {item!r}"
            ) from None
        found.append(item)
    return tuple(found)
