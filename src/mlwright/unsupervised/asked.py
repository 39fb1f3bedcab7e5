"""What a user asks of an unsupervised run, checked at the door: settings that are ``auto`` or a
number (``--k``, ``--contamination``), and the name reports give the data."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from mlwright.errors import ConfigError


def auto_or_number(value, convert: Callable[[object], float | int], *, where: str, what: str, fix: str,
                   allowed: Callable[[float], bool], limits: str):
    """None for ``auto`` (any case), else ``convert(value)`` when ``allowed``; otherwise an error
    naming the setting (``where``), what it takes (``what``, ``limits``) and ``fix``."""
    if isinstance(value, str) and value.strip().lower() == "auto":
        return None
    try:
        number = convert(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where} must be 'auto' or {what}, got {value!r}.", where=where, fix=fix) from None
    if not allowed(number):
        raise ConfigError(f"{where} must be {limits}, got {number}.", where=where, fix=fix)
    return number


def source_name(where: str) -> str:
    """The data as a report names it: the file's name, or 'a table' for data passed in memory."""
    return Path(where).name if where != "data" else "a table"
