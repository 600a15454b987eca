"""The ``tradeguard`` command line: thin commands over the services."""
