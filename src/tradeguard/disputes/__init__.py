"""Disputes: an invoice the buyer contests, opened and resolved (valid or justified)."""
