"""Receivables analytics: open items, ageing, DSO/CEI KPIs, payment behaviour."""
