"""Monitoring: buyers watched every day, early-warning alerts, dynamic limits."""
