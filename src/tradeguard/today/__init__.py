"""The credit manager's day: one page of what to do today (alerts, decisions, holds)."""
