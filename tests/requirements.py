"""What a test needs beyond the package: a database server, the benchmark datasets, an extra.

Where it is missing, the test is skipped with the reason and the fix, so that a clone with
nothing beside it still runs the suite; CI sets ``MLWRIGHT_REQUIRE_<WHAT>`` for each part it
provides (see ``.ci/run``), and there a missing part is a failure, never a silent skip.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def required(what: str) -> bool:
    """True when ``MLWRIGHT_REQUIRE_<WHAT>`` is set (to anything but empty, 0, false or no)."""
    return os.environ.get(f"MLWRIGHT_REQUIRE_{what}", "").lower() not in ("", "0", "false", "no")


def missing(what: str, reason: str, *, module: bool = False) -> NoReturn:
    """Skip for ``reason`` (the whole module with ``module``), or fail where CI requires ``what``."""
    if required(what):
        pytest.fail(f"{reason} (MLWRIGHT_REQUIRE_{what} is set, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(reason, allow_module_level=module)
