"""Metrics and scoring of predictions."""
