"""Audit: the log of every change to the ledger, limits, users and settings."""
