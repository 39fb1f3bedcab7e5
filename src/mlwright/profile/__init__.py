"""Know the data before the model: column statistics, quality, leakage and privacy findings.

>>> from mlwright.profile import Finding, leaked_columns
>>> leaked_columns([Finding("target_leak", "critical", "alive", "AUC 1.00 alone", "dropped")])
['alive']

The names are imported on first use: scoring a file needs the personal-data patterns of
``mlwright.profile.privacy``, not the leak check's scikit-learn models.
"""

from mlwright._lazy import lazy_names

#: Public names and the modules that define them.
_PUBLIC = {
    "ColumnProfile": "mlwright.profile.columns",
    "Finding": "mlwright.profile.findings", "leaked_columns": "mlwright.profile.findings",
    "pii_columns": "mlwright.profile.findings",
    "find_leaks": "mlwright.profile.leakage", "single_feature_scores": "mlwright.profile.leakage",
    "find_pii": "mlwright.profile.privacy",
    "Profile": "mlwright.profile.profiler", "profile_table": "mlwright.profile.profiler",
}

__all__ = sorted(_PUBLIC)


__getattr__, __dir__ = lazy_names(__name__, _PUBLIC)
