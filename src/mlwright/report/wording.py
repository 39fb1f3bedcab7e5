"""Numbers as people read them: a few significant digits, shares "in 10", lists in words.

Every function accepts None (a fact the run did not record) and says so instead of printing "None".
"""

from __future__ import annotations

import math
from collections.abc import Sequence

MISSING = "not recorded"


def _finite(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def number(value: object) -> str:
    """Three significant digits without exponents, thousands separated.

    >>> number(0.91234), number(12.345), number(48842.0), number(None)
    ('0.912', '12.3', '48,842', 'not recorded')
    """
    x = _finite(value)
    if x is None:
        return MISSING
    size = abs(x)
    if size >= 100:
        return f"{x:,.0f}"
    if size >= 10:
        return f"{x:.1f}"
    if size >= 1:
        return f"{x:.2f}"
    return "0" if x == 0 else f"{x:.3g}"


def score(value: object) -> str:
    """A metric value: three decimals for scores near 0..1, else :func:`number`.

    >>> score(0.9), score(-0.05), score(2.913), score(1234.5)
    ('0.900', '-0.050', '2.913', '1,234')
    """
    x = _finite(value)
    return f"{x:.3f}" if x is not None and abs(x) < 10 else number(value)


def count(value: object) -> str:
    """A count of rows, thousands separated.

    >>> count(9769)
    '9,769'
    """
    x = _finite(value)
    return MISSING if x is None else f"{x:,.0f}"


def percent(value: object, digits: int = 0) -> str:
    """A share in 0..1 as a percentage.

    >>> percent(0.724), percent(0.0512, 1)
    ('72%', '5.1%')
    """
    x = _finite(value)
    return MISSING if x is None else f"{100 * x:.{digits}f}%"


def seconds(value: object) -> str:
    """A duration as people say it.

    >>> seconds(58.24), seconds(0.4), seconds(3725)
    ('58 s', '0.4 s', '1 h 2 min')
    """
    x = _finite(value)
    if x is None:
        return MISSING
    if x >= 3600:
        return f"{int(x // 3600)} h {int(x % 3600 // 60)} min"
    if x >= 120:
        return f"{x / 60:.0f} min"
    return f"{x:.0f} s" if x >= 10 else f"{x:.1f} s"


def in_ten(share: object) -> tuple[str, str]:
    """A share as (count, out_of) people can picture: 0.8 reads "8" of "10".

    Shares that round to 0 or 10 out of 10 are told out of 100 so they do not read as never/always.

    >>> in_ten(0.8), in_ten(0.74), in_ten(0.97), in_ten(0.03), in_ten(1.0)
    (('8', '10'), ('7', '10'), ('97', '100'), ('3', '100'), ('100', '100'))
    """
    x = _finite(share)
    if x is None:
        return MISSING, "10"
    tens = math.floor(10 * x + 0.5)
    if 1 <= tens <= 9:
        return str(tens), "10"
    return str(math.floor(100 * x + 0.5)), "100"


def join_words(words: Sequence[str]) -> str:
    """Items in a sentence: commas, and "and" before the last.

    >>> join_words(["age", "hours", "sex"]), join_words(["age"])
    ('age, hours and sex', 'age')
    """
    words = [str(w) for w in words]
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


def quoted(value: object) -> str:
    """A data value inside a sentence, in typographic quotes so its edges are clear."""
    return f"“{value}”"
