"""Shared plumbing: database, bulk I/O, pagination, forms, rendering, problem details."""
