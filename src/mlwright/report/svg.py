"""Tiny inline SVG charts: the page opens from disk, with no script and no network.

Only numbers go into these strings, never data values, so they are safe to mark as HTML.
"""

from __future__ import annotations

from collections.abc import Sequence


def histogram(counts: Sequence[int], *, width: int = 120, height: int = 28) -> str:
    """Bars of ``counts`` scaled to the tallest one.

    >>> histogram([1, 0, 2]).count("<rect")  # empty bins draw nothing
    2
    """
    if not counts:
        return ""
    tallest = max(max(counts), 1)
    step = width / len(counts)
    bars = "".join(
        f'<rect x="{i * step:.1f}" y="{height - height * c / tallest:.1f}" width="{max(step - 1, 0.5):.1f}" '
        f'height="{height * c / tallest:.1f}"/>' for i, c in enumerate(counts) if c)
    return (f'<svg class="hist" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'role="img" aria-label="histogram">{bars}</svg>')
