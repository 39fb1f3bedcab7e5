"""Reading the fields of one test in a spec file, so that every mistake names its place.

A spec is data the user wrote by hand: each field is checked once, when the file is loaded,
and a mistake becomes a one-line ``ConfigError`` whose ``where`` reads like
``checks.yml:7 tests[2].minimum.metric``: the file, the line, and the field to fix.
"""

from __future__ import annotations

import numbers
from typing import Any

from mlwright.errors import ConfigError

#: What the type names in error messages mean.
_NUMBER, _TEXT, _LIST, _MAPPING, _FLAG = "a number", "a text", "a list", "a mapping", "true or false"


class Body:
    """The mapping under one test kind (``minimum: {...}``), read field by field.

    >>> body = Body({"metric": "recall", "value": 0.6}, "spec.yml:3 tests[0].minimum")
    >>> body.number("value")
    0.6
    >>> body.text("metric")
    'recall'
    >>> body.done()
    """

    def __init__(self, data: Any, where: str):
        if data is None:  # `refuses_unscorable:` with nothing after it
            data = {}
        if not isinstance(data, dict):
            raise ConfigError(f"expected {_MAPPING} of fields, got {_shown(data)}.", where=where,
                              fix="write the fields as `key: value` lines or `{key: value, ...}`.")
        self.data, self.where = data, where
        self._read: set[str] = set()

    def at(self, key: str) -> str:
        return f"{self.where}.{key}"

    def has(self, key: str) -> bool:
        return key in self.data

    def raw(self, key: str, *, required: bool = False) -> Any:
        self._read.add(key)
        if key not in self.data or self.data[key] is None:
            if required:
                raise ConfigError(f"the field {key!r} is missing.", where=self.at(key),
                                  fix=f"add `{key}:` to this test.")
            return None
        return self.data[key]

    def number(self, key: str, *, required: bool = True, default: float | None = None,
               minimum: float | None = None) -> float | None:
        value = self.raw(key, required=required)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise self.wrong(key, _NUMBER, value)
        if minimum is not None and value < minimum:
            raise ConfigError(f"must be at least {minimum}, got {value}.", where=self.at(key),
                              fix=f"give a value of {minimum} or more.")
        return float(value)

    def text(self, key: str, *, required: bool = True, choices: tuple[str, ...] = ()) -> str | None:
        value = self.raw(key, required=required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, numbers.Real)):
            raise self.wrong(key, _TEXT, value)
        value = str(value).strip()
        if choices and value not in choices:
            raise ConfigError(f"{value!r} is not allowed.", where=self.at(key),
                              fix=f"use one of: {', '.join(choices)}.")
        return value

    def values(self, key: str, *, required: bool = True, length: int | None = None) -> list | None:
        value = self.raw(key, required=required)
        if value is None:
            return None
        if not isinstance(value, list) or not value or (length is not None and len(value) != length):
            shape = f"a list of {length} values" if length else "a non-empty list"
            raise self.wrong(key, shape, value)
        return value

    def flag(self, key: str, *, default: bool = False) -> bool:
        value = self.raw(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.wrong(key, _FLAG, value)
        return value

    def mapping(self, key: str) -> "Body | None":
        value = self.raw(key)
        return None if value is None else Body(value, self.at(key))

    def one_of(self, keys: tuple[str, ...]) -> str:
        """The single key of ``keys`` present (e.g. `by` or `factor`)."""
        self._read.update(keys)
        present = [k for k in keys if self.has(k)]
        if len(present) != 1:
            given = f"got {', '.join(present)}" if present else "got none"
            raise ConfigError(f"needs exactly one of {', '.join(keys)} ({given}).", where=self.where,
                              fix=f"keep one of: {', '.join(keys)}.")
        return present[0]

    def done(self) -> None:
        """Refuse fields nobody read: a typo like ``max_chnage`` must not be silently ignored."""
        unknown = [str(k) for k in self.data if k not in self._read]
        if unknown:
            allowed = ", ".join(sorted(self._read)) or "none"
            raise ConfigError(f"unknown field {unknown[0]!r}.", where=self.at(unknown[0]),
                              fix=f"the fields here are: {allowed}.")

    def wrong(self, key: str, expected: str, value: Any) -> ConfigError:
        return ConfigError(f"expected {expected}, got {_shown(value)}.", where=self.at(key),
                           fix=f"write `{key}:` as {expected}.")


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
