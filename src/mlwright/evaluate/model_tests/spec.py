"""Test suites: read from a YAML or Python spec file, or the default one.

The YAML format is a list of tests under ``tests:``, each a mapping with one test kind (and
an optional ``name``); see the package docstring for every kind and field. Every field is
checked here, when the file is loaded, so a typo is reported before any model is scored.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import yaml

from mlwright.errors import ConfigError
from mlwright.evaluate.model_tests.context import TestContext
from mlwright.evaluate.model_tests.fields import Body
from mlwright.evaluate.model_tests.metric_checks import BeatsBaseline, MetricBound
from mlwright.evaluate.model_tests.perturbation_checks import Directional, Invariance
from mlwright.evaluate.model_tests.python_checks import load_python_checks
from mlwright.evaluate.model_tests.unscorable import RefusesUnscorable

if TYPE_CHECKING:
    from mlwright.predictor import TrainedModel


class ModelTest(Protocol):
    """What the runner needs of a test; each kind is a frozen dataclass with these members."""

    kind: str
    name: str
    where: str  #: the spec file and field, for errors
    needs_predictions: bool  #: the runner scores DATA once before such tests, so bad DATA fails at the door

    def validate(self, ctx: TestContext) -> None:
        """Check the spec against the model and DATA (columns, classes, metrics); raise ConfigError."""

    def run(self, ctx: TestContext) -> tuple[bool, str]:
        """Whether the test passed, and what was measured against what was expected."""


#: Test kinds of the YAML format, by the key that introduces them.
KINDS: dict[str, Any] = {
    "minimum": MetricBound,
    "maximum": MetricBound,
    "beats_baseline": BeatsBaseline,
    "invariance": Invariance,
    "directional": Directional,
    "refuses_unscorable": RefusesUnscorable,
}
_YAML_SUFFIXES = (".yml", ".yaml")


@dataclass(frozen=True)
class TestSuite:
    """The tests to run, in order, and where they were read from."""

    __test__ = False

    tests: tuple[ModelTest, ...]
    source: str = "default suite"

    def __len__(self) -> int:
        return len(self.tests)


def default_test_suite(model: "TrainedModel | None" = None) -> TestSuite:
    """What every model must pass: refuse data it cannot score, and beat the trivial baseline on
    its own metric. Nothing about particular columns: which ones must not matter (sensitive ones)
    or must push one way is knowledge of the domain, so it belongs in a spec the user writes.
    ``model`` is accepted so that future defaults can depend on it; none does today."""
    return TestSuite((RefusesUnscorable("refuses_unscorable", "refuses data it cannot score", "default suite"),
                      BeatsBaseline("beats_baseline", "beats the trivial baseline", "default suite")))


def load_test_suite(path: str | os.PathLike[str]) -> TestSuite:
    """Read a spec file: ``.yml``/``.yaml`` (declared tests) or ``.py`` (check functions)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError("there is no such spec file.", where=str(path),
                          fix="pass the path of a .yml, .yaml or .py file.")
    suffix = path.suffix.lower()
    if suffix == ".py":
        return TestSuite(load_python_checks(path), str(path))
    if suffix not in _YAML_SUFFIXES:
        raise ConfigError(f"cannot tell the spec format from {suffix or 'no suffix'!r}.", where=str(path),
                          fix="name the file .yml or .yaml (declared tests) or .py (check functions).")
    items, lines = _read_yaml(path)
    tests = (_parse_test(item, f"{path}:{line} tests[{i}]")
             for i, (item, line) in enumerate(zip(items, lines, strict=True)))
    return TestSuite(tuple(tests), str(path))


def _read_yaml(path: Path) -> tuple[list, list[int]]:
    """The items under ``tests:`` and the line each starts on."""
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"not valid YAML: {problem}.", where=where, fix="correct the syntax at that line.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the file: {exc}.", where=str(path),
                          fix="pass a readable UTF-8 text file.") from None
    if not isinstance(data, dict) or not isinstance(data.get("tests"), list) or not data["tests"]:
        raise ConfigError("expected a non-empty list under `tests:`.", where=f"{path} tests",
                          fix="start the file with `tests:` and one `- kind: {...}` line per test.")
    unknown = [str(k) for k in data if k != "tests"]
    if unknown:
        raise ConfigError(f"unknown top-level field {unknown[0]!r}.", where=f"{path} {unknown[0]}",
                          fix="put every test under `tests:`.")
    node = next(value for key, value in root.value if key.value == "tests")
    return data["tests"], [item.start_mark.line + 1 for item in node.value]


def _parse_test(item: Any, where: str) -> ModelTest:
    if not isinstance(item, dict):
        raise ConfigError(f"expected a test like `- minimum: {{...}}`, got {item!r}.", where=where,
                          fix=f"start each test with one of: {', '.join(KINDS)}.")
    name = item.get("name")
    if name is not None and not isinstance(name, str):
        raise ConfigError(f"expected a text, got {name!r}.", where=f"{where}.name", fix="quote the name.")
    kinds = [str(k) for k in item if k != "name"]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise ConfigError(f"unknown test kind {unknown[0]!r}.", where=f"{where}.{unknown[0]}",
                          fix=f"use one of: {', '.join(KINDS)}.")
    if len(kinds) != 1:
        raise ConfigError(f"expected one test kind, got {', '.join(kinds) or 'none'}.", where=where,
                          fix="write one test per `-` item.")
    kind = kinds[0]
    return KINDS[kind].from_spec(kind, Body(item[kind], f"{where}.{kind}"), name)
