"""Use cases: load from the store, call the domain, save, audit. They never commit."""
