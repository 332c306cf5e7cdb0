"""HTTP API: FastAPI routers, authentication and error answers."""
