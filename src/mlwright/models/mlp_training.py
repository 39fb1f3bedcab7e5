"""Training the tabular network with torch on CPU; the result is a ``Network`` of plain arrays.

Imported only when a network is fitted (torch comes with the ``deep`` extra). The schedule is
fixed in advance, as RealMLP's is (arXiv 2407.04491): AdamW, a short linear warm-up, then a
cosine decay to zero over the planned epochs. The planned epochs shrink when the first epoch
shows that they cannot finish before the fit's deadline; the weights of the epoch that scored
best on the fold's validation rows are the ones kept, so a fit stopped by time keeps its best
epoch so far. When not even ``MIN_EPOCHS`` epochs would fit, the network is narrowed (down to
``MIN_WIDTH`` units a layer) and started again, so that a short trial trains a smaller network
to the end of its schedule rather than a large one for a few epochs. Classes are fitted with
label smoothing, and the best epoch is chosen by the unsmoothed log loss. Same seed and
threads, same weights.
"""

from __future__ import annotations

import copy
import math
import time

import numpy as np
import torch
from torch import nn

from mlwright._types import Task
from mlwright.models.base import FitData
from mlwright.models.mlp_network import CLIP_SCALE, Network

WARMUP_SHARE = 0.05
#: Past this many embedded columns the embeddings would dwarf the MLP: the rest stay plain inputs.
MAX_EMBEDDED = 128
#: Fewer epochs than this in the time left, and the network is narrowed to fit them.
MIN_EPOCHS = 16
MIN_WIDTH = 64
#: The learned per-column scale trains this many times faster than the rest (RealMLP: 6).
SCALE_LR_FACTOR = 6.0


class TabularNet(nn.Module):
    """The torch twin of ``mlp_network.Network``: same layout, same arithmetic (in float32)."""

    def __init__(self, n_inputs: int, embedded: np.ndarray, *, frequencies: int, embed_dim: int, sigma: float,
                 hidden: list[int], n_out: int, dropout: float, learn_scale: bool):
        super().__init__()
        self.n_inputs = n_inputs
        self.feature_scale = nn.Parameter(torch.ones(n_inputs), requires_grad=learn_scale)
        self.register_buffer("embedded", torch.as_tensor(embedded, dtype=torch.long))
        count = len(embedded)
        self.frequencies = nn.Parameter(torch.randn(count, frequencies) * sigma)
        self.phases = nn.Parameter((torch.rand(count, frequencies) * 2.0 - 1.0) * math.pi)
        bound = 1.0 / math.sqrt(frequencies)
        self.embed_weight = nn.Parameter((torch.rand(count, frequencies, embed_dim) * 2.0 - 1.0) * bound)
        self.embed_bias = nn.Parameter((torch.rand(count, embed_dim) * 2.0 - 1.0) * bound)
        widths = [n_inputs + count * embed_dim, *hidden]
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(widths[:-1], widths[1:]))
        self.head = nn.Linear(widths[-1], n_out)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        clipped = x / torch.sqrt(1.0 + (x / CLIP_SCALE) ** 2) * self.feature_scale
        h = clipped
        if len(self.embedded):
            picked = clipped[:, self.embedded]
            angles = 2.0 * math.pi * picked.unsqueeze(-1) * self.frequencies + self.phases
            embedded = torch.relu(torch.einsum("rek,ekd->red", torch.cos(angles), self.embed_weight) + self.embed_bias)
            h = torch.cat([clipped, embedded.flatten(1)], dim=1)
        for layer in self.hidden:
            h = self.dropout(nn.functional.silu(layer(h)))
        return self.head(h)

    def to_network(self, task: Task, n_classes: int, target_mean: float, target_scale: float,
                   info: dict) -> Network:
        def array(t: torch.Tensor) -> np.ndarray:
            return t.detach().cpu().numpy().astype(np.float32)

        layers = [(array(layer.weight).T.copy(), array(layer.bias)) for layer in [*self.hidden, self.head]]
        return Network(task=task, n_classes=n_classes, n_inputs=self.n_inputs,
                       embedded=self.embedded.cpu().numpy().astype(int), frequencies=array(self.frequencies),
                       phases=array(self.phases), embed_weight=array(self.embed_weight),
                       embed_bias=array(self.embed_bias), layers=layers, target_mean=target_mean,
                       target_scale=target_scale, info=info, feature_scale=array(self.feature_scale))


def embedded_columns(X: np.ndarray) -> np.ndarray:
    """Columns worth a periodic embedding: those with more than two distinct values (flags and
    one-hot columns have two), the most varied first when there are too many."""
    distinct = np.array([len(np.unique(X[: min(len(X), 5000), j])) for j in range(X.shape[1])])
    varied = np.flatnonzero(distinct > 2)
    if len(varied) > MAX_EMBEDDED:
        varied = np.sort(varied[np.argsort(-distinct[varied], kind="stable")[:MAX_EMBEDDED]])
    return varied


