"""Roles, permissions and the login back-off."""
