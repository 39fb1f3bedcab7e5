"""Margin-space attributions carried into probability space, staying additive.

Boosted trees and logistic models explain log-odds (or softmax margins); people read
probabilities, and the ensemble blends probabilities. Each feature's share of the margin
change is carried along the straight path from the base margin to the row's margin
(integrated gradients over the link): every feature is credited with the probability change
its margin share causes along that path, so the credits add up to p(row) - p(base) exactly,
and a feature keeps the sign of its margin contribution (for two classes).

For the logistic link this has a closed form: each margin contribution is scaled by the
secant slope (p - p_base) / (m - m_base) of the row. For softmax the path integral is taken
with Gauss-Legendre quadrature; what quadrature misses (well under 1e-6 on ordinary margins)
is spread over the features in proportion to their credit.
"""

from __future__ import annotations

import numpy as np

from mlwright.evaluate.explain.members import IDENTITY, SIGMOID, SOFTMAX, MemberAttribution

_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(16)
_NODES, _WEIGHTS = (_NODES + 1.0) / 2.0, _WEIGHTS / 2.0  # from [-1, 1] to [0, 1]


def to_output_space(attribution: MemberAttribution, n_outputs: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (credits rows x slots x n_outputs, base rows x n_outputs) in the ensemble's output
    space: class probabilities over every class (unseen classes get nothing), or values."""
    phi, base, link = attribution.phi, attribution.base, attribution.link
    if link == SIGMOID:
        phi, base = _sigmoid(phi[:, :, 0], base[:, 0])
    elif link == SOFTMAX:
        phi, base = _softmax(phi, base)
    elif link != IDENTITY:
        raise ValueError(f"unknown link {link!r}")
    if attribution.seen is None or phi.shape[2] == n_outputs and np.array_equal(attribution.seen,
                                                                                 np.arange(n_outputs)):
        return phi, base
    full_phi = np.zeros(phi.shape[:2] + (n_outputs,))
    full_base = np.zeros((len(base), n_outputs))
    full_phi[:, :, attribution.seen] = phi
    full_base[:, attribution.seen] = base
    return full_phi, full_base


def _sigmoid(phi: np.ndarray, base_margin: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    change = phi.sum(axis=1)
    p_base, p_row = _logistic(base_margin), _logistic(base_margin + change)
    tiny = np.abs(change) < 1e-12
    slope = np.where(tiny, p_base * (1.0 - p_base), (p_row - p_base) / np.where(tiny, 1.0, change))
    positive = phi * slope[:, None]
    return np.stack([-positive, positive], axis=2), np.column_stack([1.0 - p_base, p_base])


def _softmax(phi: np.ndarray, base_margin: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """d p_c / d m = p_c (e_c - p): integrated along m(t) = base + t * change."""
    change = phi.sum(axis=1)
    credits = np.zeros_like(phi)
    for t, weight in zip(_NODES, _WEIGHTS):
        p = _softmax_rows(base_margin + t * change)
        expected = np.einsum("nfk,nk->nf", phi, p)
        credits += weight * p[:, None, :] * (phi - expected[:, :, None])
    p_base, p_row = _softmax_rows(base_margin), _softmax_rows(base_margin + change)
    missed = (p_row - p_base) - credits.sum(axis=1)
    size = np.abs(credits)
    total = size.sum(axis=1, keepdims=True)
    share = np.where(total > 0, size / np.where(total > 0, total, 1.0), 1.0 / phi.shape[1])
    return credits + share * missed[:, None, :], p_base


def _logistic(margin: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * margin))


def _softmax_rows(margin: np.ndarray) -> np.ndarray:
    shifted = np.exp(margin - margin.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)
