"""The size of an ensemble's member files, and pruning an ensemble to meet a limit.

A long search on a multiclass table can keep several boosters of thousands of trees each (at
300 s on pmlb_satimage, LightGBM members alone came to 23 MB). A model is shipped, copied into
registries and containers, and loaded at every service start, so its size is bounded like its
latency: members are dropped, the one whose loss costs the least out-of-fold score per megabyte
first, until the members' files fit. The last member is never dropped: a booster left alone and
still too big (26 classes: 26 trees a round) keeps its first rounds, as many as fit.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from mlwright.evaluate.latency import cheapest_loss, cut_lone_booster
from mlwright.predictor import TrainedModel


def member_megabytes(model: TrainedModel) -> dict[str, float]:
    """Each member's files as ``save`` writes them, in MB (measured by writing them)."""
    sizes = {}
    with tempfile.TemporaryDirectory(prefix="mlwright-size-") as scratch:
        for member in model.members:
            folder = Path(scratch) / member.name
            folder.mkdir()
            member.learner.save(folder)
            sizes[member.name] = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6
    return sizes


def prune_to_size(model: TrainedModel, limit_mb: float, validation_score: Callable[[dict[str, float]], float],
                  ) -> tuple[float, list[str], dict[str, list[int]]]:
    """Drop members until their files take at most ``limit_mb``, then cut a lone booster's rounds;
    return the members' size, the dropped names and, per cut member, its rounds before and after.

    ``validation_score`` is the out-of-fold score (higher is better) of a blend given as
    name -> weight, as for ``latency.prune_to_latency``.
    """
    sizes = member_megabytes(model)
    dropped: list[str] = []
    total = sum(sizes.values())
    while total > limit_mb and len(model.members) > 1:
        victim = cheapest_loss(model, sizes, validation_score)
        model.without_member(victim)
        dropped.append(victim)
        total -= sizes[victim]
    if total <= limit_mb:
        return total, dropped, {}
    total, cut = cut_lone_booster(model, limit_mb, total, lambda: sum(member_megabytes(model).values()))
    return total, dropped, cut
