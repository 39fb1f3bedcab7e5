"""The command line: one module per command, all calling the public API."""
