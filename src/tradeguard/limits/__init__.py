"""Credit limits: requests, decisions, limits in force and stop-shipments."""
