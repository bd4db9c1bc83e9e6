"""The restaurant's rules in pure Python: no I/O, no framework, no database."""
