"""Shared machinery: the database, the unit of work (the transaction), batched reads and
deferred writes, the ORM models and migrations, the base repository, errors and their HTTP
mapping, access (roles and who is asking), money, idempotency keys. It imports no capability.
"""
