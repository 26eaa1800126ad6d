"""The HTTP API (FastAPI): routers parse, call one use case, return a schema."""