def train_network(data: FitData, params: dict, task: Task) -> tuple[Network, int]:
    """Fit on ``data``; return the network of the best epoch and that epoch's number (1-based)."""
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(max(int(data.threads), 1))
    try:
        return _train(data, params, task)
    finally:
        torch.set_num_threads(previous_threads)


def _train(data: FitData, params: dict, task: Task) -> tuple[Network, int]:
    trained = _train_at_width(data, params, task, int(params.get("width", 256)), may_narrow=True)
    if isinstance(trained, tuple):
        return trained
    # started once more, narrower; never a third time, so that restarts cannot eat the deadline
    return _train_at_width(data, params, task, trained, may_narrow=False)


def narrower_width(width: int, epochs_that_fit: float) -> int | None:
    """A width whose epochs would fit ``MIN_EPOCHS`` in the time that fits ``epochs_that_fit`` at
    ``width`` (hidden layers cost about the square of the width), or None when ``width`` fits or
    is already the narrowest."""
    if epochs_that_fit >= MIN_EPOCHS or width <= MIN_WIDTH:
        return None
    scaled = width * math.sqrt(max(epochs_that_fit, 1.0) / MIN_EPOCHS)
    return max(MIN_WIDTH, int(scaled) // 16 * 16)


def restart_width(width: int, epoch_seconds: float, left: float, planned: int) -> int | None:
    """After a first epoch of ``epoch_seconds`` with ``left`` seconds to go: the narrower width to
    start again with, or None to go on. Narrower only when fewer than ``MIN_EPOCHS`` (and fewer
    than planned) would fit, and when the time left holds ``MIN_EPOCHS`` of the narrower network,
    whose epochs cost at least a quarter of these (the embeddings do not shrink with the width)."""
    room = left / max(epoch_seconds * 1.15, 1e-6) + 1
    if room >= planned:
        return None
    narrower = narrower_width(width, room)
    if narrower is None or narrower >= width:
        return None
    return narrower if left >= MIN_EPOCHS * epoch_seconds * max((narrower / width) ** 2, 0.25) else None


def _train_at_width(data: FitData, params: dict, task: Task, width: int, *,
                    may_narrow: bool) -> tuple[Network, int] | int:
    """Train at ``width``; or, when the first epoch shows that too few would fit and the time
    left holds ``MIN_EPOCHS`` of a narrower network, return that width to start again with."""
    torch.manual_seed(int(data.seed))
    generator = torch.Generator().manual_seed(int(data.seed))
    X = _finite_float32(data.X)
    regression = task is Task.REGRESSION
    y = np.asarray(data.y, dtype=np.float64)
    target_mean, target_scale = (float(y.mean()), float(y.std()) or 1.0) if regression else (0.0, 1.0)
    n_out = 1 if regression else data.n_classes
    net = TabularNet(X.shape[1], embedded_columns(X), frequencies=int(params.get("frequencies", 16)),
                     embed_dim=int(params.get("embed_dim", 4)), sigma=float(params.get("sigma", 0.1)),
                     hidden=[width] * int(params.get("layers", 3)), n_out=n_out,
                     dropout=float(params.get("dropout", 0.1)), learn_scale=bool(params.get("learn_scale", False)))
    X_t = torch.from_numpy(X)
    y_t = (torch.from_numpy(((y - target_mean) / target_scale).astype(np.float32)) if regression
           else torch.from_numpy(y.astype(np.int64)))
    loss_fn = nn.MSELoss() if regression else _smoothed_cross_entropy(y.astype(int), data.n_classes,
                                                                          float(params.get("label_smoothing", 0.1)))
    valid = _validation(data, regression, target_mean, target_scale)
    batch = int(min(int(params.get("batch_size", 256)), max(32, len(X) // 8)))
    steps_per_epoch = max(1, math.ceil(len(X) / batch))
    planned = int(data.iterations or params.get("epochs", 64))
    lr = float(params.get("lr", 2e-3))
    scale_lr = SCALE_LR_FACTOR if params.get("learn_scale", False) else 1.0
    others = [p for name, p in net.named_parameters() if name != "feature_scale" and p.requires_grad]
    groups = [{"params": others, "factor": 1.0}]
    if net.feature_scale.requires_grad:  # RealMLP trains its scaling layer faster, and without decay
        groups.append({"params": [net.feature_scale], "factor": scale_lr, "weight_decay": 0.0})
    optimizer = torch.optim.AdamW(groups, lr=lr, weight_decay=float(params.get("weight_decay", 1e-4)),
                                  betas=(0.9, float(params.get("beta2", 0.999))), foreach=True)
    patience = _patience(planned, params)
    best_loss, best_epoch, best_state = math.inf, 0, None
    step, epoch_seconds = 0, 0.0
    for epoch in range(1, planned + 1):
        started = time.time()
        if epoch > 1 and started + epoch_seconds > data.deadline:
            break  # the next epoch would end past the deadline: keep the best so far
        net.train()
        order = torch.randperm(len(X), generator=generator)
        for start in range(0, len(X), batch):
            rows = order[start:start + batch]
            for group in optimizer.param_groups:
                group["lr"] = lr * group["factor"] * _schedule(step, planned * steps_per_epoch)
            optimizer.zero_grad(set_to_none=True)
            output = net(X_t[rows])
            loss = loss_fn(output[:, 0], y_t[rows]) if regression else loss_fn(output, y_t[rows])
            loss.backward()
            optimizer.step()
            step += 1
        epoch_seconds = time.time() - started
        if epoch == 1 and data.iterations is None and math.isfinite(data.deadline):
            # re-plan the schedule to what the deadline allows, narrowing the network if too few fit
            left = data.deadline - time.time()
            room = left / max(epoch_seconds * 1.15, 1e-6) + 1
            narrower = restart_width(width, epoch_seconds, left, planned) if may_narrow else None
            if narrower is not None:
                return narrower
            planned = max(1, min(planned, int(room)))
            patience = _patience(planned, params)
        if valid is None:
            best_epoch, best_state = epoch, None
            continue
        loss_now = _valid_loss(net, valid, regression)
        if loss_now < best_loss - 1e-7:
            best_loss, best_epoch, best_state = loss_now, epoch, copy.deepcopy(net.state_dict())
        elif epoch - best_epoch >= patience:
            break
    if best_state is not None:
        net.load_state_dict(best_state)
    net.eval()
    if not regression:
        _silence_unseen_classes(net, y.astype(int), data.n_classes)
    average = ([float(np.mean(y))] if regression
               else (np.bincount(y.astype(int), minlength=data.n_classes) / len(y)).tolist())
    info = {"average_answer": average, "epochs_planned": planned, "best_epoch": best_epoch, "width": width,
            "validation_loss": None if valid is None else round(float(best_loss), 6), "batch_size": batch}
    return net.to_network(task, data.n_classes, target_mean, target_scale, info), max(best_epoch, 1)


def _patience(planned: int, params: dict) -> int:
    """Epochs without progress before a fit stops early: a quarter of the plan, or the whole plan
    (no early stop) with ``early_stopping`` off. Under a cosine schedule the last epochs, at small
    learning rates, often bring the best one."""
    return max(8, planned // 4) if params.get("early_stopping", True) else planned


def _smoothed_cross_entropy(y: np.ndarray, n_classes: int, smoothing: float):
    """Cross-entropy with label smoothing spread over the classes the training rows hold only: a
    class a fold lacks must stay near probability zero, as every other family gives it."""
    seen = torch.zeros(n_classes)
    seen[np.unique(y)] = 1.0
    spread = smoothing * seen / seen.sum()

    def loss(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        wanted = nn.functional.one_hot(target, n_classes).float() * (1.0 - smoothing) + spread
        return -(wanted * nn.functional.log_softmax(output, dim=1)).sum(dim=1).mean()
    return loss


def _silence_unseen_classes(net: TabularNet, y: np.ndarray, n_classes: int) -> None:
    """Give the classes no training row holds a score far below every other (probability about
    1e-22), the network's equivalent of the zero column ``align_proba`` gives other families."""
    unseen = np.setdiff1d(np.arange(n_classes), np.unique(y))
    if len(unseen):
        with torch.no_grad():
            net.head.weight[unseen] = 0.0
            net.head.bias[unseen] = net.head.bias.min() - 50.0


def _finite_float32(X: np.ndarray) -> np.ndarray:
    """The matrix as the network trains on it; no NaN or inf reaches it (the forward pass does the same)."""
    return np.nan_to_num(np.asarray(X, dtype=np.float32), nan=0.0, posinf=0.0, neginf=0.0)


def _schedule(step: int, total: int) -> float:
    """The learning-rate factor: a linear warm-up over the first 5% of steps, then a cosine to zero."""
    total = max(total, 1)
    warmup = max(1, int(WARMUP_SHARE * total))
    if step < warmup:
        return (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(total - warmup, 1))
    return 0.5 * (1.0 + math.cos(math.pi * progress))


def _validation(data: FitData, regression: bool, target_mean: float, target_scale: float):
    if data.X_valid is None or data.iterations is not None or not len(data.X_valid):
        return None
    X = torch.from_numpy(_finite_float32(data.X_valid))
    y = np.asarray(data.y_valid, dtype=np.float64)
    if regression:
        return X, torch.from_numpy(((y - target_mean) / target_scale).astype(np.float32))
    return X, torch.from_numpy(y.astype(np.int64))


def _valid_loss(net: TabularNet, valid, regression: bool) -> float:
    X, y = valid
    net.eval()
    with torch.no_grad():
        output = net(X)
        if regression:
            return float(nn.functional.mse_loss(output[:, 0], y))
        return float(nn.functional.cross_entropy(output, y))
