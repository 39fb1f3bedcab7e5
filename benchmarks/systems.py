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
    env_vars: dict = field(default_factory=dict)  # set in the runner's environment (ablation switches)


SYSTEMS = {s.name: s for s in (
    System("mlwright", "run_mlwright.py", "mlwright"),
    # The same mlwright with no latency target: the ensemble is not pruned for one-row latency.
    System("mlwright_inf", "run_mlwright.py", "mlwright", {"max_latency_ms": "inf"}),
    System("flaml", "run_flaml.py", "flaml"),
    System("autogluon", "run_autogluon.py", "autogluon", {"presets": "medium_quality"}),
    # Not in the default set: it bags and stacks, so on small budgets it mostly measures overhead.
    System("autogluon_best", "run_autogluon.py", "autogluon", {"presets": "best_quality"}),
)}
DEFAULT_SYSTEMS = ("mlwright", "flaml", "autogluon")
# Named sets that --systems expands: "goal" is the comparison of the benchmark goal (both mlwright
# rows against FLAML and both AutoGluon presets).
SYSTEM_SETS = {"default": DEFAULT_SYSTEMS,
               "goal": ("mlwright", "mlwright_inf", "flaml", "autogluon", "autogluon_best")}

# Ablation: ``mlwright-no-LEVER`` is mlwright with MLWRIGHT_ABLATE=LEVER in its environment, which
# the library reads to turn that lever off. The lever names are the library's, passed through as
# given ('a+b' turns both off in one system); an unknown one fails that run, with mlwright's error.
ABLATION_PREFIX = "mlwright-no-"
ABLATION_BASE = "mlwright"


def _lever_system(prefix: str, variable: str, lever: str) -> System:
    base = SYSTEMS[ABLATION_BASE]
    levers = ",".join(part.strip() for part in lever.split("+") if part.strip())
    if not levers:
        raise SystemExit(f"empty lever name in {lever!r}")
    return System(prefix + lever, base.runner, base.env, dict(base.options), {**base.env_vars, variable: levers})


def ablation_system(lever: str) -> System:
    return _lever_system(ABLATION_PREFIX, "MLWRIGHT_ABLATE", lever)


# The other way round: ``mlwright-with-LEVER`` turns on a lever that is off by default
# (MLWRIGHT_TRY), to measure it before it becomes a default.
TRY_PREFIX = "mlwright-with-"


def trial_system(lever: str) -> System:
    return _lever_system(TRY_PREFIX, "MLWRIGHT_TRY", lever)


# One family alone: ``mlwright-only-FAMILY`` is mlwright with ``--families FAMILY`` (the same
# splits, search and validation, one family), to compare families head to head.
ONLY_PREFIX = "mlwright-only-"


def family_system(family: str) -> System:
    base = SYSTEMS[ABLATION_BASE]
    if not family.strip() or "," in family:
        raise SystemExit(f"name one family after {ONLY_PREFIX}, not {family!r}")
    return System(ONLY_PREFIX + family, base.runner, base.env, {**base.options, "families": family.strip()},
                  dict(base.env_vars))


def only_family(name: str) -> str | None:
    return name[len(ONLY_PREFIX):] if name.startswith(ONLY_PREFIX) else None


def tried_lever(name: str) -> str | None:
    return name[len(TRY_PREFIX):] if name.startswith(TRY_PREFIX) else None


def ablated_lever(name: str) -> str | None:
    """The lever an ablation system turns off, or None for any other system."""
    return name[len(ABLATION_PREFIX):] if name.startswith(ABLATION_PREFIX) else None


def get_system(name: str) -> System:
    if name in SYSTEMS:
        return SYSTEMS[name]
    if ablated_lever(name):
        return ablation_system(ablated_lever(name))
    if tried_lever(name):
        return trial_system(tried_lever(name))
    if only_family(name):
        return family_system(only_family(name))
    raise SystemExit(f"unknown system {name!r}; known: {sorted(SYSTEMS)}, or {ABLATION_PREFIX}LEVER")


def default_pythons() -> dict[str, Path]:
    """Interpreter per environment: mlwright runs under the harness's own python by default,
    each peer under the virtual environment that ``setup_peers.sh`` made for it."""
    return {
        "mlwright": Path(sys.executable),
        "flaml": ENVS_DIR / "flaml" / "bin" / "python",
        "autogluon": ENVS_DIR / "autogluon" / "bin" / "python",
    }


def parse_systems(text: str) -> list[System]:
    """Turn 'a,b' into systems (a name of SYSTEM_SETS stands for its systems), refusing unknown
    names with the list of known ones."""
    names = [m for n in text.split(",") if n.strip() for m in SYSTEM_SETS.get(n.strip(), (n.strip(),))]
    unknown = [n for n in names
               if n not in SYSTEMS and not ablated_lever(n) and not tried_lever(n) and not only_family(n)]
    if unknown:
        raise SystemExit(f"unknown system(s) {unknown}; known: {sorted(SYSTEMS)}, {ABLATION_PREFIX}LEVER, "
                         f"{TRY_PREFIX}LEVER or {ONLY_PREFIX}FAMILY")
    return [get_system(n) for n in dict.fromkeys(names)]
