"""Know the data before the model: column statistics, quality, leakage and privacy findings.

>>> from mlwright.profile import Finding, leaked_columns
>>> leaked_columns([Finding("target_leak", "critical", "alive", "AUC 1.00 alone", "dropped")])
['alive']
"""

from mlwright.profile.columns import ColumnProfile
from mlwright.profile.findings import Finding, leaked_columns, pii_columns
from mlwright.profile.leakage import find_leaks, single_feature_scores
from mlwright.profile.privacy import find_pii
from mlwright.profile.profiler import Profile, profile_table

__all__ = ["ColumnProfile", "Finding", "Profile", "find_leaks", "find_pii", "leaked_columns", "pii_columns",
           "profile_table", "single_feature_scores"]
