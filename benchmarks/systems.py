"""The systems the harness can run, as data: which runner script, which environment, which options.

Adding a system (or a preset of one) is one entry here and, for a new library, one runner in
``runners/``; ``run.py`` has no per-system branches.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from manifest import REPO_ROOT

BENCH_DIR = REPO_ROOT / "benchmarks"
RUNNERS_DIR = BENCH_DIR / "runners"
ENVS_DIR = BENCH_DIR / ".envs"


@dataclass(frozen=True)
class System:
    """One benchmarked configuration."""

    name: str
    runner: str  # script in runners/
    env: str  # which interpreter runs it: "mlwright" or a peer environment under .envs/
    options: dict = field(default_factory=dict)  # passed to the runner in spec.json


SYSTEMS = {s.name: s for s in (
    System("mlwright", "run_mlwright.py", "mlwright"),
    System("flaml", "run_flaml.py", "flaml"),
    System("autogluon", "run_autogluon.py", "autogluon", {"presets": "medium_quality"}),
    # Not in the default set: it bags and stacks, so on small budgets it mostly measures overhead.
    System("autogluon_best", "run_autogluon.py", "autogluon", {"presets": "best_quality"}),
)}
DEFAULT_SYSTEMS = ("mlwright", "flaml", "autogluon")


def default_pythons() -> dict[str, Path]:
    """Interpreter per environment: mlwright runs under the harness's own python by default,
    each peer under the virtual environment that ``setup_peers.sh`` made for it."""
    return {
        "mlwright": Path(sys.executable),
        "flaml": ENVS_DIR / "flaml" / "bin" / "python",
        "autogluon": ENVS_DIR / "autogluon" / "bin" / "python",
    }


def parse_systems(text: str) -> list[System]:
    """Turn 'a,b' into systems, refusing unknown names with the list of known ones."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in SYSTEMS]
    if unknown:
        raise SystemExit(f"unknown system(s) {unknown}; known: {sorted(SYSTEMS)}")
    return [SYSTEMS[n] for n in names]
