"""Features fitted inside the validation folds: one encoder per model style."""

from mlwright.features.encoder import TableEncoder

__all__ = ["TableEncoder"]
