"""Persistence: SQLAlchemy mappings, migrations and the unit of work (the transaction)."""
