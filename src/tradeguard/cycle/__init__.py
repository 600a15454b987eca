"""The daily protection cycle: every step once per organisation and date."""
