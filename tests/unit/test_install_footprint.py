"""The base install stays light: nothing it requires, directly or through another package, is a
CUDA library or PyTorch (several GB between them, and mlwright trains on the CPU)."""

from __future__ import annotations

from importlib import metadata

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

HEAVY = ("nvidia-", "torch", "cuda-", "cupy")


def _closure(root: str) -> dict[str, str]:
    """Every installed distribution the base install of ``root`` requires, with who requires it."""
    environment = {**default_environment(), "extra": ""}
    seen, todo = {canonicalize_name(root): "-"}, [root]
    while todo:
        name = todo.pop()
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue  # required here but not installed: its own requirements are unknown
        for text in requires:
            requirement = Requirement(text)
            if requirement.marker is not None and not requirement.marker.evaluate(environment):
                continue  # an extra, or another platform
            key = canonicalize_name(requirement.name)
            if key not in seen:
                seen[key] = name
                todo.append(requirement.name)
    return seen


def test_the_base_install_requires_no_cuda_library_or_torch():
    required = _closure("mlwright")
    assert "lightgbm" in required and ("xgboost-cpu" in required or "xgboost" in required)
    heavy = {name: by for name, by in required.items() if name.startswith(HEAVY)}
    assert heavy == {}, f"pulled in by: {heavy}"
