"""The words of the report: the plain-language summary and the model card, from the record's facts."""

from __future__ import annotations

import copy

import pytest
from markdown_it import MarkdownIt

from mlwright.report.model_card import FILL_IN, render_model_card
from mlwright.report.plain_language import plain_summary
from tests.report_fixtures import HOSTILE, RECORDS, binary_record, hostile_record, multiclass_record, regression_record

CARD_HEADINGS = ("## Model details", "## Intended use", "## Data", "## Metrics", "## Decision threshold",
                 "## Explanations", "## Fairness", "## Model tests", "## Limitations",
                 "## Ethical considerations", "## Caveats and recommendations")


def _with_metric(record: dict, name: str, value: float) -> dict:
    record = copy.deepcopy(record)
    next(m for m in record["evaluations"][0]["metrics"] if m["name"] == name)["value"] = value
    return record


def _summary(record: dict) -> str:
    return "\n".join(plain_summary(record))


@pytest.mark.parametrize(("recall", "phrase"), [
    (0.8, "Out of 10 cases that truly are “>50K”, the model finds about 8 (recall 0.800)."),
    (0.74, "Out of 10 cases that truly are “>50K”, the model finds about 7 (recall 0.740)."),
    (0.97, "Out of 100 cases that truly are “>50K”, the model finds about 97 (recall 0.970)."),
])
def test_recall_reads_as_cases_found_in_ten(recall, phrase):
    assert phrase in plain_summary(_with_metric(binary_record(), "recall", recall))


def test_binary_summary_states_precision_baseline_interval_threshold_and_calibration():
    text = _summary(binary_record())
    assert "When it says “>50K”, it is right about 7 times in 10 (precision 0.719)." in text
    assert "Picking rows at random would be right only about 2 times in 10" in text  # prevalence 0.239
    assert ("On 9,769 rows held out from training, its main score, ROC AUC, is 0.928, likely between 0.922 and "
            "0.934; guessing without looking at the data scores 0.500.") in text
    assert "at least 37%, a cut-off chosen for the best balance between finding cases and being right (F1)" in text
    # the held-out reliability bin nearest 70% is 0.65 stated, 0.667 observed
    assert "When it gives a chance of about 65%, the outcome happens 67% of the time" in text
    assert "from 4.1 percentage points to 1.2 percentage points" in text


def test_binary_summary_names_drivers_fairness_failed_tests_and_dropped_columns():
    text = _summary(binary_record())
    assert "What matters most to its answers: “relationship”, “capital-gain” and “education-num”." in text
    assert "For women the model finds about 7 in 10 high earners" in text
    assert "1 of 5 model tests failed: “flipping sex keeps the answer”." in text
    assert "“salary_band” – gives the target away (ROC AUC 0.998 alone)" in text


def test_fairness_gaps_are_told_when_the_audit_wrote_no_sentences():
    record = binary_record()
    record["fairness"]["sentences"] = []
    assert "For sex = “Female”, recall is 0.710 against 0.790 overall." in plain_summary(record)


def test_multiclass_summary_compares_with_the_majority_class_and_names_the_worst_mix_up():
    text = _summary(multiclass_record())
    assert ("It picks the right class for about 9 rows in 10 (accuracy 0.928); always answering the most common "
            "class, “Adelie”, would be right about 4 in 10.") in text
    assert "“Chinstrap” taken for “Adelie”, 3 times out of 14 “Chinstrap” rows." in text
    assert "(lower is better)" in text  # its main metric is log loss
    assert "Fairness across groups was not checked (pass --sensitive COLUMN to mlwright train" in text


def test_regression_summary_gives_typical_error_in_the_targets_units():
    text = _summary(regression_record())
    assert ("Its predictions of fare are off by about 1.62 on average, in fare's own units; "
            "always predicting the average would be off by 6.91.") in text
    assert "It explains about 91% of the variation in fare (R² 0.912)." in text
    assert "All 2 model tests passed." in text


def test_a_model_worse_than_the_mean_is_told_so():
    record = _with_metric(regression_record(), "r2", -0.2)
    assert "It explains about 0% of the variation in fare (R² -0.200); that is no better" in _summary(record)


@pytest.mark.parametrize("record", [{}, {"run": {"task": "binary"}},
                                    {"run": {"task": "multiclass"}, "evaluations": [{}]}])
def test_summary_of_a_nearly_empty_record_states_only_what_is_there(record):
    sentences = plain_summary(record)
    assert sentences and all("None" not in s for s in sentences)


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_model_card_has_every_section_and_no_none(name):
    card = render_model_card(RECORDS[name]())
    assert all(heading in card.splitlines() for heading in CARD_HEADINGS)
    assert "None" not in card


def test_model_card_of_a_record_without_optional_parts():
    record = {k: v for k, v in binary_record().items() if k in ("format", "version", "run", "leaderboard")}
    record["run"] = dict(record["run"], intended_use=None, estimate=None, data_source=None, sensitive=[])
    card = render_model_card(record)
    assert all(heading in card.splitlines() for heading in CARD_HEADINGS)
    assert "None" not in card
    assert f"**Intended use:** {FILL_IN}" in card
    assert "Not audited: no sensitive column was named." in card
    assert "No model tests were run." in card
    assert "No held-out evaluation was recorded for this run." in card


def test_model_card_states_the_facts_of_the_run():
    card = render_model_card(binary_record())
    assert "| ROC AUC | 0.928 | 0.922 – 0.934 | 0.500 | higher |" in card
    assert "| salary\\_band | categorical | gives the target away (ROC AUC 0.998 alone) |" in card
    assert "at least 0.370 (default 0.500), chosen for f1" in card
    assert "| FAILED | flipping sex keeps the answer | counterfactual |" in card
    assert "Who could be harmed by a wrong answer, and how: " + FILL_IN in card
    assert f"**Intended use:** {FILL_IN}" in card
    stated = render_model_card(multiclass_record())
    assert "**Intended use:** Sorting field records by species for a colony survey. (stated by the user)" in stated


def test_model_card_escapes_markup_and_keeps_tables_whole():
    record = hostile_record()
    record["run"]["excluded_columns"].append({"name": "a|b", "kind": "text", "reason": "pipe | inside"})
    card = render_model_card(record)
    html = MarkdownIt("commonmark").enable("table").render(card)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    excluded = card.split("| Column | Kind | Why |")[1].split("\n\n")[0]
    assert all(line.replace("\\|", "").count("|") == 4 for line in excluded.strip().splitlines())
    assert HOSTILE not in card
