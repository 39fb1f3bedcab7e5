"""Explanations: why the model predicts what it does, for the whole model and for each row.

``importance`` (permutation importance on held-out rows) and ``contributions`` (additive
per-row, per-column shares and the SHAP importance built from them) rank the input columns;
``rows`` turns the contributions into one tidy table per row; ``dependence`` traces the
model's average output along one column. ``members``, ``links`` and ``forest_paths``
attribute one ensemble member and carry its shares into probability space; ``_checks``
holds the argument checks they share.
"""

from mlwright.evaluate.explain.contributions import contributions, shap_importance
from mlwright.evaluate.explain.dependence import partial_dependence
from mlwright.evaluate.explain.importance import permutation_importance
from mlwright.evaluate.explain.rows import explain_frame, explain_rows

__all__ = ["contributions", "explain_frame", "explain_rows", "partial_dependence",
           "permutation_importance", "shap_importance"]
