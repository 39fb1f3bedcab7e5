"""The training report's HTML: every section, escaped values, small figures, nothing fetched."""

from __future__ import annotations

import json
import re
import time

import pytest

from mlwright.errors import MlwrightError
from mlwright.report import plots
from mlwright.report.facts import SECTIONS
from mlwright.report.plots import CURVE_POINTS, build_plots, figures_json, plotly_js
from mlwright.report.training_report import render_report, write_report_files
from tests.report_fixtures import HOSTILE, RECORDS, binary_record, hostile_record, multiclass_record

OPTIONAL = ("threshold", "calibration", "importance", "dependence", "examples", "fairness", "model_tests", "timings")


def _visible_text(html: str) -> str:
    """The page without its scripts: what a reader can see."""
    return re.sub(r"<script\b.*?</script>", "", html, flags=re.S)


def _bare(record: dict) -> dict:
    """The record with every optional part absent and every optional run fact None."""
    bare = {k: v for k, v in record.items() if k not in OPTIONAL}
    bare["run"] = {k: (None if k in ("positive_class", "data_source", "test_source", "latency_limit_ms",
                                     "profile_page", "intended_use", "estimate") else v)
                   for k, v in record["run"].items()}
    return bare


@pytest.fixture(scope="module", params=sorted(RECORDS))
def record(request) -> dict:
    return RECORDS[request.param]()


def test_every_section_is_there_once_in_page_order(record):
    html = render_report(record)
    positions = [html.find(f'<section id="{id_}">') for id_ in SECTIONS]
    assert all(html.count(f'<section id="{id_}">') == 1 for id_ in SECTIONS)
    assert positions == sorted(positions)


def test_sections_without_data_say_so_in_one_line():
    html = _visible_text(render_report(_bare(binary_record())))
    assert "Not requested: pass --sensitive COLUMN to mlwright train" in html
    assert "No model tests were run." in html
    assert "Importance was not computed in this run." in html
    assert "Not tuned: the model uses the default cut-off of 0.5." in html
    assert all(f'<section id="{id_}">' in html for id_ in SECTIONS)


@pytest.mark.parametrize("build", [*RECORDS.values(), lambda: _bare(binary_record()),
                                   lambda: {"run": {"target": "y", "task": "regression"}}, lambda: {}])
def test_missing_facts_never_read_none(build):
    assert "None" not in _visible_text(render_report(build()))


def test_data_values_are_escaped_everywhere():
    html = render_report(hostile_record())
    assert HOSTILE not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # only the page's own three scripts: plotly.js, the figure data and the drawing code
    assert html.count("</script>") == 3


def test_figure_data_cannot_close_its_script_element():
    text = figures_json(build_plots(hostile_record()))
    assert "<" not in text and ">" not in text
    assert HOSTILE.replace("<", "&lt;").replace(">", "&gt;") in json.dumps(json.loads(text))


def test_plotly_is_inlined_once_and_nothing_is_linked():
    html = render_report(binary_record())
    assert html.count(plotly_js()[:200]) == 1
    assert not re.search(r'<(script|link|img)[^>]+(src|href)=', html)
    assert "@import" not in html and "fonts.googleapis" not in html


def test_a_written_report_is_one_small_file_that_links_nothing(record, tmp_path):
    page = write_report_files(tmp_path / "run", record)["report"]
    assert page.stat().st_size < 2_000_000, f"report.html is {page.stat().st_size:,} bytes"
    html = page.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]*\bsrc\s*=", html, flags=re.I)
    assert html.count(plotly_js()) == 1 and "plotly.js (cartesian - minified)" in plotly_js()[:200]


def test_a_missing_plotly_bundle_is_a_clear_error_not_a_cdn(monkeypatch):
    monkeypatch.setattr(plots, "_PLOTLY_BUNDLE", ("vendor", "missing.min.js"))
    plots.plotly_js.cache_clear()
    try:
        with pytest.raises(MlwrightError, match="plotly.js bundle .* is missing.*reinstall mlwright"):
            plots.plotly_js()
    finally:
        plots.plotly_js.cache_clear()


def test_plots_have_stable_names_per_task():
    names = {task: [p.name for p in build_plots(build())] for task, build in RECORDS.items()}
    assert names["binary"] == ["roc", "pr", "threshold", "calibration", "importance", "shap",
                               "dependence-0", "dependence-1", "dependence-2"]
    assert names["multiclass"] == ["calibration", "importance", "dependence-0"]
    assert names["regression"] == ["residuals", "predicted-actual", "importance", "dependence-0", "dependence-1"]
    html = render_report(binary_record())
    assert all(f'class="plot" id="plot-{n}" data-plot="{n}"' in html for n in names["binary"])


def test_long_curves_are_thinned_keeping_their_ends():
    record = binary_record()
    roc = record["evaluations"][0]["curves"]["roc"]
    assert len(roc["fpr"]) > CURVE_POINTS
    trace = next(p for p in build_plots(record) if p.name == "roc").figure.data[1]
    assert len(trace.x) <= CURVE_POINTS
    assert (trace.x[0], trace.x[-1], trace.y[-1]) == (roc["fpr"][0], roc["fpr"][-1], roc["tpr"][-1])


def test_multiclass_report_shows_the_confusion_matrix_and_no_cut_off():
    html = _visible_text(render_report(multiclass_record()))
    assert 'aria-label="confusion matrix"' in html
    assert "Not applicable: only yes/no models" in html


def test_report_files_are_written_side_by_side(tmp_path):
    paths = write_report_files(tmp_path / "run", binary_record())
    assert set(paths) == {"report", "model_card"}
    assert paths["report"].name == "report.html" and paths["model_card"].name == "MODEL_CARD.md"
    assert paths["report"].read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["MODEL_CARD.md", "report.html"]


def test_rendering_takes_well_under_a_second(record):
    render_report(record)  # the first call loads the templates and plotly's validators
    started = time.perf_counter()
    render_report(record)
    assert time.perf_counter() - started < 1.0
