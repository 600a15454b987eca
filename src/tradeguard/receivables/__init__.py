"""Receivables: the summary, ageing, KPIs and payment behaviour reports."""
