"""Greedy ensemble selection over out-of-fold predictions."""
