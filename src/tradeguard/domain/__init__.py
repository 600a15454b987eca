"""The pure core: business rules as plain data and functions, no I/O, no clock."""
