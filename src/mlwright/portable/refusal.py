"""The one error an export raises when part of a model has no faithful ONNX form."""

from __future__ import annotations

from mlwright.errors import ConfigError


class CannotConvert(ConfigError):
    """A member or an input column that cannot be written as ONNX: ``where`` names it, ``problem``
    says why, ``fix`` how to get a model that converts."""

    @classmethod
    def member(cls, name: str, family: str, reason: str) -> "CannotConvert":
        return cls(reason, where=f"member {name!r} ({family})",
                   fix=f"retrain with --families leaving out {family}, or export with --format mlflow.")

    @classmethod
    def column(cls, name: str, kind: str, reason: str) -> "CannotConvert":
        return cls(reason, where=f"column {name!r} ({kind})",
                   fix=f"retrain without column {name!r}, or export with --format mlflow.")

    @classmethod
    def combined(cls, refusals: list["CannotConvert"]) -> "CannotConvert":
        """Every refusal of one export at once, so one retraining fixes them all."""
        if len(refusals) == 1:
            return refusals[0]
        problem = "; ".join(f"{r.where}: {r.problem}" for r in refusals)
        fixes = " ".join(dict.fromkeys(r.fix for r in refusals if r.fix))
        return cls(f"{len(refusals)} parts of the model have no ONNX form: {problem}", where="onnx export",
                   fix=fixes)
