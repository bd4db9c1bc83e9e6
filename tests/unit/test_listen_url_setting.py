"""TABLESIDE_LISTEN_DATABASE_URL: PostgreSQL itself, for a pool that goes through PgBouncer
in transaction mode (docs/deployment.md)."""

from __future__ import annotations

import pytest

from tableside.config import ConfigError, Settings

POOLED = "postgresql+psycopg://tableside@pgbouncer:6432/tableside"
DIRECT = "postgresql+psycopg://tableside@db:5432/tableside"


def test_an_installation_through_pgbouncer_listens_directly_and_keeps_no_session_state() -> None:
    settings = Settings.from_env(
        {"TABLESIDE_DATABASE_URL": POOLED, "TABLESIDE_LISTEN_DATABASE_URL": DIRECT}
    )
    assert settings.listen_database_url == DIRECT
    assert settings.pooled_per_transaction


def test_without_it_the_pool_is_postgresql_s_own_and_listens_there() -> None:
    settings = Settings.from_env({"TABLESIDE_DATABASE_URL": DIRECT})
    assert settings.listen_database_url is None
    assert not settings.pooled_per_transaction


def test_a_listen_url_that_is_not_postgresql_is_refused_with_the_setting_named() -> None:
    with pytest.raises(ConfigError, match="TABLESIDE_LISTEN_DATABASE_URL"):
        Settings.from_env(
            {"TABLESIDE_DATABASE_URL": POOLED, "TABLESIDE_LISTEN_DATABASE_URL": "sqlite:///x.db"}
        )


def test_on_sqlite_there_is_nothing_to_listen_to() -> None:
    settings = Settings.from_env(
        {"TABLESIDE_DATABASE_URL": "sqlite:///x.db", "TABLESIDE_LISTEN_DATABASE_URL": DIRECT}
    )
    assert not settings.pooled_per_transaction
