"""The web fixtures (two organisations, a user per role) for the insurance pages."""

from tests.web.conftest import client, world  # noqa: F401 (fixtures)
