"""Settings that are 'auto' or a number, checked before any work, each refusal naming the setting and the fix."""

import numpy as np
import pandas as pd
import pytest

from mlwright.errors import ConfigError
from mlwright.unsupervised.anomalies import find_anomalies
from mlwright.unsupervised.asked import auto_or_number, source_name
from mlwright.unsupervised.cluster import cluster

FRAME = pd.DataFrame({"a": np.arange(60.0), "b": np.arange(60.0) % 7})


@pytest.mark.parametrize("run, setting, value, problem", [
    (cluster, "k", 1, "k must be at least 2"),
    (cluster, "k", "many", "k must be 'auto' or a whole number"),
    (cluster, "k", 0, "k must be at least 2"),
    (find_anomalies, "contamination", 0.7, "between 0 and 0.5"),
    (find_anomalies, "contamination", "lots", "contamination must be 'auto' or a fraction"),
    (find_anomalies, "contamination", 0, "between 0 and 0.5"),
])
def test_a_bad_setting_is_refused_with_the_fix(run, setting, value, problem):
    with pytest.raises(ConfigError, match=problem) as caught:
        run(FRAME, **{setting: value}, store=False)
    assert caught.value.where == setting and caught.value.fix


def test_auto_in_any_case_means_none_and_numbers_are_converted():
    check = dict(where="n", what="a number", fix="f", allowed=lambda n: n > 0, limits="positive")
    assert auto_or_number(" AUTO ", int, **check) is None
    assert auto_or_number("3", int, **check) == 3 and auto_or_number(0.25, float, **check) == 0.25
    assert source_name("data") == "a table" and source_name("/some/folder/sales.csv") == "sales.csv"
