"""The candidate configurations the portfolio is chosen from, built deterministically.

Every family's shipped defaults (``<family>_d<i>``), random draws from its search space with
Optuna's RandomSampler (``<family>_r<i>``) and a few well-known settings written by hand
(``<family>_h<i>``). ``python tools/portfolio/candidates.py`` prints them.
"""

from __future__ import annotations

import json
import logging

#: Random draws per family (CatBoost is the slow one: see README for the budget).
RANDOM_DRAWS = {"lightgbm": 10, "catboost": 2, "xgboost": 6, "extra_trees": 3, "random_forest": 3,
                "linear": 2, "knn": 2}
#: One sampler seed per family, so that families sharing a space (the two forests) draw differently.
SEEDS = {"lightgbm": 101, "catboost": 102, "xgboost": 103, "extra_trees": 104, "random_forest": 105,
         "linear": 106, "knn": 107}

#: Strong settings a family's defaults lack. CatBoost without learning_rate: the library picks it
#: from the data and the number of iterations (its default depth is 6).
HAND = {
    "catboost": ({"depth": 6},),
    "lightgbm": ({"learning_rate": 0.05, "num_leaves": 64, "feature_fraction": 0.8, "min_data_in_leaf": 20},),
    "xgboost": ({"max_depth": 6, "eta": 0.1, "colsample_bytree": 0.8},),
    # every column at every split: Geurts et al.'s default for regression and scikit-learn's
    "extra_trees": ({"max_features": 1.0, "min_samples_leaf": 1},),
}


def _draws(family, count: int, seed: int, task) -> list[dict]:
    import optuna

    optuna.logging.set_verbosity(logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed), direction="maximize")
    out = []
    for _ in range(count):
        trial = study.ask()
        out.append(_plain(family.space(trial, task)))
        study.tell(trial, 0.0)
    return out


def _plain(params: dict) -> dict:
    """JSON-safe values (numpy and Optuna may hand back numpy scalars); drawn floats rounded to
    4 significant digits, so that the shipped configurations read well and round-trip exactly."""
    clean = {}
    for key, value in params.items():
        if hasattr(value, "item"):
            value = value.item()
        if isinstance(value, float):
            value = float(f"{value:.4g}")
        clean[key] = value
    return clean


def candidates() -> list[dict]:
    """[{"name", "family", "params", "origin"}], in a fixed order."""
    from mlwright._types import Task
    from mlwright.models.registry import FAMILIES

    out = []
    for name, family in FAMILIES.items():
        for i, params in enumerate(family.portfolio):
            out.append({"name": f"{name}_d{i}", "family": name, "params": _plain(dict(params)), "origin": "default"})
        count = RANDOM_DRAWS.get(name, 0)
        if count:
            drawn = _draws(family, count, SEEDS[name], Task.BINARY)
            # the spaces take the task as an argument: the draws must not depend on it, or the
            # configuration would mean different things on different tables
            for task in (Task.MULTICLASS, Task.REGRESSION):
                if _draws(family, count, SEEDS[name], task) != drawn:
                    raise RuntimeError(f"the {name} space depends on the task; draw per task instead")
            for i, params in enumerate(drawn):
                out.append({"name": f"{name}_r{i}", "family": name, "params": params, "origin": "random"})
        for i, params in enumerate(HAND.get(name, ())):
            out.append({"name": f"{name}_h{i}", "family": name, "params": dict(params), "origin": "hand"})
    names = [c["name"] for c in out]
    assert len(names) == len(set(names)), "candidate names must be unique"
    return out


if __name__ == "__main__":
    found = candidates()
    for c in found:
        print(c["name"], json.dumps(c["params"], sort_keys=True))
    print(len(found), "candidates")
