"""A deterministic, realistic demo seller, written as ordinary import files.

The demo company goes through the same import path as a user's own files, so what the
demo shows is what a real ledger would show.
"""
