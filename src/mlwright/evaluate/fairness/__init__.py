"""Fairness audit: how the model's predictions and errors differ between groups of people.

``audit`` runs it (see its docstring for the steps); ``groups``, ``metrics``, ``judge`` and
``text`` are those steps.
"""

from mlwright.evaluate.fairness.audit import MISSING_GROUP, Thresholds, fairness_audit, resolve_sensitive

__all__ = ["MISSING_GROUP", "Thresholds", "fairness_audit", "resolve_sensitive"]
