"""The monitoring rules: alert conditions, severities, thresholds, dynamic limits."""
