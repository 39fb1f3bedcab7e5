"""Model tests written in Python: every ``check_*`` or ``test_*`` function of a ``.py`` file.

Each function takes ``(model, data)``, the loaded model and the DATA table (target included).
It passes by returning ``True`` or ``None``; it fails by returning ``False`` or a message,
or by raising ``AssertionError`` (its message becomes the detail). Any other exception is a
failure with that exception as the detail, never a crash of the run.

The file is imported, so it runs with the user's rights: load only spec files you trust,
as you would a test file.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, ClassVar

import numpy as np

from mlwright.errors import ConfigError
from mlwright.evaluate.model_tests.context import TestContext

PREFIXES = ("check_", "test_")


@dataclass(frozen=True)
class PythonCheck:
    """One check function of a Python spec file."""

    kind: str
    name: str
    where: str
    function: Callable[[Any, Any], Any]
    needs_predictions: ClassVar[bool] = False

    def validate(self, ctx: TestContext) -> None:
        """Nothing to check: the function itself decides what it needs."""

    def run(self, ctx: TestContext) -> tuple[bool, str]:
        try:
            outcome = self.function(ctx.model, ctx.data.copy())
        except AssertionError as exc:
            return False, str(exc).strip() or "assertion failed"
        except Exception as exc:  # a bug in the check is its failure, not the end of the run
            return False, f"raised {type(exc).__name__}: {exc}"
        if isinstance(outcome, np.bool_):
            outcome = bool(outcome)
        if outcome is None or outcome is True:
            return True, "passed"
        if outcome is False:
            return False, "returned False"
        if isinstance(outcome, str):
            return False, outcome
        return False, f"returned {outcome!r}; return True or None to pass, False or a message to fail"


def load_python_checks(path: Path) -> tuple[PythonCheck, ...]:
    """Import ``path`` and collect its check functions in the order they are written."""
    module = _import(path)
    functions = [value for name, value in vars(module).items()
                 if name.startswith(PREFIXES) and inspect.isfunction(value) and value.__module__ == module.__name__]
    if not functions:
        raise ConfigError("the file defines no check functions.", where=str(path),
                          fix="define functions named check_<what>(model, data) (or test_<what>).")
    checks = []
    for function in functions:
        where = f"{path}:{function.__code__.co_firstlineno} {function.__name__}"
        try:
            inspect.signature(function).bind(None, None)
        except TypeError:
            raise ConfigError("a check must take two arguments, (model, data).", where=where,
                              fix=f"write `def {function.__name__}(model, data):`.") from None
        checks.append(PythonCheck("python", function.__name__, where, function))
    return tuple(checks)


def _import(path: Path):
    # a name unique to the file, so that two spec files never replace each other's module
    name = "mlwright_model_checks_" + hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:12]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ConfigError("cannot import the file.", where=str(path), fix="pass a Python source file (.py).")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        raise ConfigError(f"the file is not valid Python: {exc.msg}.", where=f"{path}:{exc.lineno}",
                          fix="correct the syntax at that line.") from None
    except Exception as exc:
        raise ConfigError(f"importing the file failed: {type(exc).__name__}: {exc}", where=str(path),
                          fix="make the file importable on its own (python FILE should run).") from None
    return module
