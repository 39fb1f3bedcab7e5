"""How a stored figure reads in a table of runs: the command line's and the comparisons'.

Apart from the store's other helpers because the command line imports it at start-up, before
any data library: it imports nothing.
"""

from __future__ import annotations


def metric_text(value, digits: int = 5) -> str:
    """A metric rounded to ``digits`` decimals, or '-' when there is none."""
    if value is None or (isinstance(value, float) and value != value):
        return "-"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)
