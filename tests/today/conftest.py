"""The web fixtures (two organisations, a user per role) for the credit manager's page."""

from tests.web.conftest import client, world  # noqa: F401 (fixtures)
