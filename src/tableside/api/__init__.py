"""HTTP: FastAPI routers, request schemas, authentication, one error mapping."""
