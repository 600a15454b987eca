"""The web dashboard and REST API (FastAPI), thin over the services."""
