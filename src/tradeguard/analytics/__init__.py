"""Vectorised computations over the whole ledger (Polars columns, never a loop per invoice)."""
