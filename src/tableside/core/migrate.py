"""Schema migrations (Alembic), run by `tableside migrate` and at start-up of `tableside demo`."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision``. Safe to run again and from several processes."""
    config = alembic_config()
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        driver = connection.connection.driver_connection
        assert driver is not None
        if sqlite:
            # SQLite changes a table's constraints by rebuilding it (alembic's batch mode):
            # the old table is dropped while other tables' rows still name its rows. As
            # SQLite's own ALTER TABLE procedure says, foreign keys are off meanwhile (a
            # pragma outside any transaction) and every one is checked before the commit.
            driver.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                if not sqlite:
                    # Two processes starting at once must not both create the schema.
                    connection.exec_driver_sql("SELECT pg_advisory_xact_lock(727274)")
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"the migration broke foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                driver.execute("PRAGMA foreign_keys=ON")
