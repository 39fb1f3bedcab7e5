"""Serving models: batch scoring of files (and, later, the HTTP service)."""
