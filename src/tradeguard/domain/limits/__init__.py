"""Limit sizing and the shipping status a buyer's limit and stops give."""
