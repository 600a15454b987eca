"""Imports: the file formats, reading and validating files, loading them all or nothing."""
