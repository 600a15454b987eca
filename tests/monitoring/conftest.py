"""The web fixtures (two organisations, a token per role) for the monitoring tests."""

from tests.web.conftest import client, world  # noqa: F401 (fixtures)
