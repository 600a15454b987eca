"""The portfolio views that join the ledger, credit and limits."""
