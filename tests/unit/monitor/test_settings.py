"""Monitoring settings: defaults, TOML files, weights, and clear refusals."""

from __future__ import annotations

import pytest

from mlwright.errors import ConfigError
from mlwright.monitor.check import judge
from mlwright.monitor.settings import MonitorSettings, load_settings
from mlwright.monitor.statistics import Shift


def _shift(value: float, p_value: float = 1e-6, missing: float = 0.0, new: float | None = None) -> Shift:
    return Shift(values={"wasserstein": value, "jensen_shannon": value, "psi": value, "ks": value},
                 test="Kolmogorov-Smirnov", p_value=p_value, rows=1000, missing_rate=missing,
                 reference_missing_rate=0.0, missing_p_value=1e-9 if missing else 1.0, new_category_rate=new,
                 new_categories=["q"] if new else [])


def test_a_shift_must_be_large_and_significant():
    settings = MonitorSettings()
    assert judge("x", "numeric", "numeric", _shift(0.15), 1.0, settings)["verdict"] == "warning"
    assert judge("x", "numeric", "numeric", _shift(0.25), 1.0, settings)["verdict"] == "action"
    assert judge("x", "numeric", "numeric", _shift(0.25, p_value=0.2), 1.0, settings)["verdict"] == "stable"
    assert judge("x", "numeric", "numeric", _shift(0.05), 1.0, settings)["verdict"] == "stable"


def test_weights_scale_a_columns_drift():
    settings = MonitorSettings()
    assert judge("x", "numeric", "numeric", _shift(0.06), 2.0, settings)["verdict"] == "warning"
    assert judge("x", "numeric", "numeric", _shift(0.15), 0.5, settings)["verdict"] == "stable"
    assert settings.weight("when", "datetime") == 0.0 and settings.with_weights({"when": 1}).weight("when", "datetime") == 1


def test_missing_values_and_new_categories_have_their_own_levels():
    settings = MonitorSettings()
    entry = judge("x", "categorical", "categorical", _shift(0.0, missing=0.3), 1.0, settings)
    assert entry["verdict"] == "action" and "missing in 30.0% of rows" in entry["note"]
    entry = judge("c", "categorical", "categorical", _shift(0.0, new=0.08), 1.0, settings)
    assert entry["verdict"] == "warning" and "never seen" in entry["note"]


def test_settings_from_toml_with_weights_added_on_the_command_line(tmp_path):
    path = tmp_path / "monitor.toml"
    path.write_text('numeric_statistic = "psi"\nalpha = 0.05\n[thresholds]\npsi = [0.2, 0.4]\n'
                    '[weights]\nage = 2.0\nzip = 0\n')
    settings = load_settings(path, weights={"zip": 1.0})
    assert settings.numeric_statistic == "psi" and settings.alpha == 0.05
    assert settings.limits("psi") == (0.2, 0.4) and settings.limits("wasserstein") == (0.1, 0.2)
    assert settings.weights == {"age": 2.0, "zip": 1.0}


@pytest.mark.parametrize("text, field", [
    ('numeric_statistic = "mean"', "numeric_statistic"),
    ("alpha = 2", "alpha"),
    ("[thresholds]\nwasserstein = [0.3, 0.1]", "thresholds.wasserstein"),
    ("[thresholds]\nhellinger = [0.1, 0.2]", "thresholds"),
    ("[weights]\nage = -1", "weights.age"),
    ("colour = 3", "monitor.toml"),
    ("alpha = ", "monitor.toml"),
])
def test_bad_settings_name_the_field(tmp_path, text, field):
    path = tmp_path / "monitor.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert field in caught.value.message and "Fix:" in caught.value.message
